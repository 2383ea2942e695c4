"""studio.reviews: filters, review labels and cold-start labels."""

from __future__ import annotations

from types import SimpleNamespace

from studio.reviews import cold_label, driver_rows, filter_reviews, label
from tests.helpers import app_frame


def test_filter_reviews_by_user_item_rating_and_whole_word():
    df = app_frame()
    assert set(filter_reviews(df, user="u1")["user"]) == {"u1"}
    hits = filter_reviews(df, word="script")
    assert len(hits) == 3 and hits["text"].str.contains("<script>").all()
    assert filter_reviews(df, word="scrip").empty  # whole words only
    assert filter_reviews(df, word="(").empty  # a regex character is taken literally
    low = filter_reviews(df, ratings=(1.0, 2.0))
    assert low["rating"].between(1, 2).all() and len(low) > 0


def test_labels_of_a_review_and_of_history_drivers():
    df = app_frame()
    r = df.loc[3]
    text = " ".join(r["text"].split())
    short = text if len(text) <= 70 else text[:69] + "…"
    assert label(df, 3) == f"#3 · ★{r['rating']:g} · {r['user']} → {r['item']} · {short}"
    rows = driver_rows(df, [{"review": 3, "side": "user", "delta": 0.1}], limit=10)
    assert rows[0]["label"].startswith("#3 ") and len(rows[0]["label"]) <= 3 + 10
    assert rows[0]["delta"] == 0.1


def test_cold_label_new_cold_and_known():
    rec = SimpleNamespace(user_reviews={"u1": [1]}, item_reviews={"i1": [1]})
    assert cold_label(rec, "user", "nobody", True, 0).startswith("new user: not in the data")
    assert cold_label(rec, "user", "u1", True, 1).startswith("cold-start user: no trained factor")
    assert cold_label(rec, "item", "i1", False, 4) == "known item: 4 earlier review(s) used"
