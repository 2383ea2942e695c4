"""The bias baseline: global mean plus regularised user and item biases,

    r_uv = mu + b_u + b_v,

the baseline predictor of Koren, "Factorization Meets the Neighborhood: a Multifaceted
Collaborative Filtering Model", KDD 2008 (Section 2.1), solved in closed form: no gradient descent.
The regularised least squares

    min  sum_(u,v) (r_uv - mu - b_u - b_v)^2 + lam_u sum_u b_u^2 + lam_v sum_v b_v^2

is solved exactly by alternating its two closed-form updates until they stop moving,

    b_v = sum_u (r_uv - mu - b_u) / (lam_v + n_v),   b_u = sum_v (r_uv - mu - b_v) / (lam_u + n_u).

`lam_u` and `lam_v` are chosen on the validation split (a small grid; each solve takes
milliseconds), then the biases are solved on the ratings given. Users and items unseen in those
ratings (model id 0) get b = 0. The same solve gives SEMAX and MF their fixed base
(`closed_form_base`), so their networks learn the residual.

Hyperparameters (`BiasConfig`):
    bias_reg_user   lam_u (None: chosen on validation from `REG_GRID`)
    bias_reg_item   lam_v (None: chosen on validation from `REG_GRID`)
    n_users, n_items, global_mean   from the data (mu is the training mean)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn

from semax.data.dataset import ReviewData
from semax.models.base import Batch

REG_GRID = (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 25.0, 35.0, 50.0, 75.0, 100.0)
MAX_SWEEPS = 200  # alternating updates; they converge to 1e-9 in a few dozen on real data
TOLERANCE = 1e-9


@dataclass
class BiasConfig:
    n_users: int
    n_items: int
    global_mean: float = 0.0
    bias_reg_user: float | None = None  # lam_u; None = choose on validation
    bias_reg_item: float | None = None  # lam_v; None = choose on validation

    def to_dict(self) -> dict:
        return asdict(self)


def solve_biases(
    user: np.ndarray,
    item: np.ndarray,
    rating: np.ndarray,
    n_users: int,
    n_items: int,
    mu: float,
    reg_user: float,
    reg_item: float,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact regularised least-squares biases (b_u of shape (n_users,), b_v (n_items,)) of
    the ratings given, by alternating closed-form updates; ids without ratings get 0."""
    r = rating.astype(np.float64) - mu
    n_u = np.bincount(user, minlength=n_users).astype(np.float64)
    n_v = np.bincount(item, minlength=n_items).astype(np.float64)
    den_u, den_v = reg_user + n_u, reg_item + n_v
    den_u[den_u == 0], den_v[den_v == 0] = 1.0, 1.0  # no ratings (and lam = 0): b stays 0
    b_u, b_v = (np.zeros(n_users), np.zeros(n_items)) if start is None else start
    for _ in range(MAX_SWEEPS):
        b_v = np.bincount(item, r - b_u[user], minlength=n_items) / den_v
        new_u = np.bincount(user, r - b_v[item], minlength=n_users) / den_u
        moved = np.abs(new_u - b_u).max(initial=0.0)
        b_u = new_u
        if moved < TOLERANCE:
            break
    return b_u, b_v


