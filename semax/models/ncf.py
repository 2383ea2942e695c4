"""NCF / NeuMF: He, Liao, Zhang, Nie, Hu and Chua, "Neural Collaborative Filtering", WWW 2017.

NeuMF fuses a GMF tower (element-wise product of user and item factors) and an MLP tower over
the concatenated user and item embeddings (separate embeddings per tower), Eq. 11-12:

    phi_GMF = p_u^G * q_v^G,
    phi_MLP = a_L(W_L^T(... a_1(W_1^T [p_u^M, q_v^M] + b_1) ...) + b_L),
    r_uv    = mu + h^T [phi_GMF, phi_MLP] + b.

Adaptation to rating prediction, documented: the paper scores implicit feedback with a sigmoid
and log loss; here the output is linear, trained on the squared error of explicit ratings, with
the training mean rating `mu` added as a fixed global offset (the output bias learns the rest).
The towers are trained jointly from scratch (no GMF / MLP pre-training). Dropout on the MLP
layers is an addition. Id 0 is the unknown user / item; `id_penalty` is the L2 of the batch's
four embeddings (the loop multiplies it by `l2_ids`). Embeddings start at N(0, 0.01^2) as in the
paper.

Hyperparameters (`NCFConfig`):
    factors     GMF predictive factors (8)
    mlp_layers  MLP layer sizes, bottom to top (64, 32, 16); the MLP user and item embeddings
                have mlp_layers[0] / 2 dimensions each, so their concatenation feeds layer 1
                (paper: the last layer is the MLP's predictive factors). A "64,32,16" string is
                accepted too.
    dropout     on the input of every MLP layer (0.0)
    n_users, n_items, global_mean   from the data
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from semax.models.base import Batch


def _layers(value) -> tuple[int, ...]:
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v]
    layers = tuple(int(v) for v in value)
    if not layers or any(n <= 0 for n in layers) or layers[0] % 2:
        raise ValueError(f"mlp_layers must be positive sizes with an even first one, got {value}")
    return layers


@dataclass
class NCFConfig:
    n_users: int
    n_items: int
    global_mean: float = 0.0
    factors: int = 8
    mlp_layers: tuple[int, ...] = (64, 32, 16)
    dropout: float = 0.0

    def __post_init__(self) -> None:
        self.mlp_layers = _layers(self.mlp_layers)

    def to_dict(self) -> dict:
        return asdict(self)


class NeuMF(nn.Module):
    """GMF + MLP towers fused by one linear layer; see the module docstring."""

    def __init__(self, cfg: NCFConfig):
        super().__init__()
        self.cfg = cfg
        half = cfg.mlp_layers[0] // 2
        self.user_gmf = nn.Embedding(cfg.n_users, cfg.factors)
        self.item_gmf = nn.Embedding(cfg.n_items, cfg.factors)
        self.user_mlp = nn.Embedding(cfg.n_users, half)
        self.item_mlp = nn.Embedding(cfg.n_items, half)
        mlp: list[nn.Module] = []
        for n_in, n_out in zip(cfg.mlp_layers[:-1], cfg.mlp_layers[1:], strict=True):
            mlp += [nn.Dropout(cfg.dropout), nn.Linear(n_in, n_out), nn.ReLU()]
        self.mlp = nn.Sequential(*mlp)
        self.out = nn.Linear(cfg.factors + cfg.mlp_layers[-1], 1)  # h, b
        self.register_buffer("mu", torch.tensor(float(cfg.global_mean)))
        for emb in (self.user_gmf, self.item_gmf, self.user_mlp, self.item_mlp):
            nn.init.normal_(emb.weight, std=0.01)
        nn.init.zeros_(self.out.bias)

    @property
    def batch_spec(self) -> dict:
        return {"histories": False, "target_text": False}

    def _embeddings(self, batch: Batch) -> list[torch.Tensor]:
        return [
            self.user_gmf(batch.user),
            self.item_gmf(batch.item),
            self.user_mlp(batch.user),
            self.item_mlp(batch.item),
        ]

    def forward(self, batch: Batch) -> torch.Tensor:
        p_g, q_g, p_m, q_m = self._embeddings(batch)
        phi_gmf = p_g * q_g  # (B, factors)
        phi_mlp = self.mlp(torch.cat([p_m, q_m], dim=-1))  # (B, mlp_layers[-1])
        return self.out(torch.cat([phi_gmf, phi_mlp], dim=-1)).squeeze(-1) + self.mu  # (B,)

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        loss = ((batch.rating - self(batch)) ** 2).mean()
        return loss, {"loss": float(loss.detach())}

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        return sum((t**2).sum(-1) for t in self._embeddings(batch)).mean()

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch)
