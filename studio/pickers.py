"""Id pickers that stay fast with many ids: up to `MANY` names a plain searchable selectbox;
beyond that a search box first and a selectbox over at most `SHOWN` matches, so a bundle of
25,000 users never sends 25,000 options to the browser."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

MANY = 1_000  # more ids than this: search first
SHOWN = 100  # matches listed after a search


def matches(names: Sequence[str], query: str, limit: int | None = None) -> list[str]:
    """Names containing `query` (case-insensitive), those that start with it first, at most
    `limit` (default `SHOWN`), each group in the order of `names`; the first `limit` names for
    an empty query."""
    limit = SHOWN if limit is None else limit
    q = query.strip().lower()
    if not q:
        return list(names[:limit])
    starts: list[str] = []
    inside: list[str] = []
    for name in names:
        low = name.lower()
        if low.startswith(q):
            starts.append(name)
            if len(starts) >= limit:
                break
        elif q in low and len(inside) < limit:
            inside.append(name)
    return (starts + inside)[:limit]


def _jump_to_first(names: Sequence[str], search_key: str, key: str) -> None:
    """A new search picks its first match (nothing changes when nothing matches)."""
    found = matches(names, st.session_state.get(search_key, ""), limit=1)
    if found:
        st.session_state[key] = found[0]


def id_picker(
    where,
    label: str,
    names: Sequence[str],
    key: str,
    *,
    what: str = "ids",
    new_ok: bool = False,
    empty: str | None = None,
):
    """A selectbox of `names` in container `where` (st, a column, the sidebar); `empty` is the
    placeholder of a picker that starts with nothing picked; `new_ok` accepts a typed new id."""
    index = None if empty is not None else 0
    if len(names) <= MANY:
        return where.selectbox(
            label, names, index=index, key=key, placeholder=empty, accept_new_options=new_ok
        )
    search_key = f"{key}.search"
    where.text_input(
        f"Search {len(names):,} {what}",
        key=search_key,
        placeholder="type part of an id",
        on_change=_jump_to_first,
        args=(names, search_key, key),
    )
    options = matches(names, st.session_state.get(search_key, ""))
    current = st.session_state.get(key)
    if current is not None and current not in options:
        options = [current, *options]  # the pick (from an address, say) stays listed
    picked = where.selectbox(
        label,
        options,
        index=index if options else None,
        key=key,
        placeholder=empty or "no match",
        accept_new_options=new_ok,
    )
    if not options:
        where.caption(f"No {what} match this search.")
    return picked
