"""The bias baseline: global mean plus regularised user and item biases,

    r_uv = mu + b_u + b_v,

the baseline predictor of Koren, "Factorization Meets the Neighborhood: a Multifaceted
Collaborative Filtering Model", KDD 2008 (Eq. 1), fitted by gradient descent on the squared error
in the shared training loop instead of the closed form.

Regularisation: `id_penalty` returns `reg * (b_u^2 + b_v^2)` averaged over the batch, and the loop
multiplies it by `TrainConfig.l2_ids`; the effective L2 weight is `l2_ids * reg` (`reg` is a
model hyperparameter so the experiment grid can tune it per model). Id 0 is the unknown user /
item, trained by the loop's id hiding like SEMAX's.

Hyperparameters (`BiasConfig`):
    reg          multiplier of the loop's L2 on the biases (1.0)
    n_users, n_items, global_mean   from the data (mu is fixed at the training mean)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from semax.models.base import Batch


@dataclass
class BiasConfig:
    n_users: int
    n_items: int
    global_mean: float = 0.0
    reg: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)


class BiasModel(nn.Module):
    """mu + b_u + b_v; see the module docstring."""

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
        return self.cfg.reg * (b_u**2 + b_v**2).mean()

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch)
