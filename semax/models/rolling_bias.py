"""The rolling bias: the closed-form bias baseline plus what the ratings written since the
training cut say about the user and the item (the online protocol's history-aware baseline),

    r_uv(t) = mu + b_u + b_v + S_u(t) / (n_u + m_u(t) + k_u) + S_v(t) / (n_v + m_v(t) + k_v),

clipped to the rating range. mu, b_u, b_v: the closed-form bias (`semax.models.bias`) solved on
the training ratings. S_u(t): the sum of the residuals r - (mu + b_u' + b_v') of u's ratings
written after the training cut and strictly before t (ties at t excluded, as in the histories);
m_u(t): their count; n_u: u's training ratings; likewise for the item v. The shrinkage k_u, k_v
is chosen on the validation tail: the base is solved on the fitting split and the validation
ratings play the test period. No weight is refitted at prediction time. Under the frozen protocol
nothing after the cut is read and the model is the bias baseline.

Koren's drifting biases ("Collaborative Filtering with Temporal Dynamics", KDD 2009) reduced to
a shrunken running mean of the new residuals. The same terms are SEMAX's `base="rolling"`: the
functions below take any model with `mu`, `user_bias`, `item_bias` and `cfg.k_user`/`k_item`.

Hyperparameters (`RollingBiasConfig`):
    bias_reg_user, bias_reg_item   lam_u, lam_v of the base (None: chosen on validation)
    k_user, k_item                 the shrinkage (None: chosen on validation from `K_GRID`)
    rating_min, rating_max         the clip (the data's rating range)
    n_users, n_items, global_mean  from the data
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from semax.data.dataset import FIT, ReviewData
from semax.data.history import rolling_sums
from semax.errors import SemaxError
from semax.models.base import Batch
from semax.models.bias import CAUSAL_CHUNKS, BiasModel, apply_base, solve_biases

K_GRID = (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 1000.0)


@dataclass
class RollingBiasConfig:
    n_users: int
    n_items: int
    global_mean: float = 0.0
    bias_reg_user: float | None = None
    bias_reg_item: float | None = None
    k_user: float | None = None  # None = choose on validation
    k_item: float | None = None
    rating_min: float = 1.0
    rating_max: float = 5.0

    def to_dict(self) -> dict:
        return asdict(self)


# -- the terms, for any model with a closed-form base ------------------------------------------


def _biases(model) -> tuple[float, np.ndarray, np.ndarray]:
    b_u = model.user_bias.weight.detach().cpu().numpy()[:, 0].astype(np.float64)
    b_v = model.item_bias.weight.detach().cpu().numpy()[:, 0].astype(np.float64)
    return float(model.mu), b_u, b_v


def base_of(model, data: ReviewData) -> np.ndarray:
    """mu + b_u + b_v of every rating of `data`, (n,) float64."""
    mu, b_u, b_v = _biases(model)
    return mu + b_u[data.user] + b_v[data.item]


def priors(model, data: ReviewData) -> np.ndarray:
    """(n, 4) per rating: S_u(t), n_u + m_u(t), S_v(t), n_v + m_v(t) (none read when frozen)."""
    residual = data.rating.astype(np.float64) - base_of(model, data)
    after_cut = (data.split != FIT) & (data.config.protocol == "online")
    times = data.reviews["time"].to_numpy()
    out = np.empty((len(data), 4))
    for j, (code, trained) in enumerate(
        ((data.user_code, data.user_fit_count), (data.item_code, data.item_fit_count))
    ):
        total, count = rolling_sums(code, times, residual, after_cut)
        out[:, 2 * j], out[:, 2 * j + 1] = total, count + trained
    return out


def shrinkage(cfg) -> tuple[float, float]:
    """(k_u, k_v) of a config; 0 before they are chosen."""
    return float(cfg.k_user or 0.0), float(cfg.k_item or 0.0)


def shrunk(p: np.ndarray, k_u: float, k_v: float) -> np.ndarray:
    """S_u / (n_u + m_u + k_u) + S_v / (n_v + m_v + k_v) of priors `p` (B, 4)."""
    return p[:, 0] / np.maximum(p[:, 1] + k_u, 1e-9) + p[:, 2] / np.maximum(p[:, 3] + k_v, 1e-9)


def choose_shrinkage(model, data: ReviewData) -> dict:
    """k_u and k_v (each None in `model.cfg`) minimising the validation RMSE of the clipped
    rolling bias on `model`'s base; written into the config."""
    cfg = model.cfg
    grid_u = K_GRID if cfg.k_user is None else (cfg.k_user,)
    grid_v = K_GRID if cfg.k_item is None else (cfg.k_item,)
    valid = data.valid_rows
    best = (np.inf, grid_u[0], grid_v[0])
    if len(valid) and (len(grid_u) > 1 or len(grid_v) > 1):
        p, base = priors(model, data)[valid], base_of(model, data)[valid]
        target = data.rating[valid].astype(np.float64)
        lo, hi = float(target.min()), float(target.max())
        for k_u in grid_u:
            for k_v in grid_v:
                pred = np.clip(base + shrunk(p, k_u, k_v), lo, hi)
                err = float(np.sqrt(np.mean((pred - target) ** 2)))
                if err < best[0]:
                    best = (err, k_u, k_v)
    cfg.k_user, cfg.k_item = float(best[1]), float(best[2])
    return {"k_user": cfg.k_user, "k_item": cfg.k_item}


