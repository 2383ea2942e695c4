"""studio.state: the current model, loaded once per source and held per session."""

from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest

from studio import state


def test_demo_source_and_folder_stamp(monkeypatch, tmp_path):
    monkeypatch.delenv("SEMAX_STUDIO_MODEL", raising=False)
    assert state.demo_source() == str(state.DEMO)
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", "owner/name")
    assert state.demo_source() == "owner/name"
    assert state.stamp("owner/name") == 0.0  # a Hub repo id
    (tmp_path / "config.json").write_text("{}")
    assert state.stamp(str(tmp_path)) == (tmp_path / "config.json").stat().st_mtime


def test_configure_torch_uses_one_thread_unless_told(monkeypatch):
    monkeypatch.setenv("SEMAX_STUDIO_TORCH_THREADS", "2")
    state.configure_torch()
    assert torch.get_num_threads() == 2
    monkeypatch.delenv("SEMAX_STUDIO_TORCH_THREADS")
    state.configure_torch()
    assert torch.get_num_threads() == 1


def no_model() -> None:
    import streamlit as st

    from studio.state import require_model

    require_model()
    st.write("not reached")


def adopted(folder: str) -> None:
    import streamlit as st

    from semax.bundle import hub
    from studio import state

    cur = state.load_model(folder, None, state.stamp(folder))
    assert state.load_model(folder, None, state.stamp(folder)) is cur  # one load for all
    mine = state.adopt(cur.bundle, "trained now on x.json")
    assert state.current() is mine and state.require_model() is mine
    assert mine.key.startswith("trained:") and mine.key != cur.key
    assert st.session_state[state.PENDING_KEY] == state.TRAIN_SOURCE
    st.write(f"{mine.label}|{mine.related}|{mine.histories}|{hub.load(folder).kind}")


def test_require_model_stops_with_a_note():
    at = AppTest.from_function(no_model).run()
    assert [i.value for i in at.info] == ["No model loaded: choose a model source in the sidebar."]
    assert not at.markdown


def test_load_and_adopt_a_model(app_bundle):
    at = AppTest.from_function(adopted, args=(str(app_bundle),), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[0].value == "trained now on x.json|True|True|semax"
