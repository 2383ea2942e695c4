"""The app's data root: every path a person types (the training tab's Local path, the sidebar's
Run folder, Save as bundle) must lie inside it.

`SEMAX_STUDIO_ROOT` names the root (default: the folder the app was started from). A relative
path is taken relative to the root; a path is resolved (symlinks, `..`, `~`) before the check,
so neither a link nor `..` leads out. `hf://` files and Hub repo ids are not local paths and
pass through. No streamlit here: the callers show the one-line refusal.
"""

from __future__ import annotations

import os
from pathlib import Path

from semax.errors import SemaxError

ROOT_ENV = "SEMAX_STUDIO_ROOT"
HF_PREFIX = "hf://"


class OutsideRoot(SemaxError):
    """A path that resolves outside the data root."""


def root() -> Path:
    """The data root, resolved."""
    return Path(os.environ.get(ROOT_ENV) or os.getcwd()).expanduser().resolve()


def confine(text: str) -> Path:
    """`text` as a resolved absolute path inside the data root, or `OutsideRoot`."""
    base = root()
    path = Path(text.strip()).expanduser()
    resolved = (path if path.is_absolute() else base / path).resolve()
    if not resolved.is_relative_to(base):
        raise OutsideRoot(
            f"{text.strip()}: outside the app's data root {base} (the server sets it with "
            f"{ROOT_ENV})"
        )
    return resolved


def data_source(text: str) -> str:
    """A review file to read: an hf:// file as it is, a local path confined to the root."""
    text = text.strip()
    return text if text.startswith(HF_PREFIX) else str(confine(text))


def hub_repo(text: str) -> str:
    """A Hub repo id as it is; a name that is a local folder (which `hub.load` would read as
    one) must lie inside the root like any other folder."""
    text = text.strip()
    local = Path(text).expanduser()
    return str(confine(str(local.resolve()))) if local.exists() else text


def folder(text: str) -> str:
    """A local folder (a run folder to load, a bundle folder to write) confined to the root."""
    return str(confine(text))
