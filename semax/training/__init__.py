"""Training: batches, the loop, distributed runs, evaluation, and the pipeline that ties them to a
saved bundle."""

from semax.training.loop import TrainConfig, TrainResult, fit
from semax.training.pipeline import train

__all__ = ["TrainConfig", "TrainResult", "fit", "train"]
