"""`python -m semax experiments`: argument checks and the flags taken from the configs (the grid
itself runs through the CLI in tests/semax/experiments/test_grid.py)."""

from __future__ import annotations

import pytest

from semax.cli import build_parser, main
from semax.cli.flags import config_values
from semax.data.dataset import DataConfig
from semax.training.loop import TrainConfig


def test_config_flags_default_to_the_dataclasses():
    args = build_parser().parse_args(["experiments", "--data", "d", "--out", "o"])
    assert TrainConfig(**config_values(args, TrainConfig)) == TrainConfig()
    assert DataConfig(**config_values(args, DataConfig)) == DataConfig()
    assert args.dim is None


@pytest.mark.parametrize("command", ["experiments", "train"])
def test_thread_flags_reach_the_training_config(command):
    argv = [command, "--data", "d", "--out", "o", "--threads", "2", "--encoder-threads", "1"]
    cfg = TrainConfig(**config_values(build_parser().parse_args(argv), TrainConfig))
    assert (cfg.threads, cfg.encoder_threads) == (2, 1)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--methods", "bias,nope"], "unknown methods ['nope']"),
        (["--ablations", "nope"], "unknown ablations ['nope']"),
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--betas", "0.5,2"], "--betas must lie in [0, 1]"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--max-words", "0"], "--max-words must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, message):
    base = ["experiments", "--data", str(tmp_path / "absent.json"), "--out", str(tmp_path / "r")]
    assert main([*base, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"semax experiments: error: {message}") and err.count("\n") == 1


def test_a_list_that_is_not_numbers_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["experiments", "--data", "d", "--out", "o", "--betas", "0.1,x"])
    assert exc.value.code == 2
    assert "not a comma-separated list of numbers" in capsys.readouterr().err


def test_a_prepared_folder_keeps_its_data_settings_and_the_refit(tmp_path, monkeypatch):
    import semax.experiments.grid as grid_module
    from semax.data.prepared import prepare_to_disk
    from tests.helpers import tiny_frame, write_amazon

    folder = tmp_path / "prepared"
    source = write_amazon(tiny_frame(300), tmp_path / "r.json")
    prepare_to_disk(source, folder, DataConfig(max_words=12, max_history=3, min_count=1))
    seen = {}

    class Grid:  # records what the real grid would be given, runs nothing
        def __init__(self, data, out, dataset, base, dims, refit, workers):
            seen.update(config=data.config, refit=refit, text="text" in data.reviews)

        def run(self, *args, **kwargs):
            return {"table3": []}

    monkeypatch.setattr(grid_module, "Grid", Grid)
    assert main(["experiments", "--data", str(folder), "--out", str(tmp_path / "grid")]) == 0
    assert (seen["config"].max_words, seen["config"].max_history, seen["config"].min_count) == (
        12,
        3,
        1,
    )
    assert seen["refit"] and seen["text"]  # the same protocol as a review file: refit on
