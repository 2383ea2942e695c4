"""studio.share: reading a view from the address and writing it back (the pure parts; the round
trip through `st.query_params` is in tests/pages/test_pages.py)."""

from __future__ import annotations

import pytest

from studio import share
from studio.state import DEMO, DEMO_SOURCE, FOLDER_SOURCE, HUB_SOURCE


def test_parse_source_tells_folders_from_hub_repo_ids(tmp_path):
    assert share.parse_source("demo") == (DEMO_SOURCE, "", None)
    assert share.parse_source(str(tmp_path)) == (FOLDER_SOURCE, str(tmp_path), None)
    assert share.parse_source("owner/name@v1") == (HUB_SOURCE, "owner/name", "v1")
    assert share.parse_source("owner/name") == (HUB_SOURCE, "owner/name", None)
    # neither an existing folder nor a repo id: the folder loader says what is wrong
    assert share.parse_source("no/such/folder") == (FOLDER_SOURCE, "no/such/folder", None)
    assert share.parse_source("owner/name@..bad")[0] == FOLDER_SOURCE


def test_source_param_round_trips_through_parse_source(tmp_path):
    assert share.source_param(DEMO_SOURCE) is None
    assert share.source_param("Train a small model now") is None
    assert share.source_param(FOLDER_SOURCE, folder=f" {tmp_path} ") == str(tmp_path)
    value = share.source_param(HUB_SOURCE, repo="owner/name", revision="main")
    assert value == "owner/name@main"
    assert share.parse_source(value) == (HUB_SOURCE, "owner/name", "main")


def test_unknown_parameters_and_labels():
    assert share.unknown(["user", "zzz", "item", "aaa"]) == ["aaa", "zzz"]
    assert share.loaded_label(str(DEMO)) == "the bundled demo"
    assert share.loaded_label("runs/x") == "`runs/x`"


def test_review_ids_from_the_address():
    assert share.review_id("3", 10) == 3
    with pytest.raises(ValueError, match="not a review id"):
        share.review_id("x", 10)
    with pytest.raises(ValueError, match="not among the 10 reviews"):
        share.review_id("10", 10)


def test_member_check():
    check = share.member({"u1"}, "user")
    assert check("u1") == "u1"
    with pytest.raises(ValueError, match="not in this model's data"):
        check("u2")
