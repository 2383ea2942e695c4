"""Review data: readers, validation, tokenizer and vocabulary, chronological split, histories."""

from semax.data.dataset import FIT, TEST, UNKNOWN, VALID, DataConfig, ReviewData, prepare

__all__ = ["FIT", "TEST", "UNKNOWN", "VALID", "DataConfig", "ReviewData", "prepare"]
