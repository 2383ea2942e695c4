"""studio.markup: untrusted text as HTML, every word escaped."""

from __future__ import annotations

import html

from studio.markup import (
    review_html,
    signed_words_html,
    snippet,
    text_html,
    weighted_words_html,
    when,
)
from tests.helpers import XSS_ITEM, XSS_TEXT, app_frame


def test_html_builders_escape_every_word():
    words = ["<script>", 'x"onmouseover="y', "&amp;"]
    for out in (
        weighted_words_html(words, [0.2, 0.5, 0.3], known=[True, False, True]),
        signed_words_html(words, [0.1, -0.5, 0.0]),
    ):
        assert "<script>" not in out and "&lt;script&gt;" in out
        assert 'x"onmouseover' not in out and "&amp;amp;" in out
        assert out.count('class="semax-word"') == 3
    block = text_html(XSS_TEXT)
    assert "<img" not in block and "<script" not in block
    assert html.unescape(block.split(">", 1)[1].rsplit("<", 1)[0]) == XSS_TEXT


def test_weights_map_to_background_opacity():
    out = weighted_words_html(["a", "b"], [0.25, 0.5])
    assert "0.500)" in out and "1.000)" in out
    signed = signed_words_html(["up", "down"], [0.5, -1.0])
    assert "rgba(44,160,44,0.500)" in signed and "rgba(214,39,40,1.000)" in signed
    assert "0.000)" in weighted_words_html(["z"], [0.0])  # no weight above 0: no division by 0


def test_unknown_words_are_underlined_with_a_tip():
    out = weighted_words_html(["a", "zzz"], [0.5, 0.5], known=[True, False])
    assert out.count("underline dotted") == 1 and "(unknown word)" in out


def test_review_html_escapes_ids_and_text_under_a_header():
    df = app_frame()
    rid = int(df.index[df["item"] == XSS_ITEM][0])
    out = review_html(df, rid, limit=40)
    assert out.startswith(f"<small>#{rid} · ★ ") and "<img" not in out and "<script" not in out
    assert html.escape(XSS_ITEM) in out and when(df.at[rid, "time"]) in out


def test_snippet_and_when():
    assert snippet("a  b\nc") == "a b c" and snippet("x" * 10, 5) == "xxxx…"
    assert when(86400) == "1970-01-02"
