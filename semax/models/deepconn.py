"""DeepCoNN: Zheng, Noroozi and Yu, "Joint Deep Modeling of Users and Items Using Reviews for
Recommendation", WSDM 2017.

Two parallel CNN towers read the user's document and the item's document; their latent vectors
are concatenated and a factorization machine predicts the rating:

    x_u = ReLU(W_u maxpool(ReLU(conv_u(doc_u))) + g_u),  y_v = likewise with the item tower,
    r = FM([x_u, y_v]).

Leak-free documents. The documents are built from the rating's user and item HISTORIES (the
reviews written strictly before the rating, `semax.data.history`), never from the rating's own
review: that review is unknown when recommending, and putting it in the item/user document is
the leak TransNets (Catherine & Cohen, 2017) pointed out in the original evaluation.

Efficiency and the one deviation in the text tower. The original concatenates a user's reviews
into one document and runs the CNN over it. Here the CNN runs over each review on its own, and
the document vector is the max over all windows of all the document's reviews (empty history
slots masked). That is the same convolution applied to every window of the document, except the
k - 1 windows that would straddle two reviews. It lets a batch convolve each review it touches
once (`semax.training.batching` lists unique reviews) and shorter reviews skip their padding. The
convolution itself runs through the vocabulary (`text_cnn.ReviewCNN`: each distinct word of the
batch is multiplied by the filters once, a window is k look-ups), an exact rewrite. Batches with
`trim_reviews=False` (`encode="padded"`) take the plain path instead: every history slot, empty
ones included, embedded and convolved over all L words, as the public code does; the benchmark
`benchmarks/baselines_speed.py` uses it as the reference.

Other choices, documented: both towers share one word-embedding table (trained, not frozen
word2vec); an empty history gives a zero document vector (the fully connected layer's bias then
stands for it); the FM's global bias starts at the training mean rating. DeepCoNN has no id
embeddings, so `id_penalty` is zero.

Hyperparameters (`DeepCoNNConfig`):
    d_word      word-embedding size (paper / public code: 300; default 64 for CPU)
    filters     convolution filters per tower (100)
    kernel      convolution window in words (3)
    latent      tower output size |x_u| = |y_v| (50)
    fm_factors  FM pairwise-interaction factors (8)
    dropout     on the pooled document vector, before the fully connected layer (0.5)
    n_words, global_mean   from the data
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from semax.models.base import Batch
from semax.models.text_cnn import FM, HistoryDocuments


@dataclass
class DeepCoNNConfig:
    n_words: int
    d_word: int = 64
    filters: int = 100
    kernel: int = 3
    latent: int = 50
    fm_factors: int = 8
    dropout: float = 0.5
    global_mean: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class DeepCoNN(nn.Module):
    """DeepCoNN over leak-free history documents; see the module docstring."""

    def __init__(self, cfg: DeepCoNNConfig):
        super().__init__()
        self.cfg = cfg
        self.word_emb = nn.Embedding(cfg.n_words, cfg.d_word, padding_idx=0)
        tower = (cfg.d_word, cfg.filters, cfg.kernel, cfg.latent, cfg.dropout, "relu")
        self.user_tower = HistoryDocuments(*tower)
        self.item_tower = HistoryDocuments(*tower)
        self.fm = FM(2 * cfg.latent, cfg.fm_factors, cfg.global_mean)
        nn.init.normal_(self.word_emb.weight, std=0.1)
        with torch.no_grad():
            self.word_emb.weight[0].zero_()

    @property
    def batch_spec(self) -> dict:
        return {"histories": True, "target_text": False}

    def forward(self, batch: Batch) -> torch.Tensor:
        x_u = self.user_tower(self.word_emb, batch, batch.user_history)  # (B, latent)
        y_v = self.item_tower(self.word_emb, batch, batch.item_history)  # (B, latent)
        return self.fm(torch.cat([x_u, y_v], dim=-1))  # (B,)

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        loss = ((batch.rating - self(batch)) ** 2).mean()
        return loss, {"loss": float(loss.detach())}

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        return torch.zeros((), device=batch.rating.device)

    def predict(self, batch: Batch) -> torch.Tensor:
        return self(batch)
