"""The ground truth of a synthetic corpus: what was planted, written next to the corpus as
`<stem>.truth.json` and read back by `load_truth`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from semax.errors import DataError

TRUTH_VERSION = 1


@dataclass
class Truth:
    """What was planted: the word lists and the model settings (small, JSON-friendly)."""

    seed: int
    n_reviews: int
    n_users: int
    n_items: int
    sentiment_words: dict[int, list[str]]
    aspect_words: dict[str, list[str]]
    signal_words: list[str]
    filler_words: list[str]
    phrasing_words: list[str]
    rating_counts: dict[int, int] = field(default_factory=dict)
    mean_rating: float = 0.0
    signal_token_share: float = 0.0  # measured share of signal words among all tokens
    first_time: int = 0
    last_time: int = 0
    model: dict = field(default_factory=dict)
    version: int = TRUTH_VERSION
    path: str | None = None  # where the truth JSON was written (None if not written)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        d["sentiment_words"] = {str(k): v for k, v in self.sentiment_words.items()}
        d["rating_counts"] = {str(k): v for k, v in self.rating_counts.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict, path: str | None = None) -> Truth:
        d = dict(d)
        d["sentiment_words"] = {int(k): list(v) for k, v in d["sentiment_words"].items()}
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
