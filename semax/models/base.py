"""What every rating model shares with the training loop: the batch it gets and the contract
it keeps (RecBole's `AbstractRecommender` idea, as a `typing.Protocol`).

A model is an `nn.Module` built from its config dataclass. The loop asks `batch_spec` which inputs
to assemble, minimises `training_loss` plus `TrainConfig.l2_ids * id_penalty`, and evaluates with
`predict`; bundles save `config.to_dict()` and the state dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch

UNKNOWN_ID = 0  # user / item id of entities unseen in the fitting split


@dataclass
class Batch:
    """Model inputs for B ratings. Review rows are unique per batch; histories index them."""

    user: torch.Tensor  # (B,) int64
    item: torch.Tensor  # (B,) int64
    rating: torch.Tensor  # (B,) float32
    review_tokens: torch.Tensor  # (R, L) int64: reviews appearing in any history
    review_lengths: torch.Tensor  # (R,) int64
    user_history: torch.Tensor  # (B, H) int64 rows of review_tokens, -1 = empty slot
    user_history_len: torch.Tensor  # (B,) int64
    item_history: torch.Tensor  # (B, H) int64
    item_history_len: torch.Tensor  # (B,) int64
    target_tokens: torch.Tensor | None = None  # (B, L) the rating's own review (related task)
    target_lengths: torch.Tensor | None = None  # (B,)
    target_index: torch.Tensor | None = (
        None  # (B,) rows of review_tokens: the own reviews (one pass)
    )
    review_stars: torch.Tensor | None = None  # (R,) float32 each listed review's rating
    base: torch.Tensor | None = None  # (B,) float32 training only: mu + b_u + b_v known before
    prior: torch.Tensor | None = None  # (B, 4) S_u, n_u + m_u, S_v, n_v + m_v (rolling bias)
    trim_reviews: bool = True  # False: run every review over all L steps (the naive reference)

    def to(self, device: torch.device | str) -> Batch:
        moved = {
            k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v)
            for k, v in vars(self).items()
        }
        return Batch(**moved)


def id_penalty(model: torch.nn.Module, batch: Batch) -> torch.Tensor:
    """Squared norm of the batch's id factors and biases (`user_factor`, `item_factor`,
    `user_bias`, `item_bias`), averaged over the batch: SEMAX's and MF's `id_penalty`."""
    ids = [
        model.user_factor(batch.user),
        model.item_factor(batch.item),
        model.user_bias(batch.user),
        model.item_bias(batch.item),
    ]
    return sum((t**2).sum(-1) for t in ids).mean()


@runtime_checkable
class RatingModel(Protocol):
    """The model contract of the training loop, the evaluator and the bundle format."""

    cfg: object  # the config dataclass the model was built from (has `to_dict()`)

    @property
    def batch_spec(self) -> dict:
        """Which inputs the batches need: {"histories": bool, "target_text": bool, and optionally
        "one_pass": bool (the own reviews join the batch's unique reviews, `target_index`)}."""
        ...

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        """The loss to minimise (a scalar) and its parts as floats for logging."""
        ...

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        """Squared norm of the batch's id parameters (the loop weighs it by `l2_ids`)."""
        ...

    def predict(self, batch: Batch) -> torch.Tensor:
        """Predicted ratings (B,) for evaluation and inference."""
        ...


# Optional: `batcher(data) -> build(rows, training) -> Batch`, a model's own batches (the rolling
# bias reads per-rating sums instead of review texts); the loop uses it when a model has one.
