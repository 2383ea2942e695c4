"""Predictions for people: ratings of user-item pairs "now" (after all the data), top-N items,
and the what-if queries. Caches make a prediction a few small matrix products.

For SEMAX-family models every review's text embedding y and every user's and item's current
history state are computed once; other models go through their ordinary `predict(batch)`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from semax.data.dataset import ReviewData
from semax.data.history import NO_REVIEW
from semax.data.text import tokenize
from semax.errors import SemaxError
from semax.models import rolling_bias as rolling
from semax.models.rolling_bias import RollingBias
from semax.models.semax import SEMAX
from semax.training.batching import assemble


@dataclass
class Prediction:
    user: str
    item: str
    rating: float  # r_uv, clipped to 1..5
    raw: float  # r_uv before clipping
    cold_user: bool  # the user has no trained factor (unseen in the fitting split)
    cold_item: bool
    user_history: list[int]  # review ids, oldest first
    item_history: list[int]

    def to_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class TextRating:
    rating: float  # r_y, clipped
    raw: float
    tokens: list[str]  # the words the model read (after the cut), <UNK> shown as the word
    known: list[bool]  # False where the word is <UNK>
    alpha: list[float]  # attention weight per token, Eq. 8

    def to_dict(self) -> dict:
        return dict(vars(self))


SIDES = ("user", "item")  # whose history a what-if review joins
WRITER = "<what-if writer>"  # the unknown user who writes an item's what-if reviews


def what_if_writer(side: str, user: str) -> str:
    """Who writes the what-if reviews joining `side`'s history: the user, or for an item's
    history `WRITER`, a user the model does not know."""
    return user if side == "user" else WRITER


def clip(r: float) -> float:
    return float(min(5.0, max(1.0, r)))


class Recommender:
    """Answers queries against a trained model and its data."""

    def __init__(
        self, model: torch.nn.Module, data: ReviewData, item_states: torch.Tensor | None = None
    ):
        """`item_states`: h_v of every item in `item_names` order, saved with the bundle."""
        self.model = model.eval()
        self.data = data
        self.device = next(model.parameters()).device
        self.user_index = {u: i for i, u in enumerate(data.users)}
        self.item_index = {v: i for i, v in enumerate(data.items)}
        self.H = data.config.max_history
        self.cached = isinstance(model, SEMAX) and model.cfg.use_text
        self._review_emb: torch.Tensor | None = None
        self._states: dict[str, dict[str, torch.Tensor]] = {"user": {}, "item": {}}
        self._item_matrix = None
        if self.cached and item_states is not None:
            self._item_matrix = item_states.to(self.device)

    @classmethod
    def from_bundle(cls, bundle) -> Recommender:
        return cls(bundle.model, bundle.data, bundle.item_states)

    # -- names (built on first use: a model only compared needs none) ------------------------

    @functools.cached_property
    def user_reviews(self) -> dict[str, np.ndarray]:
        """Each user's review ids, oldest first."""
        return _timelines(self.data.reviews["user"].to_numpy())

    @functools.cached_property
    def item_reviews(self) -> dict[str, np.ndarray]:
        return _timelines(self.data.reviews["item"].to_numpy())

    @functools.cached_property
    def _item_row(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.item_reviews)}

    @property
    def user_names(self) -> list[str]:
        return list(self.user_reviews)

    @property
    def item_names(self) -> list[str]:
        return list(self.item_reviews)

    def history(self, side: str, name: str) -> np.ndarray:
        """The most recent H review ids of a user or item, oldest first (empty when unknown)."""
        timelines = self.user_reviews if side == "user" else self.item_reviews
        return timelines.get(name, np.zeros(0, dtype=np.int64))[-self.H :]

    # -- caches ------------------------------------------------------------------------------

    @torch.no_grad()
    def embeddings(self, ids: np.ndarray) -> torch.Tensor:
        """y of the given reviews, (len(ids), D3); each review is encoded once, on first use."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._review_emb is None:
            self._review_emb = torch.zeros(
                len(self.data.store.lengths), self.model.cfg.d_text, device=self.device
            )
            self._encoded = np.zeros(len(self.data.store.lengths), dtype=bool)
        todo = np.unique(ids[~self._encoded[ids]])
        store = self.data.store
        for i in range(0, len(todo), 2048):
            rows = todo[i : i + 2048]
            tokens = torch.from_numpy(store.tokens[rows].astype(np.int64)).to(self.device)
            lengths = torch.from_numpy(store.lengths[rows].astype(np.int64)).to(self.device)
            self._review_emb[torch.from_numpy(rows).to(self.device)] = self.model.encode_reviews(
                tokens, lengths
            ).float()
        self._encoded[todo] = True
        return self._review_emb[torch.from_numpy(ids).to(self.device)]

    def _stars(self, ids: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.data.rating[np.asarray(ids, dtype=np.int64)]).to(self.device)

    @torch.no_grad()
    def _history_state(
        self,
        side: str,
        hist: np.ndarray,
        extra: torch.Tensor | None = None,
        extra_stars: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """h_u (or h_v) for one history of review ids, optionally with new review embeddings
        (and their stars) appended (the what-if), (D3,)."""
        emb, stars = self.embeddings(hist), self._stars(hist)
        if extra is not None:
            emb = torch.cat([emb, extra])
            stars = torch.cat(
                [stars, extra_stars if extra_stars is not None else extra.new_zeros(len(extra))]
            )
        emb = self.model.history_inputs(emb, stars)[-self.H :]
        encoder = self.model.user_history if side == "user" else self.model.item_history
        seq = emb if len(emb) else emb.new_zeros(1, emb.size(-1))  # (n, D3); a dummy row when empty
        index = torch.arange(len(seq), device=self.device).unsqueeze(0)  # (1, n)
        return encoder(seq, index, torch.tensor([len(emb)], device=self.device))[0]

    def state(self, side: str, name: str) -> torch.Tensor:
        if side == "item" and self._item_matrix is not None and name in self._item_row:
            return self._item_matrix[self._item_row[name]]
        cache = self._states[side]
        if name not in cache:
            cache[name] = self._history_state(side, self.history(side, name))
        return cache[name]

    @torch.no_grad()
    def item_states(self) -> torch.Tensor:
        """h_v of every item in the data, in `item_names` order, (n_items_in_data, D3): one
        batched pass over the item histories, once (or saved with the bundle)."""
        if self._item_matrix is None:
            names = self.item_names
            hist = np.full((len(names), self.H), NO_REVIEW, dtype=np.int64)
            for r, name in enumerate(names):
                h = self.history("item", name)
                hist[r, : len(h)] = h
            listed = hist[hist >= 0]
            emb = self.model.history_inputs(self.embeddings(listed), self._stars(listed))
            index = np.full(hist.shape, -1, dtype=np.int64)
            index[hist >= 0] = np.arange(int((hist >= 0).sum()))
            hist_t = torch.from_numpy(index).to(self.device)
            self._item_matrix = self.model.item_history(emb, hist_t, (hist_t >= 0).sum(1))
        return self._item_matrix

    # -- queries -----------------------------------------------------------------------------

    def _ids(self, user: str, item: str) -> tuple[int, int]:
        return self.user_index.get(user, 0), self.item_index.get(item, 0)

    @torch.no_grad()
    def predict(
        self,
        user: str,
        item: str,
        extra_user_reviews: list[str] | None = None,
        extra_user_ratings: list[float] | None = None,
        extra_item_reviews: list[str] | None = None,
        extra_item_ratings: list[float] | None = None,
    ) -> Prediction:
        """r_uv for a pair now; `extra_user_reviews` adds hypothetical reviews (texts) to the
        user's history, `extra_user_ratings` their stars for a model that reads stars (the rolling
        bias); `extra_item_*` the same for the item's history (reviews by users the model does not
        know). A star outside 1..5 is refused."""
        uid, vid = self._ids(user, item)
        uh, ih = self.history("user", user), self.history("item", item)
        u_stars = check_stars(extra_user_ratings or [])
        v_stars = check_stars(extra_item_ratings or [])
        if isinstance(self.model, RollingBias):
            raw = self._predict_rolling(user, uid, [item], np.array([vid]), u_stars, v_stars)[0]
        elif self.cached:
            u_stars = self.what_if_stars(user, item, extra_user_reviews or [], u_stars)
            v_stars = self.what_if_stars(WRITER, item, extra_item_reviews or [], v_stars)
            h_u = self._state_with("user", user, uh, extra_user_reviews, u_stars)
            h_v = self._state_with("item", item, ih, extra_item_reviews, v_stars)
            u_t = torch.tensor([uid], device=self.device)
            v_t = torch.tensor([vid], device=self.device)
            u, v = self.model.factors(u_t, v_t)
            base = self.base_now(user, [item], u_stars, v_stars)
            raw = self.model.rate(u, v, h_u.unsqueeze(0), h_v.unsqueeze(0), u_t, v_t, base)[0][0]
        else:
            if extra_user_reviews or u_stars or extra_item_reviews or v_stars:
                raise SemaxError(
                    f"{type(self.model).__name__} does not read review histories; what-if reviews "
                    "need a SEMAX model (or stars, for rolling-bias)"
                )
            raw = self._predict_generic(np.array([uid]), np.array([vid]), [uh], [ih])[0]
        raw = float(raw)
        return Prediction(user, item, clip(raw), raw, uid == 0, vid == 0, uh.tolist(), ih.tolist())

    def _state_with(self, side: str, name: str, hist, texts, stars) -> torch.Tensor:
        """h_u (h_v) now, with what-if review texts (and their stars) appended when given."""
        if not texts:
            return self.state(side, name)
        extra = torch.tensor(stars, dtype=torch.float32, device=self.device)
        return self._history_state(side, hist, self._encode_texts(texts), extra)

    def what_if_stars(self, user: str, item: str, texts: list[str], stars=()) -> list[float]:
        """The stars of what-if reviews: those given, else r_y of each text (clipped) where the
        model has a related task, else 0 (not known). An item's what-if reviews are rated as
        written by `WRITER`, a user the model does not know."""
        if len(stars):
            if len(stars) != len(texts):
                raise SemaxError(f"{len(texts)} what-if reviews but {len(stars)} stars")
            return [float(s) for s in stars]
        if isinstance(self.model, SEMAX) and self.model.cfg.related_task:
            return [self.rate_text(user, item, t).rating for t in texts]
        return [0.0] * len(texts)

    @torch.no_grad()
    def recommend(self, user: str, top: int = 10, exclude_rated: bool = True) -> list[dict]:
        """Top-N items for `user` by r_uv, scored in one batched call."""
        names = self.item_names
        vids = np.array([self.item_index.get(n, 0) for n in names])
        uid = self.user_index.get(user, 0)
        if isinstance(self.model, RollingBias):
            scores = self._predict_rolling(user, uid, names, vids)
        elif self.cached:
            v_t = torch.from_numpy(vids).to(self.device)
            u_t = torch.full_like(v_t, uid)
            u, v = self.model.factors(u_t, v_t)
            h_u = self.state("user", user).expand(len(names), -1)
            base = self.base_now(user, names)
            scores = self.model.rate(u, v, h_u, self.item_states(), u_t, v_t, base)[0]
            scores = scores.cpu().numpy()
        else:
            uh = self.history("user", user)
            scores = self._predict_generic(
                np.full(len(names), uid),
                vids,
                [uh] * len(names),
                [self.history("item", n) for n in names],
            )
        if exclude_rated:
            rated = set(self.data.reviews["item"].to_numpy()[self.user_reviews.get(user, [])])
            keep = np.array([n not in rated for n in names])
        else:
            keep = np.ones(len(names), dtype=bool)
        order = [i for i in np.argsort(-scores, kind="stable") if keep[i]][:top]
        return [
            {
                "item": names[i],
                "rating": clip(scores[i]),
                "raw": float(scores[i]),
                "cold_item": bool(vids[i] == 0),
            }
            for i in order
        ]

    def _code(self, side: str, name: str) -> int:
        """The real user's (item's) code in the data; -1 when it has no review there."""
        rows = (self.user_reviews if side == "user" else self.item_reviews).get(name)
        codes = self.data.user_code if side == "user" else self.data.item_code
        return int(codes[rows[0]]) if rows is not None and len(rows) else -1

    def _priors_now(self, user: str, items: list[str], stars=(), item_stars=()) -> np.ndarray:
        """The rolling terms' sums (B, 4) for one user and many items, now; what-if stars of
        the user (`stars`) and of every item (`item_stars`) counted in."""
        codes = np.array([self._code("item", name) for name in items], dtype=np.int64)
        uid = self.user_index.get(user, 0)
        vids = np.array([self.item_index.get(n, 0) for n in items], dtype=np.int64)
        return rolling.priors_now(
            self.model,
            self.data,
            self._code("user", user),
            codes,
            [s for s in stars if s >= 1],  # (0: a star not known)
            uid,
            self._now_sums,
            [s for s in item_stars if s >= 1],
            vids,
        )

    @functools.cached_property
    def _now_sums(self) -> dict:
        """The rolling terms' sums per user and item after all the data (computed once)."""
        return rolling.now_sums(self.model, self.data)

    def _predict_rolling(
        self, user: str, uid: int, items: list[str], vids, stars=(), item_stars=()
    ) -> np.ndarray:
        """The rolling bias for one user and many items, now (after all the data)."""
        batch = assemble(
            self.data.store, np.full(len(items), uid), vids, *_empty(len(items), self.H)
        )
        batch.prior = torch.from_numpy(
            self._priors_now(user, items, stars, item_stars).astype(np.float32)
        )
        return self.model.predict(batch.to(self.device)).float().cpu().numpy()

    def base_now(self, user: str, items: list[str], stars=(), item_stars=()) -> torch.Tensor | None:
        """SEMAX with `base="rolling"`: mu + b_u + b_v + the rolling terms now (B,), with the
        what-if stars in the user's (and the items'); None (the bias tables) for the other
        bases."""
        if getattr(self.model.cfg, "base", "") != "rolling":
            return None
        cfg = self.model.cfg
        terms = rolling.shrunk(
            self._priors_now(user, items, stars, item_stars), *rolling.shrinkage(cfg)
        )
        uid = self.user_index.get(user, 0)
        vids = np.array([self.item_index.get(n, 0) for n in items])
        mu, b_u, b_v = (
            float(self.model.mu),
            self.model.user_bias.weight,
            self.model.item_bias.weight,
        )
        tables = mu + b_u[uid, 0].item() + b_v[torch.from_numpy(vids), 0].detach().cpu().numpy()
        return torch.from_numpy((tables + terms).astype(np.float32)).to(self.device)

    def _predict_generic(self, uids, vids, uh_list, ih_list) -> np.ndarray:
        H = self.H
        uh = np.full((len(uids), H), NO_REVIEW, dtype=np.int64)
        ih = np.full((len(uids), H), NO_REVIEW, dtype=np.int64)
        for r, (a, b) in enumerate(zip(uh_list, ih_list, strict=True)):
            uh[r, : len(a)] = a
            ih[r, : len(b)] = b
        batch = assemble(self.data.store, uids, vids, uh, ih, stars=self.data.rating)
        batch = batch.to(self.device)
        return self.model.predict(batch).float().cpu().numpy()

    def _tokens(self, text: str) -> tuple[list[str], torch.Tensor]:
        words = tokenize(text)[: self.data.config.max_words]
        ids = self.data.vocab.encode(words, self.data.config.max_words)
        return words, torch.from_numpy(ids.astype(np.int64)).to(self.device)

    @torch.no_grad()
    def _encode_texts(self, texts: list[str]) -> torch.Tensor:
        rows = [self._tokens(t)[1] for t in texts]
        L = max(max((len(r) for r in rows), default=1), 1)
        tokens = torch.zeros(len(rows), L, dtype=torch.int64, device=self.device)
        for i, r in enumerate(rows):
            tokens[i, : len(r)] = r
        lengths = torch.tensor([len(r) for r in rows], device=self.device)
        return self.model.encode_reviews(tokens, lengths)  # (n, D3)

    @torch.no_grad()
    def rate_text(self, user: str, item: str, text: str) -> TextRating:
        """The related task on a typed review: r_y and the attention over its words."""
        if not (isinstance(self.model, SEMAX) and self.model.cfg.related_task):
            raise SemaxError(
                "this model has no related task (SEMA and the baselines cannot rate a text)"
            )
        words, ids = self._tokens(text)
        uid, vid = self._ids(user, item)
        u, v = self.model.factors(
            torch.tensor([uid], device=self.device), torch.tensor([vid], device=self.device)
        )
        tokens = (
            ids if len(ids) else torch.zeros(1, dtype=torch.int64, device=self.device)
        ).unsqueeze(0)
        r_y, _z, alpha = self.model.relate(
            tokens, torch.tensor([len(ids)], device=self.device), u, v
        )
        raw = float(r_y[0])
        known = [int(i) != 1 for i in ids.tolist()]
        return TextRating(clip(raw), raw, words, known, alpha[0, : len(words)].tolist())


