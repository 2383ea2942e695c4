"""Work started with the server, before any browser connects: import the app's modules (torch
among them, seconds) and load the startup model into the shared model cache, in a background
thread, so the first page finds both ready. `streamlit_app.py` runs `lifespan`. This module
imports nothing heavy itself: the server starts at once."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

_log = logging.getLogger(__name__)


def preload() -> None:
    """Import the router's modules and load the startup model (a local folder only: a Hub id
    would download at server start). A failure is logged and shows again on the first page."""
    try:
        from studio import sidebar  # noqa: F401  (torch, pandas and the app's modules)
        from studio.state import configure_torch, demo_source, load

        configure_torch()
        source = demo_source()
        if Path(source).is_dir():
            load(source)
    except Exception:  # the first page loads it again and shows what went wrong
        _log.exception("preloading the app failed")


@asynccontextmanager
async def lifespan(app):
    threading.Thread(target=preload, name="semax-preload", daemon=True).start()
    yield
