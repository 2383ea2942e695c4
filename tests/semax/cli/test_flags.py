"""Flags derived from the config dataclasses: a field becomes `--its-name` with its default, type,
choices and help; unset model flags leave the kind's own defaults; bad values exit 2."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from semax.cli import build_parser, main
from semax.cli.common import Parser
from semax.cli.flags import KIND_DEFAULT, add_flags, config_values, flag
from semax.data.dataset import DataConfig
from semax.errors import SemaxError
from semax.models import registry
from semax.models.semax import SemaxConfig
from semax.training.loop import TrainConfig


@dataclass
class Toy:
    max_words: int = field(default=60, metadata={"help": "words kept", "min": 1})
    rate: float = field(default=0.5, metadata={"min": 0, "max": 1})
    mode: str = field(default="fast", metadata={"help": "how", "choices": ("fast", "slow")})
    step: float = field(default=0.1, metadata={"positive": True})
    plain: int = 3
    on: bool = field(default=True, metadata={"help": "switch"})
    nameless: object = field(default_factory=list)


def toy_parser(**kwargs) -> Parser:
    p = Parser(prog="toy")
    add_flags(p, Toy, ["max_words", "rate", "mode", "step", "plain"], **kwargs)
    return p


def test_a_field_becomes_a_flag_with_its_default_type_choices_and_help():
    p = toy_parser()
    args = p.parse_args([])
    assert config_values(args, Toy) == {
        "max_words": 60,
        "rate": 0.5,
        "mode": "fast",
        "step": 0.1,
        "plain": 3,
    }
    args = p.parse_args(["--max-words", "7", "--rate", "1", "--mode", "slow"])
    assert (args.max_words, args.rate, args.mode) == (7, 1.0, "slow")
    assert isinstance(args.rate, float)
    text = " ".join(p.format_help().split())
    assert "--max-words MAX_WORDS words kept (default 60)" in text
    assert "--mode {fast,slow} how (default fast)" in text
    assert "--plain PLAIN default 3" in text
    assert flag("max_words") == "--max-words"


def test_unset_flags_default_to_none_and_are_left_out():
    p = toy_parser(unset="default: the caller's; here {default}")
    args = p.parse_args(["--rate", "0.25"])
    assert args.max_words is None
    assert config_values(args, Toy) == {"rate": 0.25}
    assert "(default: the caller's; here 60)" in " ".join(p.format_help().split())


def test_only_fields_with_a_default_become_flags():
    with pytest.raises(TypeError, match="Toy.nameless"):
        add_flags(Parser(), Toy, ["nameless"])


def test_a_bool_field_becomes_a_flag_pair():
    p = Parser(prog="toy")
    add_flags(p, Toy, ["on"])
    assert p.parse_args([]).on is True and p.parse_args(["--no-on"]).on is False
    assert "--on, --no-on switch (default True)" in " ".join(p.format_help().split())
    unset = Parser(prog="toy")
    add_flags(unset, Toy, ["on"], unset="default: the caller's")
    assert config_values(unset.parse_args([]), Toy) == {}
    assert config_values(unset.parse_args(["--no-on"]), Toy) == {"on": False}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--max-words", "0"], "--max-words must be at least 1"),
        (["--rate", "1.5"], "--rate must be in [0, 1]"),
        (["--step", "0"], "--step must be positive"),
    ],
)
def test_values_out_of_bounds_name_the_flag(argv, message):
    with pytest.raises(SemaxError) as exc:
        config_values(toy_parser().parse_args(argv), Toy)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "argv, message",
    [(["--max-words", "x"], "invalid int value: 'x'"), (["--mode", "odd"], "invalid choice")],
)
def test_unparsable_values_exit_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        toy_parser().parse_args(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and err.count("\n") == 1


def train_args(*argv: str):
    return build_parser().parse_args(["train", "--data", "d", "--out", "o", *argv])


def test_train_flags_default_to_the_config_dataclasses(capsys):
    args = train_args()
    assert TrainConfig(**config_values(args, TrainConfig)) == TrainConfig()
    assert DataConfig(**config_values(args, DataConfig)) == DataConfig()
    assert config_values(args, SemaxConfig) == {}  # unset: the kind's own defaults
    assert (args.max_words, args.max_history, args.dim) == (None, None, None)
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--beta BETA weight of the recommendation loss L1; 1 = SEMA" in text
    assert KIND_DEFAULT.format(default=SemaxConfig.beta) in text
    assert "--optimizer {adam,sgd}" in text and "(default 0.001)" in text


def test_an_unset_model_flag_leaves_the_kind_default(tiny_data):
    # the past bug: an unset --beta overrode SEMA's beta = 1 with SEMAX's 0.4
    args = train_args("--model", "sema", "--lam", "0.2")
    cfg = registry.config_for("sema", tiny_data, **config_values(args, SemaxConfig))
    assert (cfg.beta, cfg.lam, cfg.dropout) == (1.0, 0.2, SemaxConfig.dropout)
    notext = registry.config_for(
        "semax-notext", tiny_data, **config_values(train_args(), SemaxConfig)
    )
    assert (notext.beta, notext.use_text) == (1.0, False)
    given = config_values(train_args("--model", "sema", "--beta", "0.3"), SemaxConfig)
    assert registry.config_for("sema", tiny_data, **given).beta == 0.3


def test_train_takes_the_separate_encoder_and_the_rating_error_as_flags(tiny_data):
    default = registry.config_for("semax", tiny_data, **config_values(train_args(), SemaxConfig))
    separate = config_values(train_args("--no-share-encoder"), SemaxConfig)
    assert default.share_encoder is True and separate == {"share_encoder": False}
    assert registry.config_for("semax", tiny_data, **separate).share_encoder is False
    absolute = config_values(train_args("--rating-error", "absolute"), SemaxConfig)
    assert registry.config_for("semax", tiny_data, **absolute).rating_error == "absolute"


BAD_TRAIN_VALUES = {
    "--patience": ("0", "must be at least 1"),
    "--batch-size": ("0", "must be at least 1"),
    "--max-history": ("0", "must be at least 1"),
    "--lr": ("0", "must be positive"),
    "--beta": ("-0.1", "must be in [0, 1]"),
}


@pytest.mark.parametrize("name", list(BAD_TRAIN_VALUES))
def test_bad_train_values_exit_2_with_one_line(tmp_path, capsys, name):
    value, problem = BAD_TRAIN_VALUES[name]
    argv = ["train", "--data", str(tmp_path / "absent.json"), "--out", str(tmp_path), name, value]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"semax train: error: {name} {problem}\n"
