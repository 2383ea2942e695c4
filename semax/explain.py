"""Looking inside SEMAX: per-word attention (Eq. 8) over reviews, and which words a user or an
item attends to most; captum Layer Integrated Gradients on the word embedding for the related
task's rating r_y (`integrated_gradients`), and which earlier reviews of the user and of the item
drive the recommendation r_uv (`history_influence`, leave one review out).

Models are used as they are: nothing here switches a model to training mode (a loaded model may be
shared by many app sessions). Attributions run under `ATTRIBUTION_LOCK`, with cuDNN off (the
cuDNN LSTM has no backward pass in eval mode), on a private embedding module that shares the
model's weights, so captum's hooks never touch the shared model.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from semax.data.dataset import ReviewData
from semax.data.history import NO_REVIEW
from semax.training.batching import assemble

ATTRIBUTION_LOCK = threading.Lock()


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
def attention(
    model, data: ReviewData, reviews: np.ndarray, batch_size: int = 512
) -> list[ReviewAttention]:
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
        u, v = model.factors(
            torch.from_numpy(data.user[rows]).to(device),
            torch.from_numpy(data.item[rows]).to(device),
        )
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


def peak_on(attn: list[ReviewAttention], targets: set[str]) -> dict:
    """How often a review's most attended word is one of `targets`, over the reviews that hold
    one: `hit` (that share) and `chance` (the mean share of such words in those reviews)."""
    hits, chance = [], []
    for a in attn:
        hit = np.array([w in targets for w in a.words], dtype=bool)
        if hit.any():
            hits.append(bool(hit[int(np.argmax(a.alpha))]))
            chance.append(float(hit.mean()))
    n = max(len(hits), 1)
    return {"hit": sum(hits) / n, "chance": sum(chance) / n, "reviews": len(hits)}


def top_words(
    attn: list[ReviewAttention], top: int = 15, min_count: int = 2
) -> list[tuple[str, float, int]]:
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
    ranked = sorted(
        ((w, total[w] / count[w], count[w]) for w in total if count[w] >= min_count),
        key=lambda t: -t[1],
    )
    return ranked[:top]


# -- captum: Layer Integrated Gradients on the word embedding, for r_y ---------------------------


def has_related_task(model) -> bool:
    """Whether `model` has the attention-based related task (SEMAX with beta < 1)."""
    return bool(getattr(getattr(model, "cfg", None), "related_task", False))


def reads_histories(model) -> bool:
    """Whether `model`'s rating r_uv reads the user's and item's earlier reviews."""
    spec = getattr(model, "batch_spec", {}) or {}
    return bool(spec.get("histories", False))


@dataclass
class WordAttribution:
    words: list[str]
    attribution: np.ndarray  # (len(words),) IG attribution of r_y to each word (summed over D2)
    r_y: float  # r_y of the text (the related task, before clipping)
    r_y_baseline: float  # r_y of the baseline: the same length of <PAD> (zero embeddings)
    delta: float  # captum's convergence delta: sum(attribution) - (r_y - r_y_baseline)
    n_steps: int


def _related_from_embeddings(model, x: torch.Tensor, lengths, u, v) -> torch.Tensor:
    """r_y from word embeddings x (S, n, D2): `SEMAX.relate` after its embedding lookup."""
    h = model.related_encoder.states(model.drop(x))  # (S, n, D3)
    r_y, _z, _alpha = model.related(h, lengths, u, v)
    return r_y + model.mu


def token_integrated_gradients(
    model,
    token_ids: Sequence[int],
    user_id: int,
    item_id: int,
    words: Sequence[str] | None = None,
    n_steps: int = 50,
) -> WordAttribution:
    """Layer Integrated Gradients of r_y on the word embedding layer for one text (token ids),
    as user `user_id` writing about item `item_id` (model ids; 0 = unknown). The baseline is the
    same number of `<PAD>` tokens, whose embedding is zero."""
    from captum.attr import LayerIntegratedGradients

    if not has_related_task(model):
        raise ValueError(f"{model.cfg.kind} has no related task, so no r_y to attribute")
    if model.training:
        raise ValueError("attributions need the model in eval mode (dropout off)")
    words = list(words) if words is not None else [str(t) for t in token_ids]
    n = len(token_ids)
    if n == 0:
        empty = np.zeros(0)
        return WordAttribution([], empty, float("nan"), float("nan"), 0.0, n_steps)
    device = next(model.parameters()).device
    tokens = torch.as_tensor(np.asarray(token_ids, dtype=np.int64), device=device).unsqueeze(0)
    baseline = torch.zeros_like(tokens)  # <PAD>
    with torch.no_grad():
        u, v = model.factors(
            torch.tensor([user_id], device=device), torch.tensor([item_id], device=device)
        )
    # A private lookup sharing the model's weights: captum hooks this module, not the model's.
    embedding = torch.nn.Embedding.from_pretrained(
        model.word_emb.weight.detach(), freeze=True, padding_idx=0
    )

    def forward(tok: torch.Tensor) -> torch.Tensor:
        S = tok.size(0)
        lengths = torch.full((S,), n, dtype=torch.int64, device=device)
        return _related_from_embeddings(
            model, embedding(tok), lengths, u.expand(S, -1), v.expand(S, -1)
        )

    with ATTRIBUTION_LOCK, torch.backends.cudnn.flags(enabled=False), torch.enable_grad():
        lig = LayerIntegratedGradients(forward, embedding)
        attr, delta = lig.attribute(
            tokens,
            baselines=baseline,
            n_steps=n_steps,
            return_convergence_delta=True,
            internal_batch_size=max(n_steps, 1),
        )
        with torch.no_grad():
            r_y, r_base = forward(torch.cat([tokens, baseline])).tolist()
    return WordAttribution(
        words=words,
        attribution=attr[0].sum(-1).detach().float().cpu().numpy(),
        r_y=float(r_y),
        r_y_baseline=float(r_base),
        delta=float(delta.reshape(-1)[0]),
        n_steps=n_steps,
    )


