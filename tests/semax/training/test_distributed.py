"""Data-parallel training under torchrun: two CPU processes (gloo) against one process."""

import json
import os
import subprocess
import sys

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

    cfg = TrainConfig(epochs=2, batch_size=32, seed=1, device="cpu")
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


def test_two_processes_match_one_process_and_only_rank_0_writes(tmp_path):
    from semax.data.dataset import DataConfig
    from semax.data.prepared import prepare_to_disk
    from semax.synthetic.generator import write_corpus

    corpus = tmp_path / "corpus.json"
    write_corpus(corpus, n_reviews=2000, seed=0)
    prepared = tmp_path / "prepared"
    prepare_to_disk(corpus, prepared, DataConfig(max_words=20))

    single = tmp_path / "single"
    assert (
        main(
            [
                "train",
                "--data",
                str(corpus),
                "--out",
                str(single),
                "--max-words",
                "20",
                *TRAIN_FLAGS,
            ]
        )
        == 0
    )

    workdir = tmp_path / "cwd"  # the ranks run here: nothing may appear in it
    workdir.mkdir()
    ddp = tmp_path / "ddp"
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    cmd += ["--standalone", "-m", "semax", "train"]  # torchrun picks a free port itself
    cmd += ["--data", str(prepared), "--out", str(ddp), "--device", "cpu", *TRAIN_FLAGS]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]

    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1  # one JSON result: rank 0's
    assert proc.stderr.count("training semax on") == 1 and "on 2 processes" in proc.stderr
    assert sorted(p.name for p in ddp.iterdir()) == sorted(
        [*FILES, CACHE]
    )  # no checkpoint, no per-rank file
    assert list(workdir.iterdir()) == []

    one = json.loads((single / "metrics.json").read_text())
    two = json.loads((ddp / "metrics.json").read_text())
    assert len(two["history"]) == 2
    assert two["valid_rmse"] == pytest.approx(one["valid_rmse"], rel=0.02)