def parse_stars(typed: str, n: int) -> list[float]:
    """Stars typed as "1, 2, 5": none (an empty list) or one per review, each in 1..5."""
    parts = [p.strip() for p in (typed or "").split(",") if p.strip()]
    if not parts:
        return []
    try:
        stars = [float(p) for p in parts]
    except ValueError:
        raise SemaxError(f"stars must be numbers from 1 to 5, not {typed!r}") from None
    if len(stars) != n:
        raise SemaxError(f"{n} reviews but {len(stars)} stars: give one per review, or none")
    return check_stars(stars)


def check_stars(stars) -> list[float]:
    """What-if stars as floats; a star outside 1..5 is refused (a SemaxError)."""
    stars = [float(s) for s in stars]
    bad = [s for s in stars if not 1 <= s <= 5]
    if bad:
        raise SemaxError(f"what-if stars must lie in 1..5; {bad[0]:g} does not")
    return stars


def what_if_path(
    rec: Recommender,
    user: str,
    item: str,
    texts: list[str],
    stars=(),
    reference=None,
    side: str = "user",
) -> list[dict]:
    """r_uv as each what-if review joins the user's (`side="item"`: the item's) history, one row
    per review: its stars (given, else r_y of the text), the model's r_uv and, with `reference`
    (a Recommender of a model that reads stars, e.g. the rolling bias), the reference's."""
    if side not in SIDES:
        raise SemaxError(f"a what-if joins the history of {' or '.join(SIDES)}, not {side!r}")
    stars = rec.what_if_stars(what_if_writer(side, user), item, texts, list(stars))
    rows = []
    for k in range(1, len(texts) + 1):
        known = stars[:k] if all(s >= 1 for s in stars[:k]) else None
        row = {"review": k, "stars": stars[k - 1] or None}
        try:
            asked = {f"extra_{side}_reviews": texts[:k], f"extra_{side}_ratings": known}
            row["r_uv"] = rec.predict(user, item, **asked).raw
        except SemaxError as exc:  # a model that reads no histories
            row.update(r_uv=None, note=str(exc))
        if reference is not None and known is not None:
            asked = {f"extra_{side}_ratings": known}
            row["reference_r_uv"] = reference.predict(user, item, **asked).raw
        rows.append(row)
    return rows


def _empty(n: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty user and item histories for `n` ratings."""
    return np.full((n, H), NO_REVIEW, dtype=np.int64), np.full((n, H), NO_REVIEW, dtype=np.int64)


def _timelines(names: np.ndarray) -> dict[str, np.ndarray]:
    """Review ids of each entity in chronological order (rows are chronological)."""
    order = np.argsort(names, kind="stable")
    sorted_names = names[order]
    starts = np.flatnonzero(np.r_[True, sorted_names[1:] != sorted_names[:-1]])
    return {
        sorted_names[s]: ids for s, ids in zip(starts, np.split(order, starts[1:]), strict=True)
    }
