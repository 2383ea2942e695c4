"""The current model's bundle as the Model page shows it: headline scores, the model card
without its Hub metadata, and saving it as a bundle folder."""

from __future__ import annotations

import re

from semax.bundle.format import Bundle, save
from semax.errors import SemaxError
from studio import paths


def score(metrics: dict, name: str) -> str:
    """A test metric (mae, rmse) to four decimals; nan when the bundle lacks it."""
    return f"{metrics.get(name, float('nan')):.4f}"


def card_body(card: str) -> str:
    """A model card without its YAML front matter (Hub metadata between `---` lines)."""
    m = re.match(r"\A---\r?\n.*?\r?\n---\r?\n", card, flags=re.S)
    return card[m.end() :].lstrip() if m else card


def save_bundle(bundle: Bundle, folder: str, overwrite: bool = False) -> tuple[bool, str]:
    """Save `bundle` as `folder` inside the data root (`studio.paths`), atomically
    (`semax.bundle.format.save`). A folder with files in it is replaced only with `overwrite`,
    and only when it holds a model bundle (its other files are kept); returns (saved, the
    message to show)."""
    try:
        path = paths.confine(folder)
    except SemaxError as exc:
        return False, str(exc)
    if path.is_dir() and any(path.iterdir()):
        if not (path / "config.json").is_file():
            return False, f"{path} holds files but no model bundle; choose a new or empty folder."
        if not overwrite:
            return False, f"{path} holds a model bundle; tick overwrite to replace it."
    try:
        return True, f"Saved to {save(bundle, path, overwrite=overwrite)}"
    except SemaxError as exc:
        return False, str(exc)
    except OSError as exc:
        return False, f"Cannot save to {path}: {exc.strerror or exc}"
