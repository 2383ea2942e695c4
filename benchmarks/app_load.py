"""The app under load, on loopback: prints JSON.

    python benchmarks/app_load.py [--model assets/semax-demo] [--clients 8] [--seconds 60]

`streamlit run` serves the app on 127.0.0.1. Websocket clients speak Streamlit's own protocol
(the protobuf BackMsg / ForwardMsg a browser sends and receives on /_stcore/stream), without a
browser, so that eight of them fit on a small machine:

- one session trains: it opens the Model page, picks "Local path", types a review file (the
  model's own reviews, written into the data root) and presses Train, then polls the live panel
  every second as a browser does (the fragment's auto-rerun); when a training finishes it starts
  another, so that training runs for the whole measurement;
- `--clients` sessions use the Predictor for `--seconds`: each types what-if reviews, one after
  another, into the what-if text area (a fragment rerun, as typing in a browser sends).

Reported: `errors` (target 0: an exception on the page, a run that did not finish, a dropped
connection, a wrong answer), `update_ms` (p50 / p95 / max from sending the typed text to the end of
the fragment's rerun: the server's part of what a person waits for; a browser adds its drawing),
`idle_update_ms` (the same, one client alone, before the load), `training` (trainings started,
their states), and `predictions`: every answer under load (r̂_y and r̂_uv before -> after, to
the four decimals the page shows) compared with the same text's answer before the load, and with
the same numbers computed here from the bundle. Identical answers mean the shared cached model
(one `st.cache_resource` entry for every session) predicts exactly as before while another
session trains. Times depend on the machine and its load (`load_average`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.browser import AppServer  # noqa: E402

WHAT_IF = "pred.whatif"  # the what-if text area's key (pages/predictor.py)
R_Y, R_UV = "r̂_y = ", "before "  # the captions that show the answers
FINISHED_OK = (0, 3)  # ScriptFinishedStatus: FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_...


@dataclass
class Run:
    """What one script (or fragment) run sent back."""

    seconds: float
    status: int | None  # ScriptFinishedStatus, None when the run did not finish
    elements: list = field(default_factory=list)  # (kind, element proto, fragment id)
    auto_rerun: tuple[float, str] | None = None  # (interval, fragment id) to poll

    def widget(self, key: str):
        """(element, fragment id) of the widget with `key`."""
        for kind, el, fragment in self.elements:
            if getattr(getattr(el, kind), "id", "").endswith(f"-{key}"):
                return getattr(el, kind), fragment
        raise KeyError(key)

    def texts(self) -> list[str]:
        return [el.markdown.body for kind, el, _ in self.elements if kind == "markdown"]

    def alerts(self) -> list[str]:
        return [el.alert.body for kind, el, _ in self.elements if kind == "alert"]

    def exceptions(self) -> list[str]:
        return [el.exception.message for kind, el, _ in self.elements if kind == "exception"]

    def caption(self, prefix: str) -> str | None:
        return next((t for t in self.texts() if t.startswith(prefix)), None)


class Session:
    """One browser session, spoken to over Streamlit's websocket."""

    def __init__(self, server: AppServer):
        from websockets.sync.client import connect

        url = server.url.replace("http://", "ws://") + "/_stcore/stream"
        self._open = contextlib.ExitStack()
        self.ws = self._open.enter_context(
            connect(url, subprotocols=["streamlit"], origin=server.url, max_size=None)
        )

    def run(self, page: str = "", widgets=(), fragment: str = "", timeout: float = 120) -> Run:
        """Rerun the script (or one fragment) with `widgets`: (widget id, field, value)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.page_name, state.fragment_id = page, fragment
        for wid, name, value in widgets:
            w = state.widget_states.widgets.add()
            w.id = wid
            setattr(w, name, value)
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        run = Run(0.0, None)
        deadline = t0 + timeout
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=max(deadline - time.perf_counter(), 0.01)))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                run.elements.append((el.WhichOneof("type"), el, fm.delta.fragment_id))
            elif kind == "auto_rerun":
                run.auto_rerun = (fm.auto_rerun.interval, fm.auto_rerun.fragment_id)
            elif kind == "script_finished":
                if fm.script_finished == 2:  # FINISHED_EARLY_FOR_RERUN: the rerun follows
                    continue
                run.status, run.seconds = fm.script_finished, time.perf_counter() - t0
                return run

    def close(self) -> None:
        self._open.close()


def reference(model: Path, n_texts: int) -> dict:
    """What-if texts from the model's own reviews, and their answers computed here."""
    from semax.bundle import hub
    from semax.inference import Recommender

    bundle = hub.load(model)
    rec = Recommender.from_bundle(bundle)
    user, item = rec.user_names[0], rec.item_names[0]  # the Predictor's default pick
    texts = bundle.data.reviews["text"].drop_duplicates().sample(n_texts, random_state=0)
    before = rec.predict(user, item)
    answers = {}
    for text in texts.tolist():
        r_y = rec.rate_text(user, item, text).raw
        after = rec.predict(user, item, extra_user_reviews=[text]).raw
        answers[text] = (f"{R_Y}{r_y:.4f}", f"{R_UV}{before.raw:.4f} → after {after:.4f}")
    return {"bundle": bundle, "user": user, "item": item, "answers": answers}