def integrated_gradients(
    model, data: ReviewData, review: int, n_steps: int = 50
) -> WordAttribution:
    """Layer Integrated Gradients of r_y for review `review` of `data`, as its author and item
    see it (the same input as `attention`)."""
    n = int(data.store.lengths[review])
    return token_integrated_gradients(
        model,
        data.store.tokens[review, :n].tolist(),
        int(data.user[review]),
        int(data.item[review]),
        words_of(data, review),
        n_steps,
    )


# -- which earlier reviews drive r_uv: leave one out ---------------------------------------------


@dataclass
class HistoryInfluence:
    side: str  # "user" or "item"
    review: int  # review id of the earlier review
    position: int  # 0 = the oldest review in the history
    without: float  # r_uv with this review left out of the history
    delta: float  # r_uv(full history) - r_uv(without it): what this review adds


@torch.no_grad()
def history_influence(
    model,
    data: ReviewData,
    user_id: int,
    item_id: int,
    user_history: Sequence[int],
    item_history: Sequence[int],
    base: float | None = None,
) -> tuple[float, list[HistoryInfluence]]:
    """r_uv (before clipping) for one pair with the given histories (review ids, oldest first),
    and for each history review how r_uv moves when that review alone is left out. One batched
    call: row 0 has both full histories, then one row per left-out review. `base`: the pair's
    mu + b_u + b_v as the model knows it there (a causal or rolling base), else its tables."""
    uh = [int(r) for r in user_history]
    ih = [int(r) for r in item_history]
    H = max(len(uh), len(ih), 1)
    rows_u = [uh] + [uh[:i] + uh[i + 1 :] for i in range(len(uh))] + [uh] * len(ih)
    rows_i = [ih] + [ih] * len(uh) + [ih[:j] + ih[j + 1 :] for j in range(len(ih))]
    B = len(rows_u)
    U = np.full((B, H), NO_REVIEW, dtype=np.int64)
    V = np.full((B, H), NO_REVIEW, dtype=np.int64)
    for r, (a, b) in enumerate(zip(rows_u, rows_i, strict=True)):
        U[r, : len(a)] = a
        V[r, : len(b)] = b
    device = next(model.parameters()).device
    batch = assemble(data.store, np.full(B, user_id), np.full(B, item_id), U, V, stars=data.rating)
    if batch.review_tokens.size(0) == 0:  # both histories empty: one dummy review, never read
        batch.review_tokens = torch.zeros(1, 1, dtype=torch.int64)
        batch.review_lengths = torch.zeros(1, dtype=torch.int64)
    if base is not None:
        batch.base = torch.full((B,), float(base))
    batch = batch.to(device)
    pred = model.predict(batch).float().cpu().numpy()
    full = float(pred[0])
    out = [
        HistoryInfluence("user", r, i, float(pred[1 + i]), full - float(pred[1 + i]))
        for i, r in enumerate(uh)
    ]
    out += [
        HistoryInfluence(
            "item", r, j, float(pred[1 + len(uh) + j]), full - float(pred[1 + len(uh) + j])
        )
        for j, r in enumerate(ih)
    ]
    return full, out


def rating_drivers(model, data: ReviewData, row: int) -> tuple[float, list[HistoryInfluence]]:
    """`history_influence` for rating `row` of `data`, with the histories it was predicted from."""
    uh = data.user_history[row, : data.user_history_len[row]]
    ih = data.item_history[row, : data.item_history_len[row]]
    base = rating_base(model, data, row)
    return history_influence(model, data, int(data.user[row]), int(data.item[row]), uh, ih, base)


_BASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (data, bases)


def rating_base(model, data: ReviewData, row: int) -> float | None:
    """The base rating `row` is predicted from (a causal or rolling base); None: the tables.
    Every rating's base is computed once per model and data, then looked up."""
    from semax.models.rolling_bias import causal_bases
    from semax.training.loop import rating_bases_apply

    if not rating_bases_apply(model):
        return None
    seen = _BASES.get(model)
    if seen is None or seen[0]() is not data:
        seen = (weakref.ref(data), causal_bases(model, data))
        _BASES[model] = seen
    return float(seen[1][row])


def pair_drivers(recommender, user: str, item: str) -> tuple[float, list[HistoryInfluence]]:
    """`history_influence` for a user-item pair now (after all the data), as a `Recommender`
    predicts it; unknown names get the unknown id and an empty history."""
    return history_influence(
        recommender.model,
        recommender.data,
        recommender.user_index.get(user, 0),
        recommender.item_index.get(item, 0),
        recommender.history("user", user),
        recommender.history("item", item),
        None if (base := recommender.base_now(user, [item])) is None else float(base[0]),
    )
