"""studio.startup and streamlit_app.py: the server preloads the app and the startup model."""

from __future__ import annotations

import asyncio
import runpy
import threading

from studio import startup, state
from tests.helpers import REPO


def test_preload_puts_the_startup_model_in_the_shared_cache(monkeypatch, app_bundle):
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(app_bundle))
    state.load_model.clear()
    startup.preload()
    source = str(app_bundle)
    loaded = state.load(source)  # what the sidebar asks for
    again = state.load(source)
    assert loaded is again and loaded.label == source


def test_a_failed_preload_is_logged_not_raised(monkeypatch, tmp_path, caplog):
    (tmp_path / "config.json").write_text("not json")
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(tmp_path))
    startup.preload()
    assert "preloading the app failed" in caplog.text


def test_the_server_entry_starts_the_preload(monkeypatch):
    """(The browser tests serve `streamlit_app.py` and see the router's pages.)"""
    app = runpy.run_path(str(REPO / "streamlit_app.py"))["app"]
    started = threading.Event()
    monkeypatch.setattr(startup, "preload", started.set)

    async def run_lifespan():
        async with startup.lifespan(app):
            pass

    asyncio.run(run_lifespan())
    assert started.wait(5)
