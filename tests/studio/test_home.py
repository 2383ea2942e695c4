"""studio.home: what the home page says about the loaded model and its baseline."""

from __future__ import annotations

from semax.examples import Score
from studio import home
from studio.markup import unliteral


def test_the_data_is_named_for_people():
    demo = {"synthetic": {"n_reviews": 20000, "seed": 0}, "data_source": "build/x.json"}
    assert home.data_name(demo) == "the synthetic demo corpus (20,000 reviews, seed 0)"
    assert (
        home.data_name({"data_source": "../shared/data/reviews_5.json.gz"}) == "reviews_5.json.gz"
    )
    assert home.data_name({}).startswith("unknown")


def test_the_split_and_the_protocol_when_the_config_records_them():
    cutoffs = {"cutoffs": {"n_fit": 16000, "n_valid": 0, "n_test": 4000}}
    assert home.split_note(cutoffs) == (
        "Chronological split: 16,000 ratings to fit, 0 to validate, the latest 4,000 to test."
    )
    assert home.split_note({}) is None
    assert home.protocol_note({}) is None
    assert home.protocol_note({"protocol": "online"}) == "Protocol: online"
    assert home.protocol_note({"protocol": {"name": "online", "refit": True}}) == (
        "Protocol: name = online, refit = True"
    )


def test_the_headline_is_honest_win_or_lose():
    base = Score("rolling-bias", 0.70, 0.95, "results/x/table3.csv")
    assert home.delta({"rmse": 0.9}, base, "rmse") == "-0.0500 vs rolling-bias"
    assert home.delta({"rmse": 0.9}, base, "mae") is None and home.delta({}, None, "rmse") is None
    win = unliteral(home.verdict("semax", {"rmse": 0.9}, base))
    assert "0.0500 lower (better) than the strongest baseline **rolling-bias**" in win
    lose = unliteral(home.verdict("semax", {"rmse": 1.0}, base))
    assert "0.0500 higher (worse) than" in lose
    assert "the same as" in home.verdict("semax", {"rmse": 0.95}, base)
    assert "records no test RMSE" in home.verdict("semax", {}, base)


def test_links_name_the_baseline_to_train_only_when_compare_trains_it():
    saved = Score("mf", 0.7, 0.9, "results/d/table3.csv", dataset="d")
    assert home.compare_link(saved).params == {"baseline": "mf"}
    assert home.compare_link(Score("ncf", 0.7, 0.9, "s")).params == {}  # not a one-click kind
    assert home.compare_link(None).params == {}
    assert home.table3_link(saved).params == {"tab": "Saved experiments", "dataset": "d"}
    assert home.table3_link(Score("bias", 0.7, 0.9, home.SESSION)) is None
    assert home.page_link(home.table3_link(saved))["page"].endswith("pages/errors.py")
