import json

import pytest

from semax.bundle.format import FILES
from semax.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_a_bundle_without_the_resume_checkpoint(tiny_run):
    out, _ = tiny_run
    names = {p.name for p in out.iterdir()}
    assert set(FILES) <= names
    assert "checkpoint.pt" not in names
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "semax" and config["cutoffs"]["n"] == 400


def test_evaluate_reproduces_the_test_split_from_the_data_file(tiny_run, capsys):
    out, data = tiny_run
    code, stdout, _ = run(capsys, "evaluate", "--model", out, "--data", data, "--json")
    assert code == 0
    result = json.loads(stdout)
    saved = json.loads((out / "metrics.json").read_text())
    assert result["n"] == saved["n"]
    assert result["rmse"] == pytest.approx(saved["rmse"], abs=1e-6)
    assert [b["bucket"] for b in result["by_user"]] == ["0", "1-2", "3-5", "6-10", "11-20", "21+"]
    assert sum(b["n"] for b in result["by_item"]) == result["n"]


def test_predict_flags_cold_start_and_rates_a_text(tiny_run, capsys):
    out, _ = tiny_run
    code, stdout, _ = run(
        capsys,
        "predict",
        "--model",
        out,
        "--user",
        "nobody",
        "--item",
        "i1",
        "--text",
        "great great sound",
        "--json",
    )
    assert code == 0
    result = json.loads(stdout)
    assert result["cold_user"] is True and result["cold_item"] is False
    assert 1 <= result["rating"] <= 5
    assert result["text"]["tokens"] == ["great", "great", "sound"]
    assert sum(result["text"]["alpha"]) == pytest.approx(1.0, abs=1e-5)


def test_predict_what_if_gives_r_uv_after_each_review(tiny_run, capsys):
    out, _ = tiny_run
    code, stdout, _ = run(
        capsys, "predict", "--model", out, "--user", "u3", "--item", "i1",
        "--what-if", "awful broken junk", "--what-if", "great great sound",
        "--stars", "1,5", "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(stdout)
    path = result["what_if"]
    assert [step["review"] for step in path] == [1, 2]
    assert [step["stars"] for step in path] == [1.0, 5.0]
    assert all(isinstance(step["r_uv"], float) for step in path)
    assert path[0]["r_uv"] != result["raw"]  # the history moved the prediction


def test_predict_what_if_side_item_puts_the_reviews_in_the_item_s_history(tiny_run, capsys):
    out, _ = tiny_run
    argv = ["predict", "--model", out, "--user", "u3", "--item", "i1", "--what-if", "awful junk"]
    _, user_side, _ = run(capsys, *argv, "--json")
    code, stdout, _ = run(capsys, *argv, "--what-if-side", "item", "--json")
    assert code == 0
    item_side = json.loads(stdout)["what_if"][0]["r_uv"]
    assert item_side != json.loads(user_side)["what_if"][0]["r_uv"]
    code, stdout, err = run(capsys, *argv, "--what-if-side", "item")
    assert "in the item's history" in stdout + err


def test_recommend_lists_unrated_items_best_first(tiny_run, capsys):
    import pandas as pd

    out, _ = tiny_run
    code, stdout, _ = run(
        capsys, "recommend", "--model", out, "--user", "nobody", "--top", "5", "--json"
    )
    assert code == 0
    result = json.loads(stdout)
    assert result["cold_user"] is True and len(result["items"]) == 5
    assert [x["rating"] for x in result["items"]] == sorted(
        (x["rating"] for x in result["items"]), reverse=True
    )
    reviews = pd.read_parquet(out / "reviews.parquet")
    rated = set(reviews.loc[reviews["user"] == "u3", "item"])
    code, stdout, _ = run(
        capsys, "recommend", "--model", out, "--user", "u3", "--top", "20", "--json"
    )
    items = {x["item"] for x in json.loads(stdout)["items"]}
    assert items and not items & rated
    assert items | rated == set(reviews["item"])


WHAT_IF = ["predict", "--model", "RUN", "--user", "u1", "--item", "i1", "--what-if", "ok"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["train", "--data", "DATA", "--out", "X", "--epochs", "0"], "--epochs must be at least 1"),
        (["train", "--data", "DATA", "--out", "X", "--beta", "2"], "--beta must be in [0, 1]"),
        (["train", "--data", "MISSING", "--out", "X"], "MISSING"),
        (["evaluate", "--model", "no/such/folder"], "no such model folder"),
        (["predict", "--model", "MISSING", "--user", "u", "--item", "i"], "MISSING"),
        (["recommend", "--model", "RUN", "--user", "u1", "--top", "0"], "--top must be at least 1"),
        ([*WHAT_IF, "--stars", "6"], "stars must lie in 1..5"),
        ([*WHAT_IF, "--stars", "1,2"], "1 reviews but 2 stars"),
    ],
)
def test_bad_input_exits_2_with_one_line(tiny_run, tmp_path, capsys, argv, needle):
    out, data = tiny_run
    names = {"DATA": str(data), "RUN": str(out), "MISSING": str(tmp_path / "missing")}
    code, _, err = run(capsys, *[names.get(a, a) for a in argv])
    assert code == 2
    assert names.get(needle, needle) in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


TRAIN = ["train", "--data", "x", "--out", "y"]


@pytest.mark.parametrize(
    "argv, flag, value",
    [
        (TRAIN, "--model", "nope"),
        (TRAIN, "--protocol", "later"),
        (WHAT_IF, "--what-if-side", "shop"),
    ],
)
def test_unknown_choice_is_an_argument_error(capsys, argv, flag, value):
    with pytest.raises(SystemExit) as exc:
        main([*argv, flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and flag in err


def test_rolling_bias_on_reviews_without_distinct_times_exits_2(tmp_path, capsys):
    from tests.helpers import tiny_frame, write_amazon

    frame = tiny_frame(300)
    frame["time"] = 1_400_000_000  # one day for every review: none is before another
    data = write_amazon(frame, tmp_path / "reviews.json")
    code, _, err = run(
        capsys, "train", "--data", data, "--out", tmp_path / "run", "--model", "rolling-bias"
    )
    assert code == 2 and "same time" in err
    assert [line for line in err.splitlines() if "error" in line] == [err.strip().splitlines()[-1]]
    assert "Traceback" not in err


def test_broken_run_folder_exits_2(tiny_run, tmp_path, capsys):
    import shutil

    out, _ = tiny_run
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "model.safetensors").write_bytes(b"not safetensors")
    code, _, err = run(capsys, "evaluate", "--model", broken)
    assert code == 2
    assert "model.safetensors" in err and len(err.strip().splitlines()) == 1


def test_train_on_a_review_file_records_the_warm_up_it_ran(tmp_path, capsys):
    from tests.helpers import tiny_frame, write_amazon

    data = write_amazon(tiny_frame(400), tmp_path / "reviews.json")
    argv = ["train", "--data", data, "--out", tmp_path / "run", "--epochs", "3", "--dim", "8"]
    code, _, err = run(capsys, *argv, "--warmup", "1", "--read-floor", "1.01", "--patience", "5")
    assert code == 0, err
    train = json.loads((tmp_path / "run" / "config.json").read_text())["train"]
    assert train["warmup"] == 2 and train["read_floor"] == 1.01  # the refit's: 1 + 1 extended
    assert "warm-up goes on" in err