def shown(run: Run) -> tuple[str, str]:
    """The r̂_y and r̂_uv answers a run shows (their captions, cut at the number)."""
    r_y, r_uv = run.caption(R_Y) or "", run.caption(R_UV) or ""
    return r_y.split(" before")[0], r_uv.split(" (before")[0]


class Predictor:
    """A session on the Predictor that types what-if reviews."""

    def __init__(self, server: AppServer):
        self.session = Session(server)
        first = self.session.run(page="predictor")
        area, self.fragment = first.widget(WHAT_IF)
        self.area = area.id

    def ask(self, text: str) -> Run:
        return self.session.run(widgets=[(self.area, "string_value", text)], fragment=self.fragment)


class Trainer(threading.Thread):
    """A session that trains on `path` (inside the data root) until told to stop, polling the
    live panel as a browser does, and starting a new training when one finishes."""

    def __init__(self, server: AppServer, path: str, epochs: int):
        super().__init__(name="trainer", daemon=True)
        self.server, self.path, self.epochs = server, path, epochs
        self.stop = threading.Event()
        self.started_jobs, self.states, self.errors = 0, [], []
        self.polls, self.progress = 0, ""

    def _start(self, session: Session) -> Run:
        run = session.run(page="model")
        where, _ = run.widget("train.where")
        picked = [(where.id, "string_value", "Local path")]
        run = session.run(page="model", widgets=picked)
        widgets = picked + [
            (run.widget("train.path")[0].id, "string_value", self.path),
            (run.widget("train.epochs")[0].id, "double_value", float(self.epochs)),
            (run.widget("train.go")[0].id, "trigger_value", True),
        ]
        self.started_jobs += 1
        return session.run(page="model", widgets=widgets)

    def run(self) -> None:
        session = Session(self.server)
        try:
            run = self._start(session)
            poll = run.auto_rerun  # (interval, fragment) while a job runs
            while not self.stop.is_set():
                self.errors += run.exceptions()
                if poll is None:  # no job runs: the page says how the last one ended
                    ended = [a for a in run.alerts() if a.startswith(("Finished", "Canc", "Fail"))]
                    self.states += ended
                    self.stop.wait(1.0)
                    run = self._start(session)
                    poll = run.auto_rerun
                    continue
                self.stop.wait(poll[0])
                run = session.run(fragment=poll[1])
                self.polls += 1
                bars = [el.progress.text for kind, el, _ in run.elements if kind == "progress"]
                self.progress = bars[-1] if bars else self.progress
                if run.status == 0:  # the fragment asked for a whole rerun: the job is over
                    poll = run.auto_rerun
        except Exception as exc:  # reported, never hidden
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            session.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


def ms(values: list[float]) -> dict:
    return {
        "p50": round(1000 * percentile(values, 0.5), 1),
        "p95": round(1000 * percentile(values, 0.95), 1),
        "max": round(1000 * max(values), 1) if values else float("nan"),
        "n": len(values),
    }


