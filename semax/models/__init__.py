"""Every rating model and their shared contract: SEMAX (and SEMA, its beta = 1 case) and the
baselines, trained by the same loop on the same split and leak-free histories.

One module per model (cornac style), each with a docstring citing its paper and listing every
hyperparameter; shared text pieces live in `text_cnn`; `registry` is the table of kinds.
"""

from semax.models.base import UNKNOWN_ID, Batch, RatingModel
from semax.models.registry import KINDS, build, config_for, kind_names

__all__ = ["KINDS", "UNKNOWN_ID", "Batch", "RatingModel", "build", "config_for", "kind_names"]
