"""Model kinds by name: how to configure one for a dataset and how to rebuild it from a bundle.

Every kind plugs into the same training loop (`semax.train.fit`) and the same bundle format.
Baselines register themselves here from `semax.baselines`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from semax.data.dataset import ReviewData
from semax.errors import BundleError, SemaxError
from semax.model import SEMAX, SemaxConfig


@dataclass(frozen=True)
class Kind:
    name: str
    model: type  # nn.Module class taking its config
    config: type  # config dataclass
    defaults: dict  # overrides applied to the config for this kind (e.g. beta=1 for SEMA)
    summary: str


KINDS: dict[str, Kind] = {}


def register(name: str, model: type, config: type, summary: str, **defaults) -> None:
    KINDS[name] = Kind(name, model, config, defaults, summary)


register(
    "semax",
    SEMAX,
    SemaxConfig,
    "SEMAX: recommendation task + attention-based related task (paper default beta 0.4)",
)
register(
    "sema",
    SEMAX,
    SemaxConfig,
    "SEMA: the recommendation task alone (SEMAX with beta = 1)",
    beta=1.0,
    kind="sema",
)
register(
    "semax-notext",
    SEMAX,
    SemaxConfig,
    "SEMAX without text: ids, biases and the MLP only (ablation)",
    beta=1.0,
    use_text=False,
    kind="semax-notext",
)


def kind(name: str) -> Kind:
    _load_baselines()
    if name not in KINDS:
        raise SemaxError(f"unknown model kind {name!r}; choose from {', '.join(sorted(KINDS))}")
    return KINDS[name]


def kind_names() -> list[str]:
    _load_baselines()
    return sorted(KINDS)


def _load_baselines() -> None:
    import semax.baselines  # noqa: F401  (registers the baselines)


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
    overrides = {
        key: value for key, value in overrides.items() if value is not None
    }  # None = default
    given = {
        key: value
        for key, value in {**data_fields(data), **k.defaults, **overrides}.items()
        if key in names
    }
    return k.config(**given)


def build(name: str, config) -> object:
    return kind(name).model(config)


def config_from_dict(name: str, values: dict):
    """Rebuild a config saved in a bundle; unknown or missing fields are a broken bundle."""
    k = kind(name)
    names = {f.name for f in fields(k.config)}
    extra = set(values) - names
    if extra:
        raise BundleError(f"config.json: unknown {name} hyperparameters {sorted(extra)}")
    try:
        return k.config(**values)
    except TypeError as exc:
        raise BundleError(f"config.json: bad {name} hyperparameters: {exc}") from None