def load(server: AppServer, ref: dict, clients: int, seconds: float, before: dict) -> dict:
    """`clients` predictor sessions typing for `seconds`; their latencies, errors, answers."""
    texts = list(ref["answers"])
    latencies: list[float] = []
    errors: dict[str, int] = {}
    checked = {"same_as_before": 0, "same_as_here": 0, "answers": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def error(kind: str) -> None:
        with lock:
            errors[kind] = errors.get(kind, 0) + 1

    def client(i: int) -> None:
        try:
            predictor = Predictor(server)
        except Exception as exc:
            error(f"connect: {type(exc).__name__}")
            return
        n = i
        while time.monotonic() < end:
            text = texts[n % len(texts)]
            n += clients
            try:
                run = predictor.ask(text)
            except Exception as exc:
                error(f"update: {type(exc).__name__}")
                break
            if run.status not in FINISHED_OK or run.exceptions():
                error("exception on the page" if run.exceptions() else f"status {run.status}")
                continue
            answer = shown(run)
            with lock:
                latencies.append(run.seconds)
                checked["answers"] += 1
                checked["same_as_before"] += answer == before[text]
                checked["same_as_here"] += answer == ref["answers"][text]
            if answer != before[text]:
                error("answer differs from before the load")
        predictor.session.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 300)
    return {"update_ms": ms(latencies), "errors": errors, "predictions": checked}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    ap.add_argument("--clients", type=int, default=8, help="predictor sessions (default 8)")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long they type (60)")
    ap.add_argument("--texts", type=int, default=24, help="distinct what-if texts (24)")
    ap.add_argument("--epochs", type=int, default=20, help="epochs of each training (20)")
    args = ap.parse_args(argv)
    model = Path(args.model)
    if not model.exists():
        raise SystemExit(f"no model bundle at {model}; pass --model")
    ref = reference(model, args.texts)
    root = Path(tempfile.mkdtemp(prefix="semax-load-"))
    reviews = ref["bundle"].data.reviews
    with (root / "reviews.json").open("w") as f:  # the model's own reviews, to train on
        for r in reviews.itertuples():
            row = {"reviewerID": r.user, "asin": r.item, "overall": r.rating}
            row.update({"reviewText": r.text, "unixReviewTime": int(r.time)})
            f.write(json.dumps(row) + "\n")
    env = {
        "SEMAX_STUDIO_MODEL": str(model),
        "SEMAX_STUDIO_RESULTS": str(root / "results"),
        "SEMAX_STUDIO_ROOT": str(root),
    }
    out: dict = {"model": str(model), "clients": args.clients, "seconds": args.seconds}
    with AppServer(env, log=root / "streamlit.log") as server:
        alone = Predictor(server)  # before the load: one client alone, every text once
        before, idle = {}, []
        for text in ref["answers"]:
            run = alone.ask(text)
            before[text], _ = shown(run), idle.append(run.seconds)
        alone.session.close()
        out["idle_update_ms"] = ms(idle)
        out["idle_same_as_here"] = sum(before[t] == a for t, a in ref["answers"].items())
        trainer = Trainer(server, "reviews.json", args.epochs)
        trainer.start()
        time.sleep(2.0)  # the training has started (its data are being prepared)
        out.update(load(server, ref, args.clients, args.seconds, before))
        trainer.stop.set()
        trainer.join(120)
    out["training"] = {
        "trainings_started": trainer.started_jobs,
        "panel_polls": trainer.polls,
        "last_progress": trainer.progress,
        "ended": trainer.states,
        "errors": trainer.errors,
    }
    n_errors = sum(out["errors"].values()) + len(trainer.errors)
    p = out["predictions"]
    out["summary"] = {
        "errors": n_errors,
        "target_errors": 0,
        "p50_ms": out["update_ms"]["p50"],
        "p95_ms": out["update_ms"]["p95"],
        "cached_model_predicts_as_before": p["answers"] > 0 and p["same_as_before"] == p["answers"],
    }
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["cpus"] = os.cpu_count()
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return out


if __name__ == "__main__":
    main()
