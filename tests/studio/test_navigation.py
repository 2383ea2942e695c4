"""studio.navigation: every page opens from its own address, the default one at `/` too."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from studio.navigation import DEFAULT, ROUTES, route
from tests.helpers import REPO

# the default page (Home) is served at `/` only
ADDRESSES = {"": DEFAULT.url_path, **{r.url_path: r.url_path for r in ROUTES if r != DEFAULT}}


def resolve(url_pathname: str) -> None:
    """As a browser opening `/<url_pathname>` of a fresh session asks Streamlit (by name, no page
    hash), then which page st.navigation picks for it (written to the page, not run)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from studio.navigation import pages

    get_script_run_ctx().pages_manager.set_script_intent("", url_pathname)
    page = st.navigation(pages(), position="hidden")
    st.text(f"{page.url_path}|{page._page.name}")


@pytest.mark.parametrize("address", sorted(ADDRESSES))
def test_every_address_opens_its_page(address):
    at = AppTest.from_function(resolve, args=(address,))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    url_path, script = at.text[0].value.split("|")
    assert url_path == address and script == f"{ADDRESSES[address]}.py"


def test_routes_name_existing_pages_once():
    assert [r.url_path for r in ROUTES] == [
        "home",
        "model",
        "predictor",
        "attention",
        "errors",
        "beta",
        "compare",
    ]
    assert DEFAULT.url_path == "home"
    assert route("errors") is ROUTES[4]
    for r in ROUTES:
        assert r.script.is_file(), r
    assert sorted(p.stem for p in (REPO / "pages").glob("*.py")) == sorted(set(ADDRESSES.values()))
