"""TransNets and TransNets-Ext: Catherine and Cohen, "TransNets: Learning to Transform for
Recommendation", RecSys 2017.

Source network (used for prediction): DeepCoNN-style CNN towers over the user's and the item's
history documents give x_u, x_v; transform layers z_l = tanh(G_l z_{l-1} + g_l), z_0 = [x_u, x_v],
give z_L (the latent representation of the pair); FM_S rates z_L.
Target network (training only): a CNN tower over the rating's own review (`batch.target_tokens`)
gives z_T; FM_T rates dropout(z_T).

Training. The paper alternates three steps per batch: (1) train the target network on the
rating, (2) train the source towers and transform to make z_L mimic z_T (target fixed), (3) train
FM_S on the rating from z_L (source representation fixed). Here the three are one step on the sum

    loss = (r - FM_T(drop(z_T)))^2 + mimic_weight ||z_L - z_T.detach()||^2
           + (r - FM_S(drop(z_L.detach())))^2,

the detaches keeping each term on the parameters its step trains (`source_rating_grad=True` lets
the source rating loss reach the towers too). Prediction uses the source network only and never
reads the target review; it may be None.

TransNets-Ext (`ext=True`, kind "transnets-ext") adds user and item id embeddings omega_u,
omega_v to the source network: FM_S rates [omega_u, z_L, omega_v] (the paper's extension); the
id embeddings are trained by the source rating loss and regularised by `id_penalty`. Id 0 is
the unknown user / item.

Shared with DeepCoNN (`semax.models.text_cnn`): per-review CNN + max over all windows of all
history reviews (leak-free documents, the rating's own review is never in them), the FM. Other
choices, documented: one trained word-embedding table for all three towers; dropout before each
FM (the mimic term compares the representations without dropout); FM global biases start at
the training mean rating.

Hyperparameters (`TransNetsConfig`):
    d_word             word-embedding size (paper: 64-dim pre-trained; default 64)
    filters            convolution filters per tower (100)
    kernel             convolution window in words (3)
    latent             tower output and z_L size (50)
    transform_layers   number of transform layers L (2)
    fm_factors         FM pairwise-interaction factors, FM_S and FM_T (8)
    dropout            before FM_S and FM_T and on the pooled documents (0.5)
    mimic_weight       weight of ||z_L - z_T||^2 (1.0)
    source_rating_grad the source rating loss also trains the source towers (False: FM_S only)
    ext                TransNets-Ext: user and item id embeddings at FM_S's input (False)
    d_id               Ext id embedding size (50)
    n_words, n_users, n_items, global_mean   from the data
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from semax.models.base import Batch
from semax.models.text_cnn import FM, HistoryDocuments, ReviewTower


@dataclass
class TransNetsConfig:
    n_words: int
    n_users: int
    n_items: int
    global_mean: float = 0.0
    d_word: int = 64
    filters: int = 100
    kernel: int = 3
    latent: int = 50
    transform_layers: int = 2
    fm_factors: int = 8
    dropout: float = 0.5
    mimic_weight: float = 1.0
    source_rating_grad: bool = False
    ext: bool = False
    d_id: int = 50

    def to_dict(self) -> dict:
        return asdict(self)


class TransNets(nn.Module):
    """TransNets (and -Ext with `cfg.ext`); see the module docstring."""

    def __init__(self, cfg: TransNetsConfig):
        super().__init__()
        self.cfg = cfg
        self.word_emb = nn.Embedding(cfg.n_words, cfg.d_word, padding_idx=0)
        tower = (cfg.d_word, cfg.filters, cfg.kernel, cfg.latent, cfg.dropout, "tanh")
        self.user_tower = HistoryDocuments(*tower)  # source
        self.item_tower = HistoryDocuments(*tower)  # source
        if cfg.transform_layers < 1:
            raise ValueError("transform_layers must be at least 1 (z_L must have z_T's size)")
        layers: list[nn.Module] = []
        for i in range(cfg.transform_layers):
            layers += [nn.Linear(2 * cfg.latent if i == 0 else cfg.latent, cfg.latent), nn.Tanh()]
        self.transform = nn.Sequential(*layers)
        d_source = cfg.latent + (2 * cfg.d_id if cfg.ext else 0)
        self.fm_source = FM(d_source, cfg.fm_factors, cfg.global_mean)
        if cfg.ext:
            self.user_id = nn.Embedding(cfg.n_users, cfg.d_id)
            self.item_id = nn.Embedding(cfg.n_items, cfg.d_id)
            nn.init.normal_(self.user_id.weight, std=0.01)
            nn.init.normal_(self.item_id.weight, std=0.01)
        self.target_tower = ReviewTower(*tower)  # target network, training only
        self.fm_target = FM(cfg.latent, cfg.fm_factors, cfg.global_mean)
        self.drop = nn.Dropout(cfg.dropout)
        nn.init.normal_(self.word_emb.weight, std=0.1)
        with torch.no_grad():
            self.word_emb.weight[0].zero_()

    @property
    def batch_spec(self) -> dict:
        return {"histories": True, "target_text": True}  # target text in training only

    # -- the two networks --------------------------------------------------------------------

    def source(self, batch: Batch) -> torch.Tensor:
        """z_L (B, latent) from the user and item history documents."""
        x_u = self.user_tower(self.word_emb, batch, batch.user_history)
        x_v = self.item_tower(self.word_emb, batch, batch.item_history)
        return self.transform(torch.cat([x_u, x_v], dim=-1))

    def rate_source(self, batch: Batch, z_s: torch.Tensor) -> torch.Tensor:
        parts = [self.drop(z_s)]
        if self.cfg.ext:
            parts = [self.user_id(batch.user), *parts, self.item_id(batch.item)]
        return self.fm_source(torch.cat(parts, dim=-1))  # (B,)

    def target(self, batch: Batch) -> torch.Tensor:
        """z_T (B, latent) from the rating's own review (training only)."""
        tokens, lengths = batch.target_tokens, batch.target_lengths
        steps = max(int(lengths.max()), 1) if len(lengths) else 1
        return self.target_tower(self.word_emb, tokens[:, :steps], lengths)

    # -- the interface of the training loop --------------------------------------------------

    def training_loss(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        if batch.target_tokens is None:
            raise ValueError("TransNets trains its target network on the rating's own review")
        z_t = self.target(batch)
        r_t = self.fm_target(self.drop(z_t))
        z_s = self.source(batch)
        mimic = ((z_s - z_t.detach()) ** 2).sum(-1)  # (B,)
        r_s = self.rate_source(batch, z_s if self.cfg.source_rating_grad else z_s.detach())
        target = (batch.rating - r_t) ** 2
        source = (batch.rating - r_s) ** 2
        loss = (target + self.cfg.mimic_weight * mimic + source).mean()
        parts = {
            k: float(t.detach().mean())
            for k, t in (("loss", loss), ("target", target), ("mimic", mimic), ("source", source))
        }
        return loss, parts

    def id_penalty(self, batch: Batch) -> torch.Tensor:
        if not self.cfg.ext:
            return torch.zeros((), device=batch.rating.device)
        u, v = self.user_id(batch.user), self.item_id(batch.item)
        return ((u**2).sum(-1) + (v**2).sum(-1)).mean()

    def predict(self, batch: Batch) -> torch.Tensor:
        """The source network alone: never reads `batch.target_tokens`."""
        return self.rate_source(batch, self.source(batch))

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.predict(batch)
