"""A background job: a function run in a daemon thread with progress, a live loss curve and a
cancel flag (no streamlit here; `studio.jobs` keeps jobs in the session and draws them)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from semax.errors import SemaxError


class Job:
    """`target(job)` run in a daemon thread. The target reports through `job.report(...)`,
    appends to `job.steps` (loss curve points), `job.epochs` and `job.rows`, and checks
    `job.cancelled`; its return value becomes `job.result`. States: pending, running, done,
    cancelled, error (with a one-line `job.error`)."""

    def __init__(self, name: str, target: Callable[[Job], Any]):
        self.name = name
        self.target = target
        self.status = "pending"
        self.progress = 0.0
        self.message = ""
        self.steps: list[dict] = []
        self.epochs: list[dict] = []
        self.rows: list[dict] = []
        self.result: Any = None
        self.error: str | None = None
        self.taken = False  # the result has been used (a trained model adopted)
        self.started = self.finished = 0.0
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Job:
        self.status, self.started = "running", time.time()
        self._thread = threading.Thread(target=self._run, name=f"semax-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self.target(self)
            self.status = "cancelled" if self.cancelled else "done"
            if self.status == "done":
                self.progress = 1.0
        except SemaxError as exc:
            self.error, self.status = str(exc), "error"
        except Exception as exc:  # shown in the app as one line; the thread must not die silently
            self.error, self.status = f"{type(exc).__name__}: {exc}", "error"
        finally:
            self.finished = time.time()
            release_memory()

    def report(self, progress: float | None = None, message: str | None = None) -> None:
        if progress is not None:
            self.progress = float(min(max(progress, 0.0), 1.0))
        if message is not None:
            self.message = message

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.status in ("pending", "running")

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started if self.started else 0.0

    def take(self) -> Any:
        """The result of a finished job, once (None before it is done, and after the first take)."""
        if self.status != "done" or self.taken:
            return None
        self.taken = True
        return self.result


def release_memory() -> bool:
    """Collect garbage and hand the C heap's free pages back to the system (glibc's
    `malloc_trim`): a training's batches are freed by a worker thread whose malloc arena keeps
    them otherwise, and the server's memory climbed by a tenth over the first trainings of a
    soak (`benchmarks/app_load.py`). True when the heap was trimmed (glibc only)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return bool(libc is not None and libc.malloc_trim(0))
    except (OSError, AttributeError):  # no libc, or not glibc (musl, macOS, Windows)
        return False


def progress_callback(
    job: Job, epochs: int, offset: float = 0.0, share: float = 1.0, label: str = ""
) -> Callable[[dict], bool]:
    """A training-pipeline callback feeding `job`: loss points, epoch rows and progress (this run
    covers `share` of the job from `offset`); returns True to cancel."""
    counter = {"n": len(job.steps)}

    def callback(event: dict) -> bool:
        if event["event"] == "step":
            counter["n"] += 1
            job.steps.append(
                {"step": counter["n"], "loss": event["loss"], "epoch": event["epoch"] + 1}
            )
            done = (event["epoch"] + event["step"] / max(event["steps"], 1)) / max(epochs, 1)
            job.report(
                offset + share * done,
                f"{label}epoch {event['epoch'] + 1}/{epochs}, step {event['step']}/{event['steps']}, "
                f"loss {event['loss']:.4f}",
            )
        else:
            job.epochs.append({**event, "step": counter["n"]})
        return job.cancelled

    return callback
