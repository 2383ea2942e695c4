"""SEMAX (Section III of the paper) and SEMA, its beta = 1 special case.

Shapes: B ratings in a batch, R reviews encoded for the batch, L words, H history slots,
D1 id factors, D2 word embeddings, D3 text / history states, D4 attention, D5 feature layer.

Recommendation task (Eq. 12-16): y = LSTM(X) for every earlier review, h_u = LSTM(Y_u),
h_v = LSTM(Y_v), z_uv = ReLU(W [u, v, h_u, h_v] + b), r_uv = w^T z_uv.
Related task (Eq. 1-11): h_t = LSTM(x_t) over the rating's own review, attention
alpha_t = softmax_t(w_a^T tanh(W_a [h_t, u, v] + b_a)), y = sum_t alpha_t h_t,
z_y = ReLU(W_y [y, u, v] + b_y), r_y = w_y^T z_y.
Loss (Eq. 17-20): beta L1 + (1 - beta)(L2 + lambda L3).

Additions to the paper, all listed in the README: a global mean plus user and item biases on
r_uv (and the global mean on r_y), dropout, an "unknown" user/item factor (id 0) for entities
unseen in training, a learned state for empty histories; by default Eq. 15 reads [h_u, h_v]
without u and v (`rating_ids`).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from semax.models import parallel
from semax.models.base import Batch, id_penalty
from semax.models.bias import BASES

DIMS = ("d_factor", "d_word", "d_text", "d_attn", "d_hidden")  # D1..D5
D_STAR = 8  # the star embedding a history LSTM reads beside y (`history_stars`)
RATING_ERRORS = ("squared", "absolute")  # the error of L1 and L2 (Eq. 17-18)


def dims(d: int | None) -> dict:
    """Every dimension D1..D5 set to `d` (an empty dict for None: the defaults)."""
    return dict.fromkeys(DIMS, d) if d else {}


@dataclass
class SemaxConfig:
    """Every dimension and loss weight of SEMAX (paper Table 2 names in brackets)."""

    n_words: int  # vocabulary size, <PAD> = 0 and <UNK> = 1 included
    n_users: int  # user ids, 0 = unknown
    n_items: int  # item ids, 0 = unknown
    d_factor: int = 32  # D1: static user / item latent factors u, v
    d_word: int = 32  # D2: word embeddings x (shared by both tasks)
    d_text: int = 32  # D3: LSTM states: word states h_t, text embedding y, history states h_u, h_v
    d_attn: int = 32  # D4: attention layer
    d_hidden: int = 32  # D5: feature representations z_uv and z_y
    beta: float = field(
        default=0.4,
        metadata={"help": "weight of the recommendation loss L1; 1 = SEMA", "min": 0, "max": 1},
    )
    lam: float = field(
        default=0.1, metadata={"help": "lambda, weight of the representation loss L3"}
    )
    dropout: float = field(
        default=0.3, metadata={"help": "dropout on the id factors, word embeddings and features"}
    )
    global_mean: float = 0.0  # mu, the training mean rating
    biases: bool = True  # user and item biases on r_uv (an addition to the paper)
    use_text: bool = True  # False: the no-text ablation (ids, biases and MLP only)
    pooling: str = "attention"  # "attention" (Eq. 7-9) or "mean" (ablation)
    share_encoder: bool = field(
        default=True,
        metadata={
            "help": "one review LSTM for both tasks (fast: one pass per batch); "
            "--no-share-encoder gives the related task its own, as the paper (X shared only)"
        },
    )
    rating_error: str = field(
        default="squared",
        metadata={
            "help": "error of L1 and L2 (Eq. 17-18): squared (the paper's) or absolute, whose "
            "optimum is the median rating (MAE) rather than the mean (RMSE)",
            "choices": RATING_ERRORS,
        },
    )
    base: str = field(
        default="rolling",
        metadata={
            "help": "mu + b_u + b_v: learned, or the closed-form bias solve kept fixed or as the "
            "start; causal: fixed, and in training each rating gets the solve of the ratings "
            "before a cut earlier than it (what prediction knows); rolling: causal, plus the "
            "rolling bias's terms (the residuals written since the cut, semax.models.rolling_bias)",
            "choices": BASES,
        },
    )
    history_stars: bool = field(
        default=False,
        metadata={
            "help": "the history LSTMs also read each earlier review's stars (an embedding beside "
            "y, Eq. 13-14)"
        },
    )
    rating_ids: bool = field(
        default=False,
        metadata={
            "help": "u and v in r_uv's features (Eq. 15, the paper's); off by default: r_uv reads "
            "its base and the histories only (u and v still serve the related task), because "
            "with them the joint epochs overfit within two (validation_study/rating-ids.jsonl)"
        },
    )
    freeze_reader: bool = field(
        default=True,
        metadata={
            "help": "after the warm-up, the text reader (word embeddings, review LSTM, related "
            "task) stays as the warm-up left it and the joint epochs train r_uv's history "
            "layers alone: r_y's validation reading peaks after 5-6 epochs and falls after "
            "(validation_study/freeze-reader.jsonl); --no-freeze-reader trains both tasks "
            "jointly to the end, as the paper. Without a warm-up nothing is frozen"
        },
    )
    bias_reg_user: float | None = None  # lam_u of a closed-form base (None: chosen on validation)
    bias_reg_item: float | None = None  # lam_v of a closed-form base (None: chosen on validation)
    k_user: float | None = None  # shrinkage of the rolling base (None: chosen on validation)
    k_item: float | None = None
    kind: str = "semax"

    @property
    def ids_in_rating(self) -> bool:
        """Whether Eq. 15 reads u and v (always without text: then they are all it reads)."""
        return self.rating_ids or not self.use_text

    @property
    def related_task(self) -> bool:
        """The related task runs only when it has weight in the loss (SEMA skips it)."""
        return self.use_text and self.beta < 1.0

    def to_dict(self) -> dict:
        return asdict(self)


def last_state(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """State after the last real step of right-padded, time-major sequences: (T, N, D) -> (N, D).
    Sequences of length 0 get zeros."""
    idx = (lengths.clamp(min=1) - 1).view(1, -1, 1).expand(1, -1, outputs.size(-1))
    last = outputs.gather(0, idx).squeeze(0)
    return last * (lengths > 0).unsqueeze(-1).to(last.dtype)


MAX_BUCKET_ROWS = 256  # CPU LSTM calls over more rows ran ~1.7x slower per row here (cache)


def length_spans(lengths: torch.Tensor, n_buckets: int = 6) -> list[tuple[int, int, int]]:
    """(start, end, steps) of consecutive row groups over ascending `lengths`: about `n_buckets`
    groups of equal size (more when a group would pass MAX_BUCKET_ROWS), each run over its own
    longest row only. Right padding never changes the state at a real step: the result is exact."""
    n = len(lengths)
    k = min(max(n_buckets, -(-n // MAX_BUCKET_ROWS), 1), max(n, 1))
    bounds = [round(i * n / k) for i in range(k + 1)]
    ends = lengths[torch.tensor(bounds[1:]) - 1].tolist() if n else [0]
    return [(a, b, int(steps)) for a, b, steps in zip(bounds[:-1], bounds[1:], ends, strict=True)]


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout, as F.dropout, with the mask drawn as 15-bit integers (p rounded to a
    multiple of 2^-15): on CPU 1.9x faster than F.dropout's bernoulli_ (measured here). A faster
    draw would change every run's random stream, and with it the committed results."""
    if not training or p == 0:
        return x
    bits = torch.empty(x.shape, dtype=torch.int16, device=x.device).random_(0, 2**15)
    keep = (bits >= round(p * 2**15)).to(x.dtype).mul_(1 / (1 - p))
    return x * keep


