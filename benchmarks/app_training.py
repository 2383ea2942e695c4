"""The training session of benchmarks/app_load.py: one browser tab that trains, again and again,
the way a person does it in a browser.

It opens the Model page at its training tab's address (`/model?tab=Train a small model now`: the page
runs only its open tab), picks "Local path", types a review file's path (inside the data root)
and the epochs, and presses Train; then it polls the live panel as the browser does (the
fragment's `run_every` rerun) until the page shows how the training ended, and presses Train
again at once, so that a training runs for the whole measurement. A training that does not
start, ends in an error or is cancelled, a page exception and a dropped connection each end the
session with one line in `failure`.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from app_client import FINISHED, Run, Session  # beside this file

from studio.browser import AppServer
from studio.navigation import TRAIN_TAB

STEP = re.compile(r"epoch (\d+)/\d+, step (\d+)/(\d+)")  # the live panel's progress text
ENDED = {"Finished": "finished", "Cancelled": "cancelled", "Failed": "failed"}  # jobs.panel


@dataclass
class Training:
    """One training, as its session saw it."""

    started: float  # time.monotonic() when the page showed it running (the live panel)
    ended: float | None = None  # when the page showed how it ended (None: still running)
    state: str = "running"  # finished, failed, cancelled
    message: str = ""  # the page's line about how it ended
    polls: int = 0  # live-panel reruns
    progress_polls: int = 0  # of them, those whose progress bar named a step
    steps: int = 0  # the furthest step seen (over all epochs)
    last_progress: str = ""

    def summary(self, t0: float) -> dict:
        return {
            "started_s": round(self.started - t0, 1),
            "seconds": round(self.ended - self.started, 1) if self.ended else None,
            "state": self.state,
            "polls": self.polls,
            "progress_polls": self.progress_polls,
            "steps_seen": self.steps,
            "last_progress": self.last_progress,
            "message": self.message,
        }


class Trainer(threading.Thread):
    """A session that trains on `path` (relative to the data root) for `epochs` until `stop` is
    set. `ready` is set once the live panel shows the first training stepping (or it ended, or
    the session has failed); `completed` once a training has finished."""

    def __init__(self, server: AppServer, path: str, epochs: int):
        super().__init__(name="trainer", daemon=True)
        self.server, self.path, self.epochs = server, path, epochs
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.completed = threading.Event()
        self.trainings: list[Training] = []
        self.failure: str | None = None  # why this session stopped before `stop`, one line

    def fail(self, why: str) -> None:
        self.failure = self.failure or why
        self.ready.set()

    @staticmethod
    def _checked(run: Run, doing: str) -> Run:
        if run.exceptions():
            raise PageError(f"an exception on the Model page while {doing}: {run.exceptions()[0]}")
        return run

    def _fill(self, session: Session) -> Run:
        """Open the training tab at its address and fill in the form, as clicks and typing do."""
        run = self._checked(session.run(), "opening it")
        if not run.has("train.where"):
            raise PageError(f"the training tab did not open at ?tab={TRAIN_TAB}")
        where = run.widget("train.where")[0]
        run = self._checked(session.run([(where.id, "string_value", "Local path")]), "choosing")
        epochs = run.widget("train.epochs")[0]
        typed = [
            (run.widget("train.path")[0].id, "string_value", self.path),
            (epochs.id, "int_value" if epochs.data_type == 0 else "double_value", self.epochs),
        ]
        return self._checked(session.run(typed), "typing the path")

    def _train(self, session: Session, page: Run) -> Run:
        """Press Train on `page`, poll until the training ends (or `stop`); the last full run."""
        n = len(self.trainings) + 1
        click = session.run([(page.widget("train.go")[0].id, "trigger_value", True)])
        self._checked(click, f"starting training {n}")
        if click.auto_rerun is None:  # no live panel: no training runs
            said = "; ".join(click.alerts()) or "nothing"
            raise PageError(
                f"{'no training started' if n == 1 else f'training {n} did not start'} "
                f"(the page said: {said})"
            )
        training = Training(time.monotonic())
        self.trainings.append(training)
        interval, fragment = click.auto_rerun
        while not self.stop.wait(interval):
            run = self._checked(session.run(fragment=fragment, auto=True), f"training {n}")
            training.polls += 1
            bar = run.progress()
            if bar is not None and (step := STEP.search(bar[1])):
                epoch, at, steps = (int(g) for g in step.groups())
                training.progress_polls += 1
                training.steps = max(training.steps, (epoch - 1) * steps + at)
                training.last_progress = bar[1]
                self.ready.set()  # the live panel shows the training stepping
            if run.status == FINISHED:  # the panel reran the page: the training is over
                self.ready.set()
                self._ended(training, run, n)
                return run
        return click

    def _ended(self, training: Training, run: Run, n: int) -> None:
        training.ended = time.monotonic()
        said = [a for a in run.alerts() if a.startswith(tuple(ENDED))]
        if not said:
            raise PageError(f"training {n} ended, but the page did not say how ({run.alerts()})")
        training.message = said[-1]
        training.state = ENDED[said[-1].split()[0].rstrip(":")]
        if training.state == "failed":
            raise PageError(f"training {n} ended in an error: {said[-1]}")
        if training.state == "cancelled":
            raise PageError(f"training {n} was cancelled, not by its session: {said[-1]}")
        self.completed.set()

    def run(self) -> None:
        session = None
        try:
            session = Session(self.server, "model", query={"tab": TRAIN_TAB})  # /model?tab=...
            page = self._fill(session)
            while not self.stop.is_set():
                page = self._train(session, page)
                if not self.stop.is_set() and not page.has("train.go"):
                    page = self._fill(session)
        except PageError as exc:
            self.fail(str(exc))
        except Exception as exc:  # a dropped connection, a run that never finished
            self.fail(f"the training session's connection failed: {type(exc).__name__}: {exc}")
        finally:
            if session is not None:
                session.close()
            self.ready.set()

    def running_share(self, start: float, end: float) -> float:
        """The share of [start, end] (time.monotonic()) in which a training ran."""
        covered = sum(
            max(0.0, min(t.ended or end, end) - max(t.started, start)) for t in self.trainings
        )
        return round(covered / (end - start), 3) if end > start else float("nan")


class PageError(Exception):
    """The page did not do what a person expects; its message is the reason, one line."""
