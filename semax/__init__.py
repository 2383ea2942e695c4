"""SEMAX: multi-task learning of review-based rating prediction (reference implementation)."""

__version__ = "0.1.0"
