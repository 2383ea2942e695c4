"""Model kinds by name: one literal table, kind -> (model class, config class, defaults).

Every kind plugs into the same training loop (`semax.training.loop.fit`), keeps the contract of
`semax.models.base.RatingModel` and saves into the same bundle format.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from semax.data.dataset import ReviewData
from semax.errors import BundleError, SemaxError
from semax.models.bias import BiasConfig, BiasModel
from semax.models.deepconn import DeepCoNN, DeepCoNNConfig
from semax.models.mf import BiasedMF, MFConfig
from semax.models.ncf import NCFConfig, NeuMF
from semax.models.rolling_bias import RollingBias, RollingBiasConfig
from semax.models.semax import SEMAX, SemaxConfig
from semax.models.transnets import TransNets, TransNetsConfig


@dataclass(frozen=True)
class Kind:
    name: str
    model: type  # nn.Module class taking its config
    config: type  # config dataclass
    summary: str
    defaults: dict = field(default_factory=dict)  # config overrides for this kind (SEMA: beta=1)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "semax",
            SEMAX,
            SemaxConfig,
            "SEMAX: recommendation task + attention-based related task (paper default beta 0.4)",
        ),
        Kind(
            "sema",
            SEMAX,
            SemaxConfig,
            "SEMA: the recommendation task alone (SEMAX with beta = 1)",
            {"beta": 1.0, "kind": "sema"},
        ),
        Kind(
            "semax-notext",
            SEMAX,
            SemaxConfig,
            "SEMAX without text: ids, biases and the MLP only (ablation)",
            {"beta": 1.0, "use_text": False, "kind": "semax-notext"},
        ),
        Kind(
            "bias",
            BiasModel,
            BiasConfig,
            "Global mean + user and item biases, regularised least squares in closed form (Koren 2008)",
        ),
        Kind(
            "rolling-bias",
            RollingBias,
            RollingBiasConfig,
            "The bias baseline plus the shrunken mean residual of the user's and the item's ratings "
            "since the training cut, read online (closed form)",
        ),
        Kind(
            "mf",
            BiasedMF,
            MFConfig,
            "Biased matrix factorisation (Koren, Bell & Volinsky 2009) on a closed-form bias base",
        ),
        Kind("ncf", NeuMF, NCFConfig, "NCF / NeuMF (He et al., WWW 2017): GMF + MLP towers"),
        Kind(
            "deepconn",
            DeepCoNN,
            DeepCoNNConfig,
            "DeepCoNN (Zheng et al., WSDM 2017): CNN towers over leak-free history documents + FM",
        ),
        Kind(
            "transnets",
            TransNets,
            TransNetsConfig,
            "TransNets (Catherine & Cohen, RecSys 2017): DeepCoNN source net mimicking a target net",
        ),
        Kind(
            "transnets-ext",
            TransNets,
            TransNetsConfig,
            "TransNets-Ext: TransNets with user and item id embeddings in the source network",
            {"ext": True},
        ),
    )
}


def kind(name: str) -> Kind:
    if name not in KINDS:
        raise SemaxError(f"unknown model kind {name!r}; choose from {', '.join(sorted(KINDS))}")
    return KINDS[name]


def kind_names() -> list[str]:
    return sorted(KINDS)


def data_fields(data: ReviewData) -> dict:
    """Sizes and the global mean a model takes from its training data."""
    return {
        "n_words": len(data.vocab),
        "n_users": len(data.users),
        "n_items": len(data.items),
        "global_mean": data.global_mean,
    }


def config_for(name: str, data: ReviewData, **overrides):
    """The config of kind `name` sized for `data`; `overrides` set hyperparameters (None = default)."""
    k = kind(name)
    names = {f.name for f in fields(k.config)}
    given = {key: value for key, value in overrides.items() if value is not None}
    values = {**data_fields(data), **k.defaults, **given}
    return k.config(**{key: value for key, value in values.items() if key in names})


def build(name: str, config) -> object:
    return kind(name).model(config)


# Fields added after bundles were first saved, with the value that rebuilds an older bundle's model.
ADDED_FIELDS = {"base": "learned", "rating_ids": True, "freeze_reader": False}


def config_from_dict(name: str, values: dict):
    """Rebuild a config saved in a bundle; unknown or missing fields are a broken bundle."""
    k = kind(name)
    names = {f.name for f in fields(k.config)}
    values = {**{f: v for f, v in ADDED_FIELDS.items() if f in names}, **values}
    extra = set(values) - names
    if extra:
        raise BundleError(f"config.json: unknown {name} hyperparameters {sorted(extra)}")
    try:
        return k.config(**values)
    except TypeError as exc:
        raise BundleError(f"config.json: bad {name} hyperparameters: {exc}") from None
