"""The saved-model format (a folder: config, weights, vocabularies, reviews, model card)."""

from semax.bundle.hub import Bundle, load, save

__all__ = ["Bundle", "load", "save"]
