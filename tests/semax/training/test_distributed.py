"""Data-parallel training under torchrun: two CPU processes (gloo) against one process."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from semax.bundle.format import CACHE, FILES
from semax.cli import main
from semax.training import distributed
from tests.helpers import REPO  # noqa: E402

TRAIN_FLAGS = ["--dim", "8", "--epochs", "2", "--batch-size", "64", "--json"]


def test_every_rank_gets_the_same_number_of_batches_and_no_batch_twice():
    batches = [np.array([i]) for i in range(11)]
    shards = [distributed.Context(torch.device("cpu"), r, 3).shard(batches) for r in range(3)]
    assert [len(s) for s in shards] == [3, 3, 3]  # the uneven tail (2 batches) is dropped
    taken = sorted(int(b[0]) for s in shards for b in s)
    assert taken == list(range(9))
    ctx = distributed.Context(torch.device("cpu"), 1, 3)
    assert ctx.local_batch_size(128) == 42 and list(ctx.rows(np.arange(7))) == [1, 4]
    with pytest.raises(ValueError):
        ctx.local_batch_size(2)


def test_without_torchrun_the_context_is_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    ctx = distributed.start(torch.device("cpu"))
    assert not ctx.active and ctx.main and not ctx.owns_group
    batches = [np.arange(3), np.arange(2)]
    assert ctx.shard(batches) is batches
    assert list(ctx.all_sum([1.5, 2])) == [1.5, 2.0] and ctx.any(True) and not ctx.any(False)
    assert distributed.is_main() and distributed.world_size() == 1


def test_a_one_process_group_trains_the_same_model_through_ddp(tiny_data, monkeypatch, tmp_path):
    """The DDP path (wrapped step, sharding, all-reduced validation) in-process, with gloo."""
    from semax.models.semax import SEMAX, SemaxConfig
    from semax.training.loop import TrainConfig, fit

    def model():
        torch.manual_seed(0)
        dims = dict(d_factor=8, d_word=8, d_text=8, d_attn=8, d_hidden=8)
        n = dict(n_words=len(tiny_data.vocab), n_users=len(tiny_data.users))
        return SEMAX(SemaxConfig(**n, n_items=len(tiny_data.items), **dims))

    # No warm-up: DDP hands the layers a warm-up leaves unused zero gradients, where one process
    # leaves None, and Adam then counts steps for them that the one process does not.
    cfg = TrainConfig(epochs=2, batch_size=32, seed=1, device="cpu", warmup=0)
    plain = model()
    expected = fit(plain, tiny_data, cfg, progress=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    url = f"file://{tmp_path / 'store'}"  # a file store: no port to race for
    torch.distributed.init_process_group("gloo", init_method=url, rank=0, world_size=1)
    try:
        grouped = model()
        got = fit(grouped, tiny_data, cfg, progress=False)
        assert torch.distributed.is_initialized()  # a group the caller made is left alone
    finally:
        torch.distributed.destroy_process_group()
    assert [r["valid_rmse"] for r in got.history] == pytest.approx(
        [r["valid_rmse"] for r in expected.history], rel=1e-9
    )
    for (name, a), b in zip(plain.state_dict().items(), grouped.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(args: list[str], cwd, timeout: float = 180) -> subprocess.CompletedProcess:
    """`torchrun --nproc_per_node 2 ARGS` as the README writes it (static rendezvous on
    localhost, no --standalone), on a free port given through torchrun's own environment."""
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PET_MASTER_PORT": str(free_port()),
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A 2,000-review synthetic review file and its prepared folder."""
    from semax.data.dataset import DataConfig
    from semax.data.prepared import prepare_to_disk
    from semax.synthetic.generator import write_corpus

    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "corpus.json"
    write_corpus(path, n_reviews=2000, seed=0)
    prepare_to_disk(path, folder / "prepared", DataConfig(max_words=20))
    return path, folder / "prepared"


@pytest.fixture(scope="module")
def single(corpus, tmp_path_factory):
    """The one-process run on the review file (refit on: the default): its metrics."""
    out = tmp_path_factory.mktemp("single") / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(corpus[0]),
                "--out",
                str(out),
                "--max-words",
                "20",
                *TRAIN_FLAGS,
            ]
        )
        == 0
    )
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.parametrize(
    "source, rendezvous",
    [("review file", []), ("prepared folder", []), ("review file", ["--standalone"])],
)
def test_two_processes_refit_and_match_one_process_and_only_rank_0_writes(
    source, rendezvous, corpus, single, tmp_path
):
    data = corpus[0] if source == "review file" else corpus[1]
    workdir = tmp_path / "cwd"  # the ranks run here: nothing may appear in it
    workdir.mkdir()
    ddp = tmp_path / "ddp"
    args = ["-m", "semax", "train", "--data", str(data), "--out", str(ddp), "--device", "cpu"]
    proc = torchrun([*rendezvous, *args, "--max-words", "20", *TRAIN_FLAGS], workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]

    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1  # one JSON result: rank 0's
    assert proc.stderr.count("training semax on") == 1 and "on 2 processes" in proc.stderr
    assert proc.stderr.count("refit:") == 1  # the protocol's step 2 ran, on both sources
    assert sorted(p.name for p in ddp.iterdir()) == sorted([*FILES, CACHE])  # no checkpoint
    assert list(workdir.iterdir()) == []

    two = json.loads((ddp / "metrics.json").read_text())
    assert two["valid_rmse"] == pytest.approx(single["valid_rmse"], rel=0.02)
    assert two["rmse"] == pytest.approx(single["rmse"], rel=0.02)


@pytest.mark.parametrize("mode", ["fail", "stall"])
def test_a_failed_or_stalled_rank_ends_the_whole_run_with_one_line_naming_it(
    mode, corpus, tmp_path
):
    script = REPO / "tests" / "semax" / "training" / "rank_fault.py"
    semax_args = ["train", "--data", str(corpus[1]), "--out", str(tmp_path / "run")]
    semax_args += ["--device", "cpu", "--dist-timeout", "5", *TRAIN_FLAGS]
    start = time.monotonic()
    proc = torchrun([str(script), mode, "1", "3", "--", *semax_args], tmp_path, timeout=120)
    seconds = time.monotonic() - start
    assert proc.returncode != 0
    if mode == "fail":
        assert (
            "rank 1 of 2 stopped at epoch 1, step 3: RuntimeError: injected failure" in proc.stderr
        )
    else:  # rank 1 sleeps in its step; rank 0 gives up after --dist-timeout
        assert (
            "rank 0 of 2 stopped at epoch 1, step 3: no answer from the other ranks within "
            "--dist-timeout 5 s" in proc.stderr
        ), proc.stderr[-3000:]
    assert seconds < 90  # ended by the failure or the timeout, not by the test's own limit


def readme_scale_out_commands() -> list[str]:
    """The CPU commands of the README's "Scaling out" section, as written (optional `[...]`
    flags and comments dropped)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\[[^\]]*\]", "", line.split("#", 1)[0]).strip()
            if line.startswith("python -m semax") or ("torchrun" in line and "cpu" in line):
                commands.append(line)
    return commands


