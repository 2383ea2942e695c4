"""Pieces shared by the CNN text baselines (DeepCoNN, TransNets, TransNets-Ext).

* `ReviewCNN`: convolution over a review's words (ReLU), max-pooled over the review's valid
  windows -> one vector per review. Computed through the vocabulary (each distinct word of the
  batch projected once, windows are look-ups), rows bucketed by length so short reviews do not
  pay for the longest one; both are exact rewrites of the plain convolution.
* `masked_max`: max over the history slots of a document (empty slots, index -1, ignored).
* `HistoryDocuments`: a DeepCoNN-style document tower over a rating's user (or item) history:
  encode only the batch reviews that history uses, max over all windows of all its reviews, then
  a fully connected layer to the latent vector.
* `FM`: a second-order factorization machine (Rendle 2010) with its global bias.

Per-review convolution + max over all windows of all reviews of the document equals a
convolution over the concatenated document followed by max-pooling, except for the k - 1
windows that would straddle two reviews (those are left out here).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from semax.models.base import Batch

ACTIVATIONS = {"relu": F.relu, "tanh": torch.tanh}
MIN_BUCKET_ROWS = 64  # smaller length buckets cost more in call overhead than they save


class ReviewCNN(nn.Module):
    """Conv1d over a review's word embeddings (valid windows), ReLU, max over its windows.

    A review of length l has windows 0 .. max(l - k, 0); a review shorter than the kernel keeps
    one window (padded with <PAD>, whose embedding is zero). A review of length 0 gives zeros.

    `forward` computes the convolution through the vocabulary: with x_t = E[w_t], the output at
    window p is b + sum_j W_j E[w_{p+j}], so each distinct word of the batch is projected once,
    P_j = E[words] W_j (U x F for each of the k offsets), and a window is k row look-ups of P
    added up. That is the same convolution, exactly, at a cost of U D F k multiply-adds instead
    of (reviews x windows) D F k. `reference` is the textbook path (embed every slot, conv1d over
    every position), kept for tests and the padded benchmark reference.
    """

    def __init__(self, d_word: int, filters: int, kernel: int):
        super().__init__()
        self.kernel = kernel
        self.conv = nn.Conv1d(d_word, filters, kernel)  # weight (F, D, k), bias (F,)

    @property
    def filters(self) -> int:
        return self.conv.out_channels

    def _max_over_windows(self, h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """h (N, W, F) pre-activations per window -> (N, F): ReLU of the max over each row's
        valid windows (ReLU is monotone, so this is the max of the ReLUs, in one pass fewer);
        a row without windows gives 0."""
        windows = (lengths - self.kernel).clamp(min=0) + (lengths > 0).long()  # (N,)
        mask = torch.arange(h.size(1), device=h.device).unsqueeze(0) < windows.unsqueeze(1)
        return F.relu(h.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1))

    def _padded(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.size(1) < self.kernel:
            tokens = F.pad(tokens, (0, self.kernel - tokens.size(1)))  # <PAD> = 0
        return tokens

    def reference(
        self, word_emb: nn.Embedding, tokens: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """The plain path: embed every position, conv1d over all of them, (N, L) -> (N, F)."""
        x = word_emb(self._padded(tokens))  # (N, L, D)
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)  # (N, L - k + 1, F)
        return self._max_over_windows(h, lengths)

    def forward(
        self,
        word_emb: nn.Embedding,
        tokens: torch.Tensor,
        lengths: torch.Tensor,
        n_buckets: int = 4,
    ) -> torch.Tensor:
        """tokens (N, L) right padded -> (N, F). Rows are sorted by length into up to
        `n_buckets` buckets (at least one) of at least MIN_BUCKET_ROWS rows, each running over
        its own longest review (right padding never changes a valid window, so this is exact)."""
        n, k = tokens.size(0), self.kernel
        if n == 0:
            return word_emb.weight.new_zeros(0, self.filters)
        tokens = self._padded(tokens)
        words, local = torch.unique(tokens, return_inverse=True)  # (U,), (N, L)
        emb = word_emb(words)  # (U, D)
        proj = [emb @ w_j for w_j in self.conv.weight.permute(2, 1, 0)]  # k x (U, F): P_j
        n_buckets = min(max(n_buckets, 1), max(n // MIN_BUCKET_ROWS, 1))
        order = torch.argsort(lengths)
        parts = []
        for chunk in torch.tensor_split(order, n_buckets):
            steps = max(int(lengths[chunk].max()), k)
            idx = local[chunk, :steps]  # (n_b, steps)
            n_win = steps - k + 1
            h = self.conv.bias + sum(
                F.embedding(idx[:, j : j + n_win], proj[j]) for j in range(k)
            )  # (n_b, n_win, F)
            parts.append(self._max_over_windows(h, lengths[chunk]))
        return torch.cat(parts)[torch.argsort(order)]


def masked_max(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """values (R, F), index (B, H) rows of values with -1 = empty slot -> (B, F) max over the
    filled slots; a row without any filled slot gives zeros."""
    if index.size(1) == 0:
        return values.new_zeros(index.size(0), values.size(-1))
    filled = index >= 0  # (B, H)
    gathered = values[index.clamp(min=0)]  # (B, H, F)
    pooled = gathered.masked_fill(~filled.unsqueeze(-1), float("-inf")).amax(1)
    return torch.where(filled.any(1, keepdim=True), pooled, torch.zeros_like(pooled))


class ReviewTower(nn.Module):
    """A CNN tower over single reviews (TransNets' target network): (B, L) tokens -> (B, latent)
    = act(fc(dropout(ReviewCNN)))."""

    def __init__(
        self,
        d_word: int,
        filters: int,
        kernel: int,
        latent: int,
        dropout: float,
        activation: str = "tanh",
    ):
        super().__init__()
        self.cnn = ReviewCNN(d_word, filters, kernel)
        self.fc = nn.Linear(filters, latent)
        self.drop = nn.Dropout(dropout)
        self.act = ACTIVATIONS[activation]

    def project(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc(self.drop(pooled)))  # (B, latent)

    def forward(
        self, word_emb: nn.Embedding, tokens: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        return self.project(self.cnn(word_emb, tokens, lengths))


class HistoryDocuments(ReviewTower):
    """One DeepCoNN tower: the document of a user's (or item's) earlier reviews -> latent vector.

    Only the reviews the history uses are convolved (each once, however many ratings of the batch
    share it); the document vector is the max over all windows of all its reviews, then
    dropout, a fully connected layer and the activation (the `ReviewTower` head).
    """

    def pooled(self, word_emb: nn.Embedding, batch: Batch, history: torch.Tensor) -> torch.Tensor:
        """(B, F): max over all windows of all reviews in each rating's history."""
        tokens, lengths = batch.review_tokens, batch.review_lengths
        if not batch.trim_reviews:
            # The naive reference (public DeepCoNN code): every slot, empty ones included, is
            # its own row, embedded and convolved over all L words.
            B, H = history.shape
            filled = (history >= 0).unsqueeze(-1)
            slot_tokens = tokens[history.clamp(min=0)] * filled  # (B, H, L)
            slot_lengths = lengths[history.clamp(min=0)] * filled.squeeze(-1)
            vecs = self.cnn.reference(word_emb, slot_tokens.view(B * H, -1), slot_lengths.view(-1))
            index = torch.arange(B * H, device=history.device).view(B, H)
            return masked_max(vecs, index.masked_fill(history < 0, -1))
        used = history >= 0
        rows, inverse = torch.unique(history[used], return_inverse=True)
        sub_lengths = lengths[rows]
        steps = max(int(sub_lengths.max()), 1) if len(rows) else 1
        vecs = self.cnn(word_emb, tokens[rows, :steps], sub_lengths)  # (R', F)
        index = torch.full_like(history, -1)
        index[used] = inverse
        return masked_max(vecs, index)

    def forward(  # type: ignore[override]
        self, word_emb: nn.Embedding, batch: Batch, history: torch.Tensor
    ) -> torch.Tensor:
        return self.project(self.pooled(word_emb, batch, history))


class FM(nn.Module):
    """Factorization machine: w0 + w.z + sum_{i<j} <v_i, v_j> z_i z_j, (B, n) -> (B,).

    w0 starts at `global_mean` (the training mean rating), so the pairwise and linear terms
    learn deviations from it."""

    def __init__(self, n_in: int, factors: int, global_mean: float = 0.0):
        super().__init__()
        self.linear = nn.Linear(n_in, 1)
        self.v = nn.Parameter(torch.empty(n_in, factors))
        nn.init.normal_(self.v, std=0.01)
        nn.init.constant_(self.linear.bias, float(global_mean))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        pair = 0.5 * ((z @ self.v) ** 2 - (z**2) @ (self.v**2)).sum(-1)  # (B,)
        return self.linear(z).squeeze(-1) + pair
