"""studio.sidebar: the model source chooser every page shares."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def app() -> None:
    import streamlit as st

    from studio.sidebar import sidebar

    current = sidebar()
    st.write(f"current: {current.label if current else None}")


def test_the_demo_source_loads_the_model_and_summarises_it(monkeypatch, app_bundle):
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(app_bundle))
    at = AppTest.from_function(app, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="studio.source_kind").value == "Bundled demo"
    assert at.sidebar.caption[0].value.startswith("**semax** · ")
    assert "test RMSE" in at.sidebar.caption[0].value
    assert at.main.markdown[-1].value == f"current: {app_bundle}"
    assert at.session_state["studio.current"].label == str(app_bundle)


def test_a_missing_folder_is_an_error_and_no_model(monkeypatch, tmp_path):
    monkeypatch.setenv("SEMAX_STUDIO_MODEL", str(tmp_path / "missing"))
    at = AppTest.from_function(app, default_timeout=60).run()
    assert any("no such model folder" in e.value for e in at.sidebar.error)
    assert at.main.markdown[-1].value == "current: None"
    at.sidebar.radio(key="studio.source_kind").set_value("Run folder").run()
    assert not at.sidebar.error and at.main.markdown[-1].value == "current: None"
