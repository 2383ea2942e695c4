"""studio.render: review text on the page only through escaped st.html."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.helpers import XSS_TEXT


def page(text: str) -> None:
    import pandas as pd

    from studio import render

    reviews = pd.DataFrame(
        {"user": ["<b>u</b>"], "item": ["i"], "rating": [4.0], "text": [text], "time": [0]}
    )
    render.words(["<script>", "b"], [0.5, 1.0], [True, False])
    render.signed(["<img src=x>"], [-0.2])
    render.review_list(reviews, [0], limit=30)
    render.review_list(reviews, [], empty="no earlier reviews")


def test_every_piece_of_review_text_is_escaped_html():
    at = AppTest.from_function(page, args=(XSS_TEXT,)).run()
    assert not at.exception, [e.value for e in at.exception]
    bodies = [h.value for h in at.get("html")]
    assert len(bodies) == 3
    joined = " ".join(bodies)
    assert "<script" not in joined and "<img" not in joined and "<b>" not in joined
    assert "&lt;script&gt;" in joined and "&lt;b&gt;u&lt;/b&gt;" in joined
    assert [c.value for c in at.caption] == ["no earlier reviews"]


def long_table() -> None:
    import pandas as pd

    from studio import render

    render.table(pd.DataFrame({"n": range(12)}), "long", show=5)
    render.table(pd.DataFrame({"n": range(3)}), "short", show=5)


def test_a_long_table_draws_its_first_rows_and_says_the_csv_holds_them_all():
    at = AppTest.from_function(long_table).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [len(d.value) for d in at.dataframe] == [5, 3]
    assert [c.value for c in at.caption] == ["The first 5 of 12 rows; the CSV holds them all."]