def test_the_readme_scale_out_commands_run_as_written(corpus, tmp_path):
    commands = readme_scale_out_commands()
    assert [c.split()[0] for c in commands] == [
        "python",
        "python",
        "OMP_NUM_THREADS=4",
        "OMP_NUM_THREADS=1",
    ]
    shutil.copy(corpus[0], tmp_path / "Books_5.json.gz")  # the README's file name (JSON lines)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    }
    env.pop("WORLD_SIZE", None)
    for command in commands:
        env["PET_MASTER_PORT"] = str(free_port())
        proc = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"{command}\n{proc.stderr[-3000:]}"
        if " train " in command:
            assert "refit:" in proc.stderr and "saved run/" in proc.stderr
            assert json.loads((tmp_path / "run" / "metrics.json").read_text())["n"] > 0


def test_two_processes_extend_the_warm_up_together(corpus, tmp_path):
    """The reading check of the warm-up's last epoch decides on every rank at once (no hang)."""
    out = tmp_path / "ddp"
    args = ["-m", "semax", "train", "--data", str(corpus[0]), "--out", str(out), "--device", "cpu"]
    args += ["--max-words", "20", "--dim", "8", "--batch-size", "64", "--epochs", "3"]
    proc = torchrun([*args, "--warmup", "1", "--read-floor", "1.01"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("warm-up goes on") == 1  # rank 0 says it, once
    assert json.loads((out / "config.json").read_text())["train"]["warmup"] == 2
