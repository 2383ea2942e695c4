"""Bounded work on a shared server: at most one training job (a small training, a live β sweep,
a baseline) per session and `max_jobs()` per server, and a job whose session has closed is
cancelled. No streamlit here: `studio.jobs` says whether a session is still there (Streamlit's
runtime knows which sessions have a browser connected) and shows the busy message.

`SEMAX_STUDIO_MAX_JOBS` sets the server's limit (default 2). A session without a connected
browser for `SEMAX_STUDIO_ORPHAN_S` seconds (default 30: a reload or a brief network drop
reconnects well within it) has its job cancelled; a watcher thread checks every second while
any job runs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from semax.errors import SemaxError
from studio.background import Job

MAX_JOBS_ENV, ORPHAN_ENV = "SEMAX_STUDIO_MAX_JOBS", "SEMAX_STUDIO_ORPHAN_S"
DEFAULT_MAX_JOBS, DEFAULT_ORPHAN_S = 2, 30.0
LOG = logging.getLogger(__name__)


def max_jobs() -> int:
    """Training jobs the server runs at once."""
    return max(1, int(os.environ.get(MAX_JOBS_ENV) or DEFAULT_MAX_JOBS))


def orphan_seconds() -> float:
    """How long a job outlives its session's last connected browser."""
    return float(os.environ.get(ORPHAN_ENV) or DEFAULT_ORPHAN_S)


class Busy(SemaxError):
    """No training slot is free: this session's, or the server's."""


class Slots:
    """The running training jobs of this server, one per session at most. `alive(session)`
    says whether a session is still connected (always, by default)."""

    def __init__(self, alive: Callable[[str], bool] | None = None, poll_s: float = 1.0):
        self.alive = alive or (lambda session: True)
        self.poll_s = poll_s
        self._jobs: dict[str, Job] = {}
        self._gone: dict[str, float] = {}  # session -> when it was first seen gone
        self._lock = threading.RLock()
        self._watcher: threading.Thread | None = None

    def running(self) -> dict[str, Job]:
        """{session: its job} of the jobs still running (finished ones free their slot)."""
        with self._lock:
            self._jobs = {s: j for s, j in self._jobs.items() if j.running}
            return dict(self._jobs)

    def check(self, session: str) -> None:
        """Raise `Busy` with the reason when `session` may not start a job now."""
        jobs = self.running()
        if session in jobs:
            raise Busy(
                f"This session is already running a training job ({jobs[session].name}); "
                "wait for it to finish or cancel it."
            )
        if len(jobs) >= max_jobs():
            raise Busy(
                f"The server is busy: {len(jobs)} training job(s) running, its limit "
                f"({MAX_JOBS_ENV}={max_jobs()}); try again when one has finished."
            )

    def admit(self, session: str, job: Job) -> None:
        """Take a slot for `job` of `session` (before it starts), or raise `Busy`."""
        with self._lock:  # check and take at once: two sessions cannot take the last slot
            self.check(session)
            self._jobs[session] = job
            self._gone.pop(session, None)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="semax-slots")
                self._watcher.daemon = True
                self._watcher.start()

    def sweep(self, now: float | None = None) -> list[Job]:
        """Cancel the jobs whose session has been gone for `orphan_seconds()`; returns them."""
        now = time.monotonic() if now is None else now
        cancelled = []
        for session, job in self.running().items():
            if self.alive(session):
                self._gone.pop(session, None)
                continue
            since = self._gone.setdefault(session, now)
            if now - since >= orphan_seconds() and not job.cancelled:
                job.cancel()
                cancelled.append(job)
                LOG.warning("cancelled the %s job of a closed session (%s)", job.name, session)
        return cancelled

    def _watch(self) -> None:
        while True:
            time.sleep(self.poll_s)
            self.sweep()
            with self._lock:
                if not any(j.running for j in self._jobs.values()):
                    self._watcher = None
                    return
