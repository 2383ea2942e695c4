"""The ground truth of a synthetic corpus: what was planted, written next to the corpus as
`<stem>.truth.json` and read back by `load_truth`.

Version 2 (the grammar corpus): key words by level, each user's leniency, each item's bias,
quality per aspect and kind. A review's key words, the words that carry its rating, are its words
that are key words (`Truth.review_key_words`): the grammar uses a key word nowhere else."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from semax.errors import DataError

TRUTH_VERSION = 2


@dataclass
class Truth:
    """What was planted: the word lists, the people and items, the model settings."""

    seed: int
    n_reviews: int
    n_users: int
    n_items: int
    key_words: dict[int, list[str]]  # level (1 harsh .. 5 glowing) -> the words that carry it
    aspect_words: dict[str, list[str]]  # aspect -> the nouns that name it
    signal_words: list[str]  # every key word, sorted
    filler_words: list[str]  # words only in neutral sentences
    phrasing_words: list[str]  # words only in the users' habitual hedges
    context_words: list[str] = field(default_factory=list)  # every other word
    hedges: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    rating_counts: dict[int, int] = field(default_factory=dict)
    mean_rating: float = 0.0
    signal_token_share: float = 0.0  # measured share of key words among all words
    mean_words: float = 0.0
    first_time: int = 0
    last_time: int = 0
    user_leniency: dict[str, float] = field(default_factory=dict)  # the user's bias (stars)
    item_bias: dict[str, float] = field(default_factory=dict)
    item_quality: dict[str, list[float]] = field(default_factory=dict)  # per aspect, in order
    item_kind: dict[str, str] = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    version: int = TRUTH_VERSION
    path: str | None = None  # where the truth JSON was written (None if not written)

    def review_key_words(self, text: str) -> list[str]:
        """The key words of one review, in order."""
        from semax.data.text import tokenize

        signal = set(self.signal_words)
        return [w for w in tokenize(text) if w in signal]

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "path"}
        d["key_words"] = {str(k): v for k, v in self.key_words.items()}
        d["rating_counts"] = {str(k): v for k, v in self.rating_counts.items()}
        return d

    def dumps(self) -> str:
        """JSON with one top-level field a line (the per-user and per-item maps stay compact)."""
        fields = (f"{json.dumps(k)}: {json.dumps(v)}" for k, v in self.to_dict().items())
        return "{\n" + ",\n".join(fields) + "\n}\n"

    @classmethod
    def from_dict(cls, d: dict, path: str | None = None) -> Truth:
        d = dict(d)
        d["key_words"] = {int(k): list(v) for k, v in d["key_words"].items()}
        d["rating_counts"] = {int(k): int(v) for k, v in d.get("rating_counts", {}).items()}
        d.pop("path", None)
        return cls(**d, path=path)


def truth_path(path: str | os.PathLike) -> Path:
    """`corpus.json.gz` -> `corpus.truth.json` (also for .jsonl and no suffix)."""
    p = Path(path)
    name = p.name
    for suffix in (".gz", ".jsonl", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return p.with_name(name + ".truth.json")


def load_truth(path: str | os.PathLike) -> Truth:
    """Read a ground-truth file written by `write_corpus` (or the corpus path next to it)."""
    p = Path(path)
    if not p.name.endswith(".truth.json"):
        p = truth_path(p)
    try:
        d = json.loads(p.read_text())
        return Truth.from_dict(d, path=str(p))
    except FileNotFoundError:
        raise DataError(f"{p}: no such ground-truth file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{p}: not a synthetic-corpus ground truth ({exc})") from None


__all__ = ["TRUTH_VERSION", "Truth", "load_truth", "truth_path"]
