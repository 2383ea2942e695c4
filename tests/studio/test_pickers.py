"""Id pickers: the search that replaces a list of many ids."""

from __future__ import annotations

from studio.pickers import matches

NAMES = [f"u{i}" for i in range(1, 2001)] + ["Alice", "malice"]


def test_an_empty_search_lists_the_first_names_only():
    assert matches(NAMES, "  ", limit=5) == ["u1", "u2", "u3", "u4", "u5"]


def test_names_that_start_with_the_query_come_before_those_containing_it():
    assert matches(NAMES, "ALI") == ["Alice", "malice"]
    found = matches(NAMES, "u12", limit=200)
    assert found[0] == "u12" and all(n.startswith("u12") for n in found)
    assert len(found) == 111  # u12, u120-u129, u1200-u1299


def test_a_search_returns_at_most_the_limit_and_nothing_for_no_match():
    assert len(matches(NAMES, "u", limit=100)) == 100
    assert matches(NAMES, "zzz") == []