class Dropout(nn.Dropout):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


class ReviewEncoder(nn.Module):
    """Eq. 1-6 and 12: an LSTM over a review's word embeddings; y = its last hidden state.
    Time-major (steps first): the CPU LSTM ran 20% faster than batch-first here."""

    def __init__(self, cfg: SemaxConfig):
        super().__init__()
        self.lstm = nn.LSTM(cfg.d_word, cfg.d_text)  # Eq. 1-6

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        """h_1..h_T (T, N, D3), Eq. 1-6, of each right-padded, time-major x (T, N, D2); the spans
        run at once on `parallel.threads()` CPU threads. y of Eq. 12 is `last_state(h, lengths)`."""
        return parallel.lstms([(self.lstm, x) for x in xs])

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """h_1..h_L (B, L, D3) of batch-first x (B, L, D2), Eq. 1-6."""
        h, _ = self.lstm(x.transpose(0, 1))
        return h.transpose(0, 1)


class HistoryEncoder(nn.Module):
    """Eq. 13 / 14: an LSTM over the embeddings of an entity's earlier reviews, oldest first.
    An empty history (a cold or new user / item) gets a learned state."""

    def __init__(self, cfg: SemaxConfig):
        super().__init__()
        d_in = cfg.d_text + (D_STAR if cfg.history_stars else 0)  # y, and its star's embedding
        self.lstm = nn.LSTM(d_in, cfg.d_text)
        self.empty = nn.Parameter(torch.zeros(cfg.d_text))

    def forward(
        self, review_emb: torch.Tensor, history: torch.Tensor, length: torch.Tensor
    ) -> torch.Tensor:
        if not len(review_emb):  # no batch row has a history (e.g. the data's first ratings)
            return self.empty.expand(len(length), -1)
        steps = max(int(length.max()), 1)
        seq = review_emb[history[:, :steps].T.clamp(min=0)]  # (H, B, D3); empty slots masked
        h = last_state(self.lstm(seq)[0], length)  # (B, D3)
        return torch.where((length > 0).unsqueeze(-1), h, self.empty.expand_as(h))


