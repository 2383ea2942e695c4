"""The current model's bundle as the Model page shows it: headline scores, the model card
without its Hub metadata, and saving it as a bundle folder."""

from __future__ import annotations

import re
from pathlib import Path

from semax.bundle.format import Bundle, save


def score(metrics: dict, name: str) -> str:
    """A test metric (mae, rmse) to four decimals; nan when the bundle lacks it."""
    return f"{metrics.get(name, float('nan')):.4f}"


def card_body(card: str) -> str:
    """A model card without its YAML front matter (Hub metadata between `---` lines)."""
    m = re.match(r"\A---\r?\n.*?\r?\n---\r?\n", card, flags=re.S)
    return card[m.end() :].lstrip() if m else card


def save_bundle(bundle: Bundle, folder: str, overwrite: bool = False) -> tuple[bool, str]:
    """Save `bundle` to `folder` (not over the files of a non-empty folder unless `overwrite`);
    returns (saved, the message to show)."""
    path = Path(folder.strip()).expanduser()
    if path.exists() and any(path.iterdir()) and not overwrite:
        return False, f"{path} exists and is not empty; tick overwrite to replace its files."
    try:
        return True, f"Saved to {save(bundle, path)}"
    except OSError as exc:
        return False, f"Cannot save to {path}: {exc.strerror or exc}"
