"""Looking inside SEMAX: per-word attention (Eq. 8) over reviews, and which words a user or an
item attends to most. Captum attributions live beside these (see `integrated_gradients`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import torch

from semax.data.dataset import ReviewData


@dataclass
class ReviewAttention:
    review: int  # review id (row of the data)
    words: list[str]  # the words the model read (after the cut), <UNK> for rare ones
    alpha: np.ndarray  # (len(words),) attention weights, sum 1
    r_y: float  # the related task's rating of this text


def words_of(data: ReviewData, review: int) -> list[str]:
    ids = data.store.tokens[review, : data.store.lengths[review]]
    return [data.vocab.words[i] for i in ids]


@torch.no_grad()
def attention(model, data: ReviewData, reviews: np.ndarray, batch_size: int = 512) -> list[ReviewAttention]:
    """Attention of the related task over each review's own words, as its author and item see it."""
    if not getattr(model.cfg, "related_task", False):
        raise ValueError(f"{model.cfg.kind} has no related task, so no word attention")
    reviews = np.asarray(reviews, dtype=np.int64)
    device = next(model.parameters()).device
    model.eval()
    out: list[ReviewAttention] = []
    for i in range(0, len(reviews), batch_size):
        rows = reviews[i : i + batch_size]
        lengths = torch.from_numpy(data.store.lengths[rows].astype(np.int64)).to(device)
        tokens = torch.from_numpy(data.store.tokens[rows].astype(np.int64)).to(device)
        u, v = model.factors(torch.from_numpy(data.user[rows]).to(device), torch.from_numpy(data.item[rows]).to(device))
        r_y, _z, alpha = model.relate(tokens, lengths, u, v)
        alpha = alpha.float().cpu().numpy()
        for j, r in enumerate(rows):
            n = int(data.store.lengths[r])
            out.append(ReviewAttention(int(r), words_of(data, r), alpha[j, :n], float(r_y[j])))
    return out


def mass_on(attn: list[ReviewAttention], targets: set[str]) -> dict:
    """Attention mass on `targets` against their share of the words: a ratio of 1 means the
    attention is no better than uniform."""
    mass = share = 0.0
    for a in attn:
        if not a.words:
            continue
        hit = np.array([w in targets for w in a.words])
        mass += float(a.alpha[hit].sum())
        share += hit.mean()
    n = max(sum(1 for a in attn if a.words), 1)
    return {"mass": mass / n, "share": share / n, "ratio": (mass / max(share, 1e-12))}


def top_words(attn: list[ReviewAttention], top: int = 15, min_count: int = 2) -> list[tuple[str, float, int]]:
    """Words with the highest mean attention weight relative to uniform (alpha * length), with
    how often they occur; `<UNK>` left out."""
    total: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for a in attn:
        scale = len(a.words)
        for w, weight in zip(a.words, a.alpha, strict=True):
            if w != "<UNK>":
                total[w] += float(weight) * scale
                count[w] += 1
    ranked = sorted(((w, total[w] / count[w], count[w]) for w in total if count[w] >= min_count), key=lambda t: -t[1])
    return ranked[:top]
