"""Biased matrix factorisation: Koren, Bell and Volinsky, "Matrix Factorization Techniques for
Recommender Systems", IEEE Computer 2009 (Eq. 4-5),

    r_uv = mu + b_u + b_v + q_v^T p_u,

trained on the squared error by the shared loop (Adam by default; the paper's SGD with
`--optimizer sgd`) with L2 on the batch's factors and biases (`id_penalty`; the loop multiplies it
by `l2_ids`, the paper's lambda). Early stopping on validation RMSE picks the epochs.

`base`: "learned" trains mu + b_u + b_v with the factors, as in the paper; "fixed" takes them from
the closed-form bias solve (`semax.models.bias.closed_form_base`) on the same training ratings
and learns only the factors; "init" starts the biases there and trains them too. Id 0 is the
unknown user / item: its factors are trained by the loop's id hiding, its bias is 0 under a
closed-form base.

Hyperparameters (`MFConfig`):
    factors        dimension of p_u and q_v (32)
    init_std       standard deviation of the initial factors (0.1)
    base           "learned", "fixed" or "init" (see above; "fixed")
    bias_reg_user  lam_u of a closed-form base (None: chosen on validation)
    bias_reg_item  lam_v of a closed-form base (None: chosen on validation)
    n_users, n_items, global_mean   from the data
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from semax.models.base import Batch, id_penalty
from semax.models.bias import BASES


@dataclass
class MFConfig:
    n_users: int
    n_items: int
    global_mean: float = 0.0
    factors: int = 32
    init_std: float = 0.1
    base: str = "fixed"  # learned, fixed or init
    bias_reg_user: float | None = None
    bias_reg_item: float | None = None

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ValueError(f"base must be one of {', '.join(BASES)}, got {self.base!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class BiasedMF(nn.Module):
    """mu + b_u + b_v + q_v . p_u; see the module docstring."""

    def __init__(self, cfg: MFConfig):
        super().__init__()
        self.cfg = cfg
        self.user_factor = nn.Embedding(cfg.n_users, cfg.factors)  # p_u
        self.item_factor = nn.Embedding(cfg.n_items, cfg.factors)  # q_v
        self.user_bias = nn.Embedding(cfg.n_users, 1)
        self.item_bias = nn.Embedding(cfg.n_items, 1)
        self.register_buffer("mu", torch.tensor(float(cfg.global_mean)))
        nn.init.normal_(self.user_factor.weight, std=cfg.init_std)
        nn.init.normal_(self.item_factor.weight, std=cfg.init_std)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)

    @property
    def batch_spec(self) -> dict:
        return {"histories": False, "target_text": False}

    def forward(self, batch: Batch) -> torch.Tensor:
        p_u, q_v = self.user_factor(batch.user), self.item_factor(batch.item)  # (B, F)
        b_u = self.user_bias(batch.user).squeeze(-1)
        b_v = self.item_bias(batch.item).squeeze(-1)
        return self.mu + b_u + b_v + (p_u * q_v).sum(-1)  # (B,)  Eq. 4

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        loss = ((batch.rating - self(batch)) ** 2).mean()  # Eq. 5, the squared-error part
        return loss, {"loss": float(loss.detach())}

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        """Eq. 5's regulariser over the batch: |p_u|^2 + |q_v|^2 + b_u^2 + b_v^2, averaged."""
        return id_penalty(self, batch)

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch)