class RelatedTask(nn.Module):
    """Eq. 7-11: user/item-aware attention over the words of the rating's own review."""

    def __init__(self, cfg: SemaxConfig):
        super().__init__()
        self.pooling = cfg.pooling
        self.attn = nn.Linear(cfg.d_text + 2 * cfg.d_factor, cfg.d_attn)  # W_a, b_a
        self.attn_w = nn.Linear(cfg.d_attn, 1, bias=False)  # w_a
        self.feature = nn.Linear(cfg.d_text + 2 * cfg.d_factor, cfg.d_hidden)  # W_y, b_y
        self.out = nn.Linear(cfg.d_hidden, 1, bias=False)  # w_y
        self.drop = Dropout(cfg.dropout)

    def forward(self, h: torch.Tensor, lengths: torch.Tensor, u: torch.Tensor, v: torch.Tensor):
        B, L, _ = h.shape
        mask = torch.arange(L, device=h.device).unsqueeze(0) < lengths.clamp(min=1).unsqueeze(
            1
        )  # (B, L)
        if self.pooling == "attention":
            # W_a [h_t, u, v] + b_a, W_a split in two: the [u, v] part is the same for every t
            w_h, w_uv = self.attn.weight.split([h.size(-1), 2 * u.size(-1)], dim=1)
            uv = F.linear(torch.cat([u, v], dim=-1), w_uv, self.attn.bias)  # (B, D4)
            e = self.attn_w(torch.tanh(F.linear(h, w_h) + uv.unsqueeze(1))).squeeze(
                -1
            )  # (B, L)  Eq. 7
        else:
            e = torch.zeros(B, L, device=h.device, dtype=h.dtype)  # mean pooling (ablation)
        alpha = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=-1)  # (B, L)  Eq. 8
        y = torch.einsum("bl,bld->bd", alpha, h)  # (B, D3)  Eq. 9
        z_y = F.relu(self.feature(self.drop(torch.cat([y, u, v], dim=-1))))  # (B, D5)  Eq. 10
        r_y = self.out(self.drop(z_y)).squeeze(-1)  # (B,)  Eq. 11
        return r_y, z_y, alpha


