"""studio.limits: one training job per session, a limit per server, and a closed session's job
cancelled."""

from __future__ import annotations

import threading

import pytest

from studio.background import Job
from studio.limits import MAX_JOBS_ENV, ORPHAN_ENV, Busy, Slots, max_jobs, orphan_seconds


def endless(name: str = "train") -> Job:
    """A job that runs until it is cancelled (a training checks `cancelled` at every step)."""

    def target(job: Job):
        while not job.cancelled:
            job._cancel.wait(0.01)
        return None

    return Job(name, target)


@pytest.fixture
def stop_all():
    started: list[Job] = []
    yield started
    for job in started:
        job.cancel()
        job.wait(10)


def run(slots: Slots, session: str, started: list[Job], name: str = "train") -> Job:
    job = endless(name)
    slots.admit(session, job)
    started.append(job.start())
    return job


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(MAX_JOBS_ENV, raising=False)
    monkeypatch.delenv(ORPHAN_ENV, raising=False)
    assert max_jobs() == 2 and orphan_seconds() == 30.0
    monkeypatch.setenv(MAX_JOBS_ENV, "5")
    monkeypatch.setenv(ORPHAN_ENV, "1.5")
    assert max_jobs() == 5 and orphan_seconds() == 1.5
    monkeypatch.setenv(MAX_JOBS_ENV, "0")
    assert max_jobs() == 1


def test_one_job_per_session_and_the_servers_limit(monkeypatch, stop_all):
    monkeypatch.setenv(MAX_JOBS_ENV, "2")
    slots = Slots()
    first = run(slots, "a", stop_all)
    with pytest.raises(Busy, match=r"This session is already running a training job \(train\)"):
        slots.admit("a", endless("sweep"))
    run(slots, "b", stop_all, "sweep")
    with pytest.raises(
        Busy, match=rf"The server is busy: 2 training job\(s\) running.*{MAX_JOBS_ENV}=2"
    ):
        slots.check("c")
    first.cancel()
    assert first.wait(10)
    run(slots, "c", stop_all)  # a finished job frees its slot
    assert set(slots.running()) == {"b", "c"}


def test_two_sessions_cannot_both_take_the_last_slot(monkeypatch, stop_all):
    monkeypatch.setenv(MAX_JOBS_ENV, "1")
    slots = Slots()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def take(i: int) -> None:
        job = endless()
        barrier.wait()
        try:
            slots.admit(f"s{i}", job)
            stop_all.append(job.start())
            outcomes.append("ok")
        except Busy:
            outcomes.append("busy")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["busy"] * 7 + ["ok"]


def test_a_closed_sessions_job_is_cancelled_after_the_grace(monkeypatch, stop_all):
    monkeypatch.setenv(ORPHAN_ENV, "5")
    connected = {"a": True, "b": True}
    slots = Slots(alive=lambda s: connected[s], poll_s=3600)  # sweep by hand
    a, b = run(slots, "a", stop_all), run(slots, "b", stop_all)
    connected["a"] = False
    assert slots.sweep(now=100.0) == []  # gone, but not for long yet
    assert slots.sweep(now=104.0) == []
    connected["a"] = True  # a reload reconnects in time: the clock starts again
    assert slots.sweep(now=106.0) == []
    connected["a"] = False
    assert slots.sweep(now=107.0) == [] and slots.sweep(now=112.0) == [a]
    assert a.wait(10) and a.status == "cancelled" and b.running
    assert set(slots.running()) == {"b"}


def test_the_watcher_stops_a_closed_sessions_job_by_itself(monkeypatch, stop_all):
    monkeypatch.setenv(ORPHAN_ENV, "0")
    connected = {"a": True}
    slots = Slots(alive=lambda s: connected[s], poll_s=0.02)
    job = run(slots, "a", stop_all)
    assert not job.wait(0.2)  # connected: it runs on
    connected["a"] = False  # the browser closed
    assert job.wait(10) and job.status == "cancelled"
