"""A bag-of-words reference for "does the related task read the text?".

SEMAX's related task predicts r̂_y, a review's rating from the review's text (with its user and
item), and `semax.probes.text_reading` measures how well: the Pearson correlation of r̂_y with
the stars. This module gives that number a yardstick: how well a plain bag-of-words ridge
regression, fitted on the training part, predicts the stars from the same texts. It is the
reference the online-protocol issue uses: a ridge regression on TF-IDF unigrams and bigrams.

Features. The data's own token store, i.e. the words the model reads: each review's first
`max_words` tokens in the model's vocabulary (words seen fewer than `min_count` times in the
fitting split are already <UNK>). <PAD> and <UNK> are skipped, and a bigram is two adjacent
known words (none spans an <UNK>). Unigrams are columns by word id. Bigrams are kept by id pair,
not hashed: every pair that occurs in the fitting rows is a column; a pair first seen in later
rows is dropped (the ridge would give it zero weight anyway), so there are no collisions. Counts
are weighted by a smoothed idf from the fitting rows, log((1 + n) / (1 + df)) + 1, and every row
is scaled to unit L2 norm (a review with no known word is a zero row: it gets the mean).

Regression. Ridge on the stars minus their mean over the fitting rows, min ‖Xw − y‖² + λ‖w‖²,
solved by conjugate gradients on the normal equations (`scipy.sparse.linalg.cg`, Jacobi
preconditioned, warm-started from one λ to the next). λ is the one of `LAMS` whose predictions
correlate best with the stars of the tuning rows (ties: the larger λ):
- with a validation split, the tuning rows are `data.valid_rows` and the fit stays on
  `data.fit_rows`, as the model was trained;
- without one (a refitted bundle, whose model trained on all of the training part), the tuning
  rows are the last `HOLDOUT` (10%) in time of the training rows, the rest are fitted, and the
  chosen λ is then refitted on all the training rows.
The test rows choose nothing; they are only read by `bow_reading` to report the correlation.
The arithmetic is numpy and scipy.sparse only (TextReading comes from `semax.probes`, which
imports torch): 0.8 s for the 20,000-review demo corpus on one core with a validation split,
1.4 s refitted (it fits twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg

from semax.data.dataset import ReviewData
from semax.data.text import PAD, UNK
from semax.probes import TextReading
from semax.training.evaluate import correlation

LAMS = (0.3, 1.0, 3.0, 10.0)  # the ridge λ grid
DEFAULT_LAM = 1.0  # when there are too few training rows to hold any out
HOLDOUT = 0.1  # share of the training rows (the latest) that choose λ when there is no validation
RTOL, MAXITER = 1e-6, 2000  # conjugate gradients


def _terms(store, rows: np.ndarray, n_words: int):
    """(row of each unigram, its word id, row of each bigram, its pair code a * n_words + b)."""
    tokens = np.asarray(store.tokens[rows], dtype=np.int64)
    lengths = np.asarray(store.lengths[rows])
    known = (np.arange(tokens.shape[1]) < lengths[:, None]) & (tokens != PAD) & (tokens != UNK)
    uni_row, uni_pos = np.nonzero(known)
    bi_row, bi_pos = np.nonzero(known[:, :-1] & known[:, 1:])
    codes = tokens[bi_row, bi_pos] * n_words + tokens[bi_row, bi_pos + 1]
    return uni_row, tokens[uni_row, uni_pos], bi_row, codes


@dataclass
class BagOfWords:
    """TF-IDF unigram and bigram features of a vocabulary, their bigrams and idf from fitting
    rows."""

    n_words: int  # vocabulary size: unigram columns 0 .. n_words - 1 (PAD and UNK stay empty)
    bigrams: np.ndarray  # sorted pair codes; bigram j is column n_words + j
    idf: np.ndarray  # (n_features,)

    @property
    def n_features(self) -> int:
        return self.n_words + len(self.bigrams)

    @classmethod
    def fit(cls, store, rows: np.ndarray) -> BagOfWords:
        n_words = len(store.vocab)
        bigrams = np.unique(_terms(store, rows, n_words)[3])
        bag = cls(n_words, bigrams, np.ones(n_words + len(bigrams)))
        df = np.bincount(bag.counts(store, rows).indices, minlength=bag.n_features)
        bag.idf = np.log((1.0 + len(rows)) / (1.0 + df)) + 1.0
        return bag

    def counts(self, store, rows: np.ndarray) -> sp.csr_matrix:
        """Term counts, one row per review of `rows` (duplicates summed)."""
        uni_row, uni, bi_row, codes = _terms(store, rows, self.n_words)
        col = np.searchsorted(self.bigrams, codes)
        hit = col < len(self.bigrams)
        hit[hit] = self.bigrams[col[hit]] == codes[hit]
        row = np.concatenate([uni_row, bi_row[hit]])
        col = np.concatenate([uni, self.n_words + col[hit]])
        x = sp.csr_matrix(
            (np.ones(len(row)), (row, col)), shape=(len(rows), self.n_features), dtype=np.float64
        )
        x.sum_duplicates()
        return x

    def features(self, store, rows: np.ndarray) -> sp.csr_matrix:
        """TF-IDF, each row scaled to unit L2 norm (zero rows stay zero)."""
        x = self.counts(store, rows)
        x.data *= self.idf[x.indices]
        per_row = np.diff(x.indptr)
        row = np.repeat(np.arange(x.shape[0]), per_row)
        norms = np.sqrt(np.bincount(row, weights=x.data**2, minlength=x.shape[0]))
        x.data /= norms[row]  # only rows with terms have data, and their norms are > 0
        return x


def ridge_path(x: sp.csr_matrix, y: np.ndarray, lams) -> dict[float, np.ndarray]:
    """Ridge weights w (no intercept: centre y first) for each λ of `lams`, largest first, each
    warm-started from the previous: CG on (XᵀX + λI) w = Xᵀy."""
    xt = x.T.tocsr()
    b = xt @ y
    diag = np.asarray(x.multiply(x).sum(axis=0)).ravel()  # diagonal of XᵀX, for Jacobi
    d = x.shape[1]
    w = np.zeros(d)
    out = {}
    for lam in sorted(lams, reverse=True):
        a = LinearOperator((d, d), matvec=lambda v, lam=lam: xt @ (x @ v) + lam * v, dtype=float)
        m = LinearOperator((d, d), matvec=lambda v, p=1.0 / (diag + lam): p * v, dtype=float)
        w, _ = cg(a, b, x0=w, rtol=RTOL, maxiter=MAXITER, M=m)
        out[lam] = w
    return out


@dataclass
class BowReference:
    """A fitted bag-of-words ridge: r̂ = mean + features · w."""

    bag: BagOfWords
    w: np.ndarray
    mean: float  # of the stars over the fitted rows
    lam: float
    tuning: dict[float, float]  # λ -> correlation on the rows that chose it (empty: no choice)

    def predict(self, data: ReviewData, rows: np.ndarray) -> np.ndarray:
        return self.mean + self.bag.features(data.store, rows) @ self.w


def _fit(data: ReviewData, rows: np.ndarray, lams) -> tuple[BagOfWords, float, dict]:
    bag = BagOfWords.fit(data.store, rows)
    stars = data.rating[rows].astype(np.float64)
    mean = float(stars.mean()) if len(rows) else 0.0
    return bag, mean, ridge_path(bag.features(data.store, rows), stars - mean, lams)


def fit_reference(
    data: ReviewData,
    fit_rows: np.ndarray | None = None,
    valid_rows: np.ndarray | None = None,
    lams=LAMS,
) -> BowReference:
    """The bag-of-words ridge fitted on `fit_rows` (default `data.fit_rows`), λ chosen on
    `valid_rows` (default: `data.valid_rows` when `fit_rows` is not given) or, when those are
    empty, on the latest `HOLDOUT` of `fit_rows` and then refitted on all of them."""
    if fit_rows is None:
        fit_rows = data.fit_rows
        valid_rows = data.valid_rows if valid_rows is None else valid_rows
    fit_rows = np.sort(np.asarray(fit_rows, dtype=np.int64))  # rows are in time order
    valid_rows = np.asarray([] if valid_rows is None else valid_rows, dtype=np.int64)
    refit = len(valid_rows) == 0
    if refit:
        n_hold = int(round(len(fit_rows) * HOLDOUT))
        if n_hold < 2 or len(fit_rows) - n_hold < 2:  # too few to choose: the default λ
            bag, mean, path = _fit(data, fit_rows, [DEFAULT_LAM])
            return BowReference(bag, path[DEFAULT_LAM], mean, DEFAULT_LAM, {})
        fit_rows, valid_rows, all_rows = fit_rows[:-n_hold], fit_rows[-n_hold:], fit_rows
    bag, mean, path = _fit(data, fit_rows, lams)
    x_valid = bag.features(data.store, valid_rows)
    stars = data.rating[valid_rows]
    tuning = {lam: correlation(mean + x_valid @ w, stars) for lam, w in path.items()}
    best = max(sorted(tuning, reverse=True), key=lambda lam: tuning[lam])  # ties: larger λ
    if refit:
        bag, mean, path = _fit(data, all_rows, [best])
    return BowReference(bag, path[best], mean, best, tuning)


def bow_reading(
    data: ReviewData,
    rows: np.ndarray,
    fit_rows: np.ndarray | None = None,
    valid_rows: np.ndarray | None = None,
    lams=LAMS,
) -> TextReading:
    """The reference's reading of the reviews `rows` (usually `data.test_rows`): the Pearson
    correlation of its predictions with their stars, the predictions' std, n and the chosen λ.
    Comparable with `semax.probes.text_reading(model, data, rows)`."""
    ref = fit_reference(data, fit_rows, valid_rows, lams)
    rows = np.asarray(rows, dtype=np.int64)
    pred = ref.predict(data, rows)
    std = float(pred.std()) if len(rows) else 0.0
    return TextReading(correlation(pred, data.rating[rows]), std, len(rows), ref.lam)


__all__ = ["LAMS", "BagOfWords", "BowReference", "bow_reading", "fit_reference", "ridge_path"]
