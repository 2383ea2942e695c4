"""From a canonical review frame to model inputs: chronological order, split, token store, id
maps and histories. This is the one place those pieces are put together."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from semax.data.history import build_histories, count_in
from semax.data.split import FIT, TEST, VALID, chronological_order, cutoffs, split_labels
from semax.data.text import DeferredTokenStore, TokenStore, Vocab, build_token_store

PROTOCOLS = ("online", "frozen")  # what a prediction at time t may read (README: protocol)
UNKNOWN = "<unknown>"  # id 0 of the user and item maps: entities unseen in the fitting split


@dataclass
class DataConfig:
    """Preprocessing settings (recorded with every trained model)."""

    max_words: int = field(
        default=200, metadata={"help": "reviews are cut after this many tokens", "min": 1}
    )
    max_history: int = field(
        default=10, metadata={"help": "most recent earlier reviews kept per history", "min": 1}
    )
    min_count: int = field(
        default=10,
        metadata={"help": "words seen fewer times in the fitting split become <UNK>", "min": 1},
    )
    protocol: str = field(
        default="online",
        metadata={
            "help": "online: a prediction at time t reads every review and rating written before "
            "t, test period included (no refitting); frozen: only the training part's",
            "choices": PROTOCOLS,
        },
    )
    train_frac: float = 0.8  # earliest share of ratings used for training (rest: test)
    valid_frac: float = 0.1  # last share of the training part held out for early stopping

    def to_dict(self) -> dict:
        return asdict(self)

    def readable(self, split: np.ndarray) -> np.ndarray | None:
        """The reviews a history may hold under the protocol: all (None) online; the fitting
        split's only when frozen."""
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.protocol!r} ({' or '.join(PROTOCOLS)})")
        return None if self.protocol == "online" else split == FIT


@dataclass
class ReviewData:
    """Model-ready data. Row r of every array is review (= rating) r, in chronological order."""

    reviews: pd.DataFrame  # canonical columns, chronological, RangeIndex = review id
    store: TokenStore | DeferredTokenStore  # deferred: tokenized on first use
    users: list[str]  # model user id -> user string; users[0] = UNKNOWN
    items: list[str]
    user: np.ndarray  # (n,) int64 model user id (0 when unseen in the fitting split)
    item: np.ndarray  # (n,) int64
    user_code: np.ndarray  # (n,) int64 the real user (unseen ones kept apart), for grouping
    item_code: np.ndarray  # (n,) int64
    rating: np.ndarray  # (n,) float32
    split: np.ndarray  # (n,) int8: FIT, VALID or TEST
    user_history: np.ndarray  # (n, H) int32 review ids, oldest first, -1 padded
    user_history_len: np.ndarray  # (n,) int32
    item_history: np.ndarray  # (n, H) int32
    item_history_len: np.ndarray  # (n,) int32
    user_fit_count: np.ndarray  # (n,) int32: fitting-split ratings of this rating's user
    item_fit_count: np.ndarray  # (n,) int32
    config: DataConfig = field(default_factory=DataConfig)

    def __len__(self) -> int:
        return len(self.rating)

    def rows(self, code: int) -> np.ndarray:
        return np.flatnonzero(self.split == code)

    @property
    def fit_rows(self) -> np.ndarray:
        return self.rows(FIT)

    @property
    def valid_rows(self) -> np.ndarray:
        return self.rows(VALID)

    @property
    def test_rows(self) -> np.ndarray:
        return self.rows(TEST)

    @property
    def vocab(self) -> Vocab:
        return self.store.vocab

    @property
    def global_mean(self) -> float:
        return float(self.rating[self.fit_rows].mean())

    def cutoffs(self) -> dict:
        return cutoffs(self.reviews, self.split)


def _id_map(
    values: pd.Series, fit: np.ndarray, given: list[str] | None
) -> tuple[list[str], np.ndarray]:
    names = given if given is not None else [UNKNOWN, *pd.unique(values[fit])]
    index = {name: i for i, name in enumerate(names)}
    ids = values.map(index).fillna(0).to_numpy(dtype=np.int64)
    return names, ids


def prepare(
    df: pd.DataFrame,
    config: DataConfig | None = None,
    vocab: Vocab | None = None,
    users: list[str] | None = None,
    items: list[str] | None = None,
) -> ReviewData:
    """Order `df` chronologically, split it, tokenize every review once and index histories.

    Pass `vocab`, `users` and `items` of a trained model to reproduce its inputs exactly; with
    `vocab` given, the reviews are tokenized on first use of `store` (a `DeferredTokenStore`).
    """
    config = config or DataConfig()
    if len(df) == 0:
        raise ValueError("no reviews to prepare")
    order = chronological_order(df["time"].to_numpy())
    in_order = bool(np.all(order[1:] > order[:-1]))
    reviews = (df if in_order else df.iloc[order]).reset_index(drop=True)
    split = split_labels(len(reviews), config.train_frac, config.valid_frac)
    fit = split == FIT
    texts = reviews["text"]

    def tokenize() -> TokenStore:
        return build_token_store(texts.tolist(), fit, config.max_words, config.min_count, vocab)

    store = DeferredTokenStore(tokenize, vocab) if vocab is not None else tokenize()
    users, user = _id_map(reviews["user"], fit, users)
    items, item = _id_map(reviews["item"], fit, items)
    # Histories follow the real entity (unseen users too), not the model id that merges them.
    user_code = pd.factorize(reviews["user"])[0]
    item_code = pd.factorize(reviews["item"])[0]
    times = reviews["time"].to_numpy(dtype=np.int64)
    readable = config.readable(split)
    user_history, user_history_len = build_histories(user_code, times, config.max_history, readable)
    item_history, item_history_len = build_histories(item_code, times, config.max_history, readable)
    user_fit = count_in(user_code, fit, user_code.max() + 1)[user_code]
    item_fit = count_in(item_code, fit, item_code.max() + 1)[item_code]
    return ReviewData(
        reviews=reviews,
        store=store,
        users=users,
        items=items,
        user=user,
        item=item,
        user_code=user_code,
        item_code=item_code,
        rating=reviews["rating"].to_numpy(dtype=np.float32),
        split=split,
        user_history=user_history,
        user_history_len=user_history_len,
        item_history=item_history,
        item_history_len=item_history_len,
        user_fit_count=user_fit.astype(np.int32),
        item_fit_count=item_fit.astype(np.int32),
        config=config,
    )


__all__ = ["DataConfig", "ReviewData", "prepare", "FIT", "VALID", "TEST", "UNKNOWN", "PROTOCOLS"]
