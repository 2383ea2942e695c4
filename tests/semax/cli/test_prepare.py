"""`python -m semax prepare`: its flags are DataConfig's fields (the run itself is tested with
the prepared format in tests/semax/data/test_prepared.py)."""

from __future__ import annotations

import pytest

from semax.cli import build_parser, main
from semax.cli.flags import config_values
from semax.data.dataset import DataConfig


def test_prepare_flags_default_to_data_config():
    args = build_parser().parse_args(["prepare", "--data", "d", "--out", "o"])
    assert DataConfig(**config_values(args, DataConfig)) == DataConfig()
    args = build_parser().parse_args(["prepare", "--data", "d", "--out", "o", "--min-count", "2"])
    assert config_values(args, DataConfig)["min_count"] == 2


@pytest.mark.parametrize("name", ["--max-words", "--max-history", "--min-count"])
def test_values_below_one_exit_2_with_one_line(tmp_path, capsys, name):
    argv = ["prepare", "--data", str(tmp_path / "absent.json"), "--out", str(tmp_path / "p")]
    assert main([*argv, name, "0"]) == 2
    assert capsys.readouterr().err == f"semax prepare: error: {name} must be at least 1\n"
    assert not (tmp_path / "p").exists()
