"""studio.background: a job in a thread with progress, cancel and a one-line error."""

from __future__ import annotations

import platform
import sys
import time

import pytest

from studio.background import Job, progress_callback


def test_job_reports_result_error_and_cancel():
    ok = Job("ok", lambda job: 42).start()
    assert ok.wait(10) and ok.status == "done" and ok.result == 42 and ok.progress == 1.0
    bad = Job("bad", lambda job: 1 / 0).start()
    assert bad.wait(10) and bad.status == "error" and "ZeroDivisionError" in bad.error

    def slow(job):
        while not job.cancelled:
            time.sleep(0.01)

    slow_job = Job("slow", slow).start()
    assert slow_job.running
    slow_job.cancel()
    assert slow_job.wait(10) and slow_job.status == "cancelled"


def test_a_result_is_taken_once_and_only_when_done():
    job = Job("ok", lambda job: "bundle")
    assert job.take() is None  # not started
    job.start().wait(10)
    assert job.take() == "bundle" and job.take() is None


def test_progress_callback_feeds_steps_epochs_and_progress():
    job = Job("train", lambda job: None)
    callback = progress_callback(job, epochs=2, offset=0.5, share=0.5, label="β = 0.2: ")
    step = {"event": "step", "epoch": 1, "step": 5, "steps": 10, "loss": 0.25}
    assert callback(step) is False
    assert job.steps == [{"step": 1, "loss": 0.25, "epoch": 2}]
    assert job.progress == 0.5 + 0.5 * 0.75 and job.message.startswith("β = 0.2: epoch 2/2")
    callback({"event": "epoch", "epoch": 1, "valid_rmse": 1.0})
    assert job.epochs == [{"event": "epoch", "epoch": 1, "valid_rmse": 1.0, "step": 1}]
    job.cancel()
    assert callback(step) is True


def test_a_finished_job_releases_the_memory_it_freed(monkeypatch):
    import studio.background as background

    calls = []
    monkeypatch.setattr(background, "release_memory", lambda: calls.append(1) or True)
    job = Job("t", lambda j: [bytearray(1024) for _ in range(1000)] and 1).start()
    job.wait(10)
    assert job.status == "done" and calls == [1]
    failed = Job("t", lambda j: 1 / 0).start()
    failed.wait(10)
    assert failed.status == "error" and calls == [1, 1]


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's"
)
def test_memory_a_thread_freed_goes_back_to_the_system():
    import threading

    from studio.background import release_memory

    def work():
        blocks = [bytearray(200) for _ in range(200_000)]  # small blocks: the thread's arena
        del blocks

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert release_memory() is True