@dataclass
class Output:
    r_uv: torch.Tensor  # (B,) recommendation-task rating, Eq. 16 (+ mu + b_u + b_v)
    z_uv: torch.Tensor  # (B, D5) Eq. 15
    r_y: torch.Tensor | None = None  # (B,) related-task rating, Eq. 11 (+ mu)
    z_y: torch.Tensor | None = None  # (B, D5) Eq. 10
    alpha: torch.Tensor | None = None  # (B, L) attention over the target review's words, Eq. 8


class SEMAX(nn.Module):
    """SEMAX: multi-task learning of the recommendation task and the related task.

    Hyperparameters are the fields of `SemaxConfig`. Wang et al., "SEMAX: multi-task learning for
    improving recommendations", IEEE Access 2019. SEMA (Section III-D) is `beta = 1`.
    """

    def __init__(self, cfg: SemaxConfig):
        super().__init__()
        self.cfg = cfg
        self.word_emb = nn.Embedding(
            cfg.n_words, cfg.d_word, padding_idx=0
        )  # X, shared by both tasks
        self.user_factor = nn.Embedding(cfg.n_users, cfg.d_factor)  # U (Definition 2)
        self.item_factor = nn.Embedding(cfg.n_items, cfg.d_factor)  # V
        self.user_bias = nn.Embedding(cfg.n_users, 1)
        self.item_bias = nn.Embedding(cfg.n_items, 1)
        self.register_buffer("mu", torch.tensor(float(cfg.global_mean)))
        d_in = (2 * cfg.d_factor if cfg.ids_in_rating else 0) + (
            2 * cfg.d_text if cfg.use_text else 0
        )
        self.feature = nn.Linear(d_in, cfg.d_hidden)  # W, b  (Eq. 15)
        self.out = nn.Linear(cfg.d_hidden, 1, bias=False)  # w  (Eq. 16)
        self.drop = Dropout(cfg.dropout)
        if cfg.use_text:
            self.review_encoder = ReviewEncoder(cfg)  # Eq. 12
            self.user_history = HistoryEncoder(cfg)  # Eq. 13
            self.item_history = HistoryEncoder(cfg)  # Eq. 14
            if cfg.history_stars:
                self.star_emb = nn.Embedding(6, D_STAR)  # stars 1..5; 0 = not known
        if cfg.related_task:
            # Eq. 1-6: its own LSTM (only X is shared), unless share_encoder
            self.related_encoder = self.review_encoder if cfg.share_encoder else ReviewEncoder(cfg)
            self.related = RelatedTask(cfg)  # Eq. 7-11
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.word_emb.weight, std=0.1)
        nn.init.normal_(self.user_factor.weight, std=0.1)
        nn.init.normal_(self.item_factor.weight, std=0.1)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        if (
            self.cfg.base != "learned"
        ):  # start at the closed-form base: the networks learn residuals
            nn.init.zeros_(self.out.weight)
        with torch.no_grad():
            self.word_emb.weight[0].zero_()

    # -- pieces, reused by the inference caches -------------------------------------------------

    def factors(self, user: torch.Tensor, item: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.drop(self.user_factor(user)), self.drop(self.item_factor(item))  # (B, D1) each

    def encode_reviews(
        self,
        tokens: torch.Tensor,
        lengths: torch.Tensor,
        trim: bool = True,
        states_of: torch.Tensor | None = None,
    ):
        """Text embeddings y of reviews (R, L) -> (R, D3), Eq. 12. With `states_of` (K,) rows,
        also their word states h_1..h_L' (K, L', D3), Eq. 1-6, L' = their longest length (steps
        past a row's own length mean nothing: the attention masks them).

        With `trim`, rows run in length buckets (`length_spans`); batches list their reviews by
        ascending length, other callers' rows are sorted here and put back. Without, every row
        runs all L steps (the naive reference)."""
        n, L = tokens.shape
        rank = None  # position of each row in ascending-length order, when not already so
        if trim and n > 1 and not bool((lengths[1:] >= lengths[:-1]).all()):
            order = torch.argsort(lengths, stable=True)
            tokens, lengths = tokens[order], lengths[order]
            rank = torch.empty_like(order)
            rank[order] = torch.arange(n, device=order.device)
        want = states_of if states_of is None or rank is None else rank[states_of]
        keep = max(int(lengths[want].max()), 1) if want is not None and len(want) else 1
        spans = length_spans(lengths) if trim else [(0, n, L)]
        ids = [tokens[a:b, :steps].T.reshape(-1) for a, b, steps in spans]  # time-major words
        xs = self.drop(self.word_emb(torch.cat(ids))).split([len(i) for i in ids])  # one lookup
        xs = [x.view(steps, b - a, x.size(-1)) for (a, b, steps), x in zip(spans, xs, strict=True)]
        hs = iter(self.review_encoder([x for x in xs if len(x)]))  # (steps, n_b, D3) each
        ys, parts, where = [], [], []
        for start, end, steps in spans:
            if steps == 0:  # empty reviews: zero states
                ys.append(xs[0].new_zeros(end - start, self.cfg.d_text))
                continue
            h = next(hs)
            ys.append(last_state(h, lengths[start:end]))  # (n_b, D3)
            hit = (
                torch.nonzero((want >= start) & (want < end)).squeeze(1) if want is not None else ()
            )
            if len(hit):  # the wanted rows' states, batch-first, padded to `keep` steps
                part = h[:keep, want[hit] - start].transpose(0, 1)  # (k, <= keep, D3)
                parts.append(F.pad(part, (0, 0, 0, keep - part.size(1))))
                where.append(hit)
        y = torch.cat(ys) if len(ys) > 1 else ys[0]  # (R, D3)  Eq. 12
        y = y if rank is None else y[rank]
        if states_of is None:
            return y
        states = y.new_zeros(len(want), keep, self.cfg.d_text)  # (K, L', D3)  Eq. 1-6
        if parts:
            states = states.index_copy(0, torch.cat(where), torch.cat(parts).to(states.dtype))
        return y, states

    def history_inputs(self, y: torch.Tensor, stars: torch.Tensor | None) -> torch.Tensor:
        """What the history LSTMs read of each review: y (R, D3), with `history_stars` also the
        embedding of its stars (R, D3 + D_STAR); unknown stars (None, 0) get index 0."""
        if not self.cfg.history_stars:
            return y
        if stars is None:
            stars = y.new_zeros(len(y))
        index = stars.round().long().clamp(0, 5)
        return torch.cat([y, self.star_emb(index).to(y.dtype)], dim=-1)

    def rate(self, u, v, h_u, h_v, user, item, base=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Eq. 15-16 plus the global mean and the biases (`base`, (B,): given per rating)."""
        ids = [u, v] if self.cfg.ids_in_rating else []
        parts = ids + [h_u, h_v] if self.cfg.use_text else ids
        z_uv = F.relu(self.feature(torch.cat(parts, dim=-1)))  # (B, D5)  Eq. 15
        r_uv = self.out(self.drop(z_uv)).squeeze(-1)  # (B,)  Eq. 16
        if base is not None:
            return r_uv + base.to(r_uv.dtype), z_uv
        r_uv = r_uv + self.mu
        if self.cfg.biases:
            r_uv = r_uv + self.user_bias(user).squeeze(-1) + self.item_bias(item).squeeze(-1)
        return r_uv, z_uv

    def relate(self, tokens: torch.Tensor, lengths: torch.Tensor, u: torch.Tensor, v: torch.Tensor):
        """The related task on the rating's own review: (r_y, z_y, alpha), Eq. 1-11."""
        steps = max(int(lengths.max()), 1)
        h = self.related_encoder.states(self.drop(self.word_emb(tokens[:, :steps])))  # (B, L, D3)
        r_y, z_y, alpha = self.related(h, lengths, u, v)
        return r_y + self.mu, z_y, alpha

    # -- the interface of the training loop ------------------------------------------------------

    @property
    def batch_spec(self) -> dict:
        return {
            "histories": self.cfg.use_text,
            "target_text": self.cfg.related_task,
            "one_pass": self.cfg.related_task and self.cfg.share_encoder,
        }

    @property
    def warms_up(self) -> bool:
        """Whether the loop's warm-up applies: a related task to train alone first."""
        return self.cfg.related_task

    def warm_up(self, on: bool) -> None:
        """The loop's warm-up epochs: the related task alone (beta = 0) while `on`; SEMA (no
        related task) trains as usual."""
        self.warming = on and self.cfg.related_task
        self.reader_frozen = not on and self.cfg.related_task and self.cfg.freeze_reader

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        cfg = self.cfg
        beta = 0.0 if getattr(self, "warming", False) else cfg.beta
        return semax_loss(self(batch), batch.rating, beta, cfg.lam, cfg.rating_error)

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        """Squared norm of the batch's id factors and biases, averaged over the batch."""
        return id_penalty(self, batch)

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch, related=False).r_uv

    # -- the forward pass -------------------------------------------------------------------------

    def forward(self, batch: Batch, related: bool | None = None) -> Output:
        u, v = self.factors(batch.user, batch.item)
        frozen = self.training and getattr(self, "reader_frozen", False)
        run_related = (
            self.cfg.related_task if related is None else related and self.cfg.related_task
        ) and not frozen
        # One encoder pass: the targets are rows of the batch's reviews (shared encoder only).
        one_pass = run_related and batch.target_index is not None
        h_u = h_v = states = None
        if self.cfg.use_text:
            with torch.no_grad() if frozen else nullcontext():  # a frozen reader: no gradient
                encoded = self.encode_reviews(
                    batch.review_tokens,
                    batch.review_lengths,
                    batch.trim_reviews,
                    batch.target_index if one_pass else None,
                )
            y, states = encoded if one_pass else (encoded, None)  # (R, D3), (B, L, D3)  Eq. 12
            read = self.history_inputs(y, batch.review_stars)  # (R, D3 [+ D_STAR])
            h_u = self.user_history(read, batch.user_history, batch.user_history_len)  # Eq. 13
            h_v = self.item_history(read, batch.item_history, batch.item_history_len)  # Eq. 14
        r_uv, z_uv = self.rate(u, v, h_u, h_v, batch.user, batch.item, batch.base)
        out = Output(r_uv=r_uv, z_uv=z_uv)
        if one_pass:
            lengths = batch.review_lengths[batch.target_index]  # (B,)
            r_y, out.z_y, out.alpha = self.related(states, lengths, u, v)  # Eq. 7-11
            out.r_y = r_y + self.mu
        elif run_related and batch.target_tokens is not None:
            out.r_y, out.z_y, out.alpha = self.relate(
                batch.target_tokens, batch.target_lengths, u, v
            )
        return out


def semax_loss(
    out: Output, rating: torch.Tensor, beta: float, lam: float, error: str = "squared"
) -> tuple[torch.Tensor, dict]:
    """Eq. 17-20, the mean over the batch (`error`: "absolute" replaces the squares of Eq.
    17-18 by absolute values). Returns the loss and its parts (detached floats)."""

    if error not in RATING_ERRORS:
        raise ValueError(f"rating error must be one of {RATING_ERRORS}, not {error!r}")

    def rating_error(pred: torch.Tensor) -> torch.Tensor:
        return (rating - pred) ** 2 if error == "squared" else (rating - pred).abs()

    l1 = rating_error(out.r_uv)  # (B,)  Eq. 17
    if out.r_y is None or beta >= 1.0:
        loss = l1.mean()
        return loss, {"loss": float(loss.detach()), "l1": float(l1.detach().mean())}
    l2 = rating_error(out.r_y)  # (B,)  Eq. 18
    l3 = ((out.z_y - out.z_uv) ** 2).sum(-1)  # (B,)  Eq. 19
    loss = (beta * l1 + (1 - beta) * (l2 + lam * l3)).mean()  # Eq. 20
    parts = {
        k: float(t.detach().mean()) for k, t in (("loss", loss), ("l1", l1), ("l2", l2), ("l3", l3))
    }
    return loss, parts
