"""The saved-model format (a folder: config, weights, vocabularies, reviews, model card)."""

from semax.bundle.format import Bundle, load_folder, save
from semax.bundle.hub import load

__all__ = ["Bundle", "load", "load_folder", "save"]