def closed_form_base(
    data: ReviewData, reg_user: float | None = None, reg_item: float | None = None
) -> tuple[float, np.ndarray, np.ndarray, dict]:
    """mu, b_u, b_v solved on the fitting split, with each lam that is None chosen on the
    validation split (validation RMSE; the grid `REG_GRID`). Returns the chosen lams too."""
    fit, valid = data.fit_rows, data.valid_rows
    mu = data.global_mean
    n_u, n_v = len(data.users), len(data.items)
    args = (data.user[fit], data.item[fit], data.rating[fit], n_u, n_v, mu)
    grid_u = REG_GRID if reg_user is None else (reg_user,)
    grid_v = REG_GRID if reg_item is None else (reg_item,)
    best = (np.inf, grid_u[0], grid_v[0])
    if len(valid) and (len(grid_u) > 1 or len(grid_v) > 1):
        target = data.rating[valid].astype(np.float64)
        for lam_u in grid_u:
            start = None
            for lam_v in grid_v:
                start = solve_biases(*args, lam_u, lam_v, start)
                pred = mu + start[0][data.user[valid]] + start[1][data.item[valid]]
                err = float(np.sqrt(np.mean((pred - target) ** 2)))
                if err < best[0]:
                    best = (err, lam_u, lam_v)
    _, lam_u, lam_v = best
    b_u, b_v = solve_biases(*args, lam_u, lam_v)
    b_u[0] = b_v[0] = 0.0  # the unknown user / item
    chosen = {"bias_reg_user": float(lam_u), "bias_reg_item": float(lam_v)}
    return mu, b_u, b_v, chosen


BASES = ("learned", "fixed", "init", "causal", "rolling")  # how a model gets mu + b_u + b_v
FIXED_BASES = ("fixed", "causal", "rolling")  # the closed-form solve, frozen
CAUSAL_CHUNKS = 5  # time slices of the fitting split for the causal base


def apply_base(model: nn.Module, data: ReviewData) -> dict:
    """Solve the closed-form base on `data` (the config's lams, or chosen on validation when
    None) and write it into the model's `mu`, `user_bias` and `item_bias`; the config records the
    lams. A config `base` of "init" leaves the biases trainable; "fixed" (and the bias model,
    which has no `base`) freezes them. Returns the lams."""
    cfg = model.cfg
    mu, b_u, b_v, chosen = closed_form_base(data, cfg.bias_reg_user, cfg.bias_reg_item)
    with torch.no_grad():
        model.mu.fill_(mu)
        model.user_bias.weight.copy_(torch.as_tensor(b_u, dtype=torch.float32).view(-1, 1))
        model.item_bias.weight.copy_(torch.as_tensor(b_v, dtype=torch.float32).view(-1, 1))
    cfg.bias_reg_user, cfg.bias_reg_item = chosen["bias_reg_user"], chosen["bias_reg_item"]
    trainable = getattr(cfg, "base", "fixed") not in FIXED_BASES
    model.user_bias.weight.requires_grad_(trainable)
    model.item_bias.weight.requires_grad_(trainable)
    return chosen


def needs_base(model: nn.Module) -> bool:
    """Whether the pipeline gives this model a closed-form base before training."""
    return getattr(model.cfg, "base", "learned") in ("init", *FIXED_BASES)


class BiasModel(nn.Module):
    """mu + b_u + b_v; see the module docstring. Fitted by `fit_closed_form`, not by the loop."""

    def __init__(self, cfg: BiasConfig):
        super().__init__()
        self.cfg = cfg
        self.user_bias = nn.Embedding(cfg.n_users, 1)
        self.item_bias = nn.Embedding(cfg.n_items, 1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        self.register_buffer("mu", torch.tensor(float(cfg.global_mean)))

    @property
    def batch_spec(self) -> dict:
        return {"histories": False, "target_text": False}

    def fit_closed_form(self, data: ReviewData) -> dict:
        """Solve the biases on `data`'s fitting split (see `apply_base`); no gradient descent."""
        return apply_base(self, data)

    def forward(self, batch: Batch) -> torch.Tensor:
        b_u = self.user_bias(batch.user).squeeze(-1)
        b_v = self.item_bias(batch.item).squeeze(-1)
        return self.mu + b_u + b_v  # (B,)

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        loss = ((batch.rating - self(batch)) ** 2).mean()
        return loss, {"loss": float(loss.detach())}

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        b_u = self.user_bias(batch.user).squeeze(-1)
        b_v = self.item_bias(batch.item).squeeze(-1)
        return (b_u**2 + b_v**2).mean()

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch)