def causal_bases(model, data: ReviewData, chunks: int = CAUSAL_CHUNKS) -> np.ndarray:
    """The base of every rating as known before it, (n,) float64: after the fitting split, the
    model's own (with the rolling terms for `base="rolling"`); in it, the fitting split is cut
    into `chunks` slices in time and a rating of slice c gets the biases solved on slices before
    c (slice 0: the mean alone) and, rolling, the residuals since slice c began. In training the
    base then knows what it knows at prediction time, and the histories what happened since."""
    cfg = model.cfg
    rolling = cfg.base == "rolling" and data.config.protocol == "online"  # frozen: none read
    mu, _, _ = _biases(model)
    out = base_of(model, data)
    if rolling:
        out += shrunk(priors(model, data), *shrinkage(cfg))
    fit = data.fit_rows
    bounds = np.linspace(0, len(fit), chunks + 1).round().astype(int)
    times = data.reviews["time"].to_numpy()
    n_u, n_v = len(data.users), len(data.items)
    for c in range(chunks):
        rows, past = fit[bounds[c] : bounds[c + 1]], fit[: bounds[c]]
        if not len(rows):
            continue
        b_u, b_v = np.zeros(n_u), np.zeros(n_v)
        if len(past):
            args = (data.user[past], data.item[past], data.rating[past], n_u, n_v, mu)
            b_u, b_v = solve_biases(*args, cfg.bias_reg_user, cfg.bias_reg_item)
            b_u[0] = b_v[0] = 0.0
        base = mu + b_u[data.user] + b_v[data.item]
        out[rows] = base[rows]
        if rolling:
            since = np.arange(len(data)) >= rows[0]  # written since slice c began
            residual = data.rating - base
            for code, k in zip((data.user_code, data.item_code), shrinkage(cfg), strict=True):
                total, count = rolling_sums(code, times, residual, since)
                trained = np.bincount(code[past], minlength=int(code.max()) + 1)[code[rows]]
                out[rows] += total[rows] / np.maximum(trained + count[rows] + k, 1e-9)
    return out


