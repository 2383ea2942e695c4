"""Sharing a view by its address: the page is the URL path and the model source, user, item and
review id are query parameters (`st.query_params`), e.g. `/predictor?user=U&item=I`,
`/attention?review=12&model=runs/my-model` or `/?model=owner/name@v1`; `vs` names the Compare
page's second model the same way, `tab` the Model or Errors page's open tab (`st.tabs` binds it),
`whatif` the Predictor's what-if text, `side` whose history it joins (`item`; the user's by
default), `dataset` the Errors page's saved results and `baseline`
the kind the Compare page trains as B.

A parameter from the address is applied once, when it differs from what this session last
applied or wrote (a freshly opened address, or one edited by hand); after that the widgets lead
and `keep` writes their values back, so copying the address reopens the view on screen. An
unknown parameter or a bad value gives a message, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

import streamlit as st

from semax.bundle.hub import parse_repo_id
from semax.errors import BundleError
from studio import messages
from studio.state import DEMO, DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE, SOURCE_KEY

PARAMS = (
    "model",
    "vs",
    "user",
    "item",
    "review",
    "tab",
    "whatif",
    "side",
    "dataset",
    "baseline",
)
DEMO_PARAM = "demo"  # ?model=demo: the bundled demo (the default, so never written)
_SEEN = "studio.share.seen"  # {parameter: the value last applied or written}
# the sidebar's widgets (studio.sidebar) that a `model` parameter fills
SOURCE_WIDGETS = {
    "model": (SOURCE_KEY, "studio.run_folder", "studio.repo_id", "studio.revision"),
}


# -- pure helpers ----------------------------------------------------------------------------


def parse_source(value: str) -> tuple[str, str, str | None]:
    """A `model` parameter as (source kind, folder or repo id, revision): `demo`, a bundle
    folder, or a Hub `owner/name[@revision]`; anything else is taken as a folder (whose loading
    then says what is wrong with it)."""
    text = value.strip()
    if text == DEMO_PARAM:
        return DEMO_SOURCE, "", None
    if not Path(text).expanduser().is_dir():
        try:
            repo, revision = parse_repo_id(text)
            return HUB_SOURCE, repo, revision
        except BundleError:
            pass
    return FOLDER_SOURCE, text, None


def source_param(kind: str, folder: str = "", repo: str = "", revision: str = "") -> str | None:
    """The `model` parameter naming a source (None for the default demo and for a model trained
    in this session, which no address can reopen)."""
    if kind == FOLDER_SOURCE and folder.strip():
        return folder.strip()
    if kind == HUB_SOURCE and repo.strip():
        return f"{repo.strip()}@{revision.strip()}" if revision.strip() else repo.strip()
    return None


def unknown(params: Collection[str]) -> list[str]:
    """The parameter names this app does not know."""
    return sorted(p for p in params if p not in PARAMS)


def loaded_label(label: str) -> str:
    """Where the loaded model came from, for the sidebar (the demo folder by its name)."""
    return "the bundled demo" if label == str(DEMO) else f"`{label}`"


def review_id(value: str, n_reviews: int) -> int:
    """A `review` parameter as a review id; a ValueError with the reason otherwise."""
    try:
        rid = int(value)
    except ValueError:
        raise ValueError(f"review {value!r} from the address is not a review id") from None
    if not 0 <= rid < n_reviews:
        raise ValueError(f"review {rid} from the address is not among the {n_reviews:,} reviews")
    return rid


# -- the address -----------------------------------------------------------------------------


def _seen() -> dict:
    return st.session_state.setdefault(_SEEN, {})


def incoming(name: str) -> str | None:
    """The address's value of `name` when it is new to this session, else None."""
    value = st.query_params.get(name)
    if value is None or _seen().get(name) == value:
        return None
    _seen()[name] = value
    return value


def keep(**values) -> None:
    """Write the view's values to the address (None removes a parameter)."""
    for name, value in values.items():
        text = None if value is None else str(value)
        if text is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != text:
            st.query_params[name] = text
        _seen()[name] = text


def seed(name: str, key: str, check: Callable[[str], object]) -> None:
    """Put a new address value of `name` into widget `key`, if `check(value)` accepts it (it
    returns the widget value, or raises ValueError with the message to show)."""
    value = incoming(name)
    if value is None:
        return
    try:
        st.session_state[key] = check(value)
    except ValueError as exc:
        messages.warning(f"{exc}; ignored.")


def member(
    names: Collection[str], what: str, new_ok: bool = False, among: str = "this model's data"
) -> Callable[[str], str]:
    """A `seed` check: the value must be one of `names`, described as `among` (with `new_ok`,
    another id is taken as a new, cold-start one, with a note)."""

    def check(value: str) -> str:
        if value not in names:
            message = f"{what} {value!r} from the address is not in {among}"
            if not new_ok or not value.strip():
                raise ValueError(message)
            messages.info(f"{message}: treated as a new (cold-start) {what}.")
        return value

    return check


def open_source(param: str = "model", widgets: tuple[str, str, str, str] | None = None) -> None:
    """A new `model` (or `vs`) address value becomes the source chooser's choice: its radio,
    folder, repo id and revision widgets (`widgets`, the sidebar's by default)."""
    value = incoming(param)
    if value is None:
        return
    radio, folder, repo, revision = widgets or SOURCE_WIDGETS["model"]
    kind, where, rev = parse_source(value)
    st.session_state[radio] = kind
    if kind == FOLDER_SOURCE:
        st.session_state[folder] = where
    elif kind == HUB_SOURCE:
        st.session_state[repo], st.session_state[revision] = where, rev or ""


def keep_source(param: str = "model", widgets: tuple[str, str, str, str] | None = None) -> None:
    """Write the chooser's current source to the address."""
    radio, folder, repo, revision = widgets or SOURCE_WIDGETS["model"]
    s = st.session_state
    kind = s.get(radio, DEMO_SOURCE)
    keep(**{param: source_param(kind, s.get(folder, ""), s.get(repo, ""), s.get(revision, ""))})


def warn_unknown() -> None:
    """A message naming the address's parameters this app does not know."""
    bad = unknown(st.query_params.keys())
    if bad:
        messages.warning(
            f"Unknown address parameter(s) ignored: {', '.join(bad)} "
            f"(this app reads {', '.join(PARAMS)})."
        )
