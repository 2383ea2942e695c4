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


def test_the_preload_thread_logs_no_missing_context_warning(monkeypatch, app_bundle):
    """Streamlit warns 'missing ScriptRunContext' when its caches run outside a session; the
    server's own preload does so on purpose and prints nothing at start."""
    import logging

    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(app_bundle))
    state.load_model.clear()
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append((record.threadName, record.getMessage()))

    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    keep = Keep()
    logger.addHandler(keep)
    try:
        startup._quiet_preload_warnings()
        thread = threading.Thread(target=startup.preload, name=startup.THREAD)
        thread.start()
        thread.join(60)
        state.load_model.clear()
        other = threading.Thread(target=startup.preload, name="other")  # any other thread warns
        other.start()
        other.join(60)
    finally:
        logger.removeHandler(keep)
    assert not [m for name, m in seen if name == startup.THREAD]
    assert any("missing ScriptRunContext" in m for name, m in seen if name == "other")
