"""benchmarks/app_load.py, run as people run it (its own process, its own `streamlit run`) for a
few seconds on the tests' tiny bundle: a training really runs while the Predictor sessions type,
and a broken training makes the harness fail with its reason. No time is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow  # each test starts the harness and its own server

SCRIPT = REPO / "benchmarks" / "app_load.py"

# Put on PYTHONPATH, it breaks every training of the processes started with it (the harness
# and its server): the first step is taken and reported, a second later the training raises.
BROKEN_TRAINING = """
import time
import semax.training.pipeline as pipeline

_train = pipeline.train


def train(*args, callback=None, **kw):
    def broken(event):
        stop = callback(event) if callback else False
        if event["event"] == "step":
            time.sleep(1.0)
            raise RuntimeError("training broken on purpose by the test")
        return stop

    return _train(*args, callback=broken, **kw)


pipeline.train = train
"""


def harness(bundle, *args: str, pythonpath: str = "") -> tuple[int, dict, str]:
    """(exit status, the JSON it printed, its stderr)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, str(REPO)) if p)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", str(bundle), "--texts", "3", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.stdout.lstrip().startswith("{"), proc.stderr[-3000:]
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_a_training_runs_throughout_while_the_predictor_sessions_type(app_bundle):
    # 20 epochs: each training on the tiny bundle's reviews lasts over a poll (1 s)
    code, out, err = harness(app_bundle, "--clients", "2", "--seconds", "5", "--epochs", "20")
    assert code == 0, err[-3000:]
    assert "FAILED" not in err and out["failures"] == []
    s = out["summary"]
    assert s["errors"] == 0 and not out["errors"]
    # the training tab opened at its address, Train was pressed, and the live panel moved on
    assert s["trainings_started"] >= 1 and s["trainings_failed"] == 0
    assert s["panel_polls"] > 0 and s["steps_seen"] > 0, out["trainings"]
    seen = [t for t in out["trainings"] if t["progress_polls"] > 0]
    assert seen and seen[0]["last_progress"].startswith("epoch ")
    assert "/20, step " in seen[0]["last_progress"]  # the typed epochs (--epochs 20) were used
    assert 0 < s["training_running_share"] <= 1
    # every answer under load is the one before the load, and the bundle's own
    p = out["predictions"]
    assert s["answers"] == p["answers"] == p["same_as_before"] == p["same_as_here"] > 0
    assert out["idle_same_as_here"] == out["texts"] == 3
    # the server's memory, measured (not compared: a few seconds say nothing about growth);
    # the warm-up ends once a training has finished (the first may outlast these seconds)
    rss = out["server_rss_mb"]
    assert out["server_rss_mb_idle"] > 50 and rss["end"] > 50 and rss["max"] >= rss["end"]
    if s["trainings_completed"] == 0:
        assert rss["after_warmup"] is None and s["server_rss_end_over_warmup"] is None
    else:
        assert rss["after_warmup"] > 50 and rss["warmup_ended_s"] >= 0.5  # --seconds / 10
        ratio = s["server_rss_end_over_warmup"]
        assert ratio == pytest.approx(rss["end"] / rss["after_warmup"], 1e-2)
    assert "goal_update_p95_ms" in s and "target_errors" not in s


def test_a_training_file_that_cannot_train_fails_the_harness(app_bundle, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    code, out, err = harness(app_bundle, "--clients", "1", "--train-file", str(empty))
    assert code == 1
    reason = err.strip().splitlines()[-1]
    assert reason.startswith("app_load: FAILED: no training started (the page said: ")
    assert "empty.json" in reason and "no reviews" in reason
    assert out["summary"]["trainings_started"] == 0 and "update_ms" not in out  # no load ran


def test_a_training_that_ends_in_an_error_fails_the_harness(app_bundle, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BROKEN_TRAINING)
    seconds = 30
    code, out, err = harness(
        app_bundle, "--clients", "1", "--seconds", str(seconds), pythonpath=str(tmp_path)
    )
    assert code == 1
    reason = err.strip().splitlines()[-1]
    assert reason.startswith("app_load: FAILED: training 1 ended in an error: Failed: ")
    assert "training broken on purpose by the test" in reason
    assert out["summary"]["trainings_started"] == 1 and out["summary"]["trainings_failed"] == 1
    assert out["trainings"][0]["state"] == "failed"
    assert out["load_seconds"] < seconds  # the failed training ended the load early
