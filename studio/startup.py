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
THREAD = "semax-preload"
# Streamlit warns when its caches are used outside a session's script run, as the preload does
# on purpose: the warning is dropped for this thread only.
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _NotFromPreload(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD


def _quiet_preload_warnings() -> None:
    logger = logging.getLogger(_CONTEXT_LOGGER)
    if not any(isinstance(f, _NotFromPreload) for f in logger.filters):
        logger.addFilter(_NotFromPreload())


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
    _quiet_preload_warnings()
    threading.Thread(target=preload, name=THREAD, daemon=True).start()
    yield
