"""benchmarks/protocol_scoring.py, run as people run it, on the tests' tiny bundle: both protocols
score the test ratings, the weights stay the same and the histories differ. No time is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import REPO

SCRIPT = REPO / "benchmarks" / "protocol_scoring.py"


def test_both_protocols_score_with_the_same_weights(tiny_run):
    out, _ = tiny_run
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", str(out), "--rows", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["failures"] == [] and report["weights_unchanged"] is True
    assert report["online"]["rows"] == report["frozen"]["rows"] == 30
    assert report["online"]["rmse"] != report["frozen"]["rmse"]  # the histories differ
    assert set(report["online_over_frozen"]) == {"prepare_s", "score_s", "total_s"}