def now_sums(model, data: ReviewData) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per side ("user", "item") and real code, after all of `data`: S (the residuals since the
    cut, none when frozen) and n + m (its ratings read)."""
    trained = data.split == FIT
    read = ~trained & (data.config.protocol == "online")
    residual = np.where(read, data.rating - base_of(model, data), 0.0)
    out = {}
    for side, code in (("user", data.user_code), ("item", data.item_code)):
        size = int(code.max(initial=-1)) + 1
        total = np.bincount(code, residual, minlength=size)
        out[side] = total, np.bincount(code, (trained | read).astype(np.float64), minlength=size)
    return out


def priors_now(
    model,
    data: ReviewData,
    user_code: int,
    item_codes: np.ndarray,
    extra_user=(),
    user_id: int = 0,
    sums: dict | None = None,
    extra_item=(),
    item_ids: np.ndarray | None = None,
) -> np.ndarray:
    """(B, 4) priors of one user and B items asked about now (codes into `data`; -1: unknown
    to the data). `extra_user`: stars the user writes now (the what-if), about items the model
    does not know; their residuals take the user's bias (`user_id`, its model id). `extra_item`:
    stars that users the model does not know write now about each of the items (`item_ids`, their
    model ids, give the item biases). `sums`: `now_sums(model, data)`, when the caller keeps it."""
    mu, b_u, b_v = _biases(model)
    sums = sums or now_sums(model, data)
    (user_total, user_count), (item_total, item_count) = sums["user"], sums["item"]
    s_u = n_u = 0.0
    if user_code >= 0:
        s_u, n_u = float(user_total[user_code]), float(user_count[user_code])
    if len(extra_user):
        s_u += float(np.sum(np.asarray(extra_user, dtype=np.float64) - mu - b_u[user_id]))
        n_u += len(extra_user)
    codes = np.asarray(item_codes, dtype=np.int64)
    known = codes >= 0
    s_v = np.where(known, item_total[np.maximum(codes, 0)], 0.0)
    n_v = np.where(known, item_count[np.maximum(codes, 0)], 0.0)
    if len(extra_item):
        ids = np.zeros(len(codes), dtype=np.int64) if item_ids is None else np.asarray(item_ids)
        stars = np.asarray(extra_item, dtype=np.float64)
        s_v = s_v + stars.sum() - len(stars) * (mu + b_v[ids])
        n_v = n_v + len(stars)
    return np.stack([np.full(len(codes), s_u), np.full(len(codes), n_u), s_v, n_v], axis=1)


# -- the baseline ----------------------------------------------------------------------------


class RollingBias(BiasModel):
    """See the module docstring. Batches carry `prior`: (B, 4) S_u, n_u + m_u, S_v, n_v + m_v."""

    def batcher(self, data: ReviewData):
        """Batches for `data`: ids, ratings and the priors (computed once per data)."""
        table = torch.from_numpy(priors(self, data).astype(np.float32))

        def build(rows: np.ndarray, training: bool) -> Batch:
            rows = np.asarray(rows)
            empty = torch.zeros(len(rows), 0, dtype=torch.int64)
            return Batch(
                user=torch.from_numpy(data.user[rows]),
                item=torch.from_numpy(data.item[rows]),
                rating=torch.from_numpy(data.rating[rows]),
                review_tokens=torch.zeros(0, 1, dtype=torch.int64),
                review_lengths=torch.zeros(0, dtype=torch.int64),
                user_history=empty,
                user_history_len=torch.zeros(len(rows), dtype=torch.int64),
                item_history=empty,
                item_history_len=torch.zeros(len(rows), dtype=torch.int64),
                prior=table[torch.from_numpy(rows)],
            )

        return build

    def fit_closed_form(self, data: ReviewData) -> dict:
        """The base on the fitting split (its lams chosen on validation), then k_u and k_v on
        the validation tail."""
        times = data.reviews["time"].to_numpy()
        if len(times) > 1 and times.min() == times.max():
            raise SemaxError(
                "rolling-bias reads the ratings written before each one, but every review of "
                "this data has the same time: give the reviews their times, or use --model bias"
            )
        return {**apply_base(self, data), **choose_shrinkage(self, data)}

    def forward(self, batch: Batch) -> torch.Tensor:
        base = super().forward(batch)  # (B,) mu + b_u + b_v
        if batch.prior is not None:  # None: the rating's histories are empty
            p = batch.prior.to(base.dtype)
            k_u, k_v = shrinkage(self.cfg)
            base = base + p[:, 0] / (p[:, 1] + k_u).clamp_min(1e-9)
            base = base + p[:, 2] / (p[:, 3] + k_v).clamp_min(1e-9)
        return base.clamp(self.cfg.rating_min, self.cfg.rating_max)
