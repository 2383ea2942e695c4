"""The app under load, on loopback, with a training running throughout: prints JSON.

    python benchmarks/app_load.py [--model assets/semax-demo] [--clients 8] [--seconds 60]
    python benchmarks/app_load.py --seconds 600         # the soak: does the server's memory grow?

`streamlit run` serves the app on 127.0.0.1; the sessions speak Streamlit's own websocket
protocol without a browser (benchmarks/app_client.py), so that nine of them fit on a small
machine:

- one session trains (benchmarks/app_training.py): it opens the Model page at its training tab's
  address (`/model?tab=Train a small model now`), picks "Local path", types a review file in the data
  root (`--train-file`, default the model's own reviews) and the epochs (`--epochs`, default 3,
  the app's own on a CPU), presses Train, polls the live panel as a browser does, and presses
  Train again as soon as the page shows the training finished;
- first one Predictor session alone types every what-if text once (`idle_update_ms`, and the
  answers "before the load"); then, once the page shows a training running, `--clients` Predictor
  sessions type what-if reviews, one after another, for `--seconds`.

Measured: `update_ms` (p50 / p95 / max from sending the typed text to the end of the fragment's
rerun: the server's part of what a person waits for; a browser adds its drawing), every answer
(r̂_y and r̂_uv before -> after, to the four decimals the page shows) against the same text's
answer before the load and against the same numbers computed here from the bundle, the
trainings (started, completed, live-panel polls, steps seen, the share of the load with a
training running), and the server's resident memory (the streamlit process and its children,
from /proc): after the warm-up, which ends `--warmup` seconds into the load (default a tenth of
`--seconds`) or when the first training has finished, whichever is later (so that a whole
training cycle, its model adopted, is in), then every `--seconds`/20 and at the end.
Goals are printed as `goal_*`, beside the measured figures; times depend on the machine and its
load (`load_average` before and after).

Exit status 1, with one line on stderr saying why, when no training started, a training ended in
an error (or did not start, or was cancelled), a connection dropped, a run did not finish or
showed an exception, or an answer differed; the JSON is printed either way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app_client import FINISHED_OK, Run, Session  # noqa: E402  (beside this file)
from app_training import Trainer  # noqa: E402

from studio.browser import AppServer  # noqa: E402

WHAT_IF = "pred.whatif"  # the what-if text area's key (pages/predictor.py)
R_Y, R_UV = "r̂_y = ", "before "  # the captions that show the answers
GOALS = {"goal_errors": 0, "goal_update_p95_ms": 500, "goal_rss_end_over_warmup_max": 1.10}


def reference(model: Path, n_texts: int) -> dict:
    """What-if texts from the model's own reviews, and their answers computed here."""
    from semax.bundle import hub
    from semax.inference import Recommender

    bundle = hub.load(model)
    rec = Recommender.from_bundle(bundle)
    user, item = rec.user_names[0], rec.item_names[0]  # the Predictor's default pick
    texts = bundle.data.reviews["text"].drop_duplicates()
    texts = texts.sample(min(n_texts, len(texts)), random_state=0)
    before = rec.predict(user, item)
    answers = {}
    for text in texts.tolist():
        r_y = rec.rate_text(user, item, text).raw
        after = rec.predict(user, item, extra_user_reviews=[text]).raw
        answers[text] = (f"{R_Y}{r_y:.4f}", f"{R_UV}{before.raw:.4f} → after {after:.4f}")
    return {"bundle": bundle, "answers": answers}


def shown(run: Run) -> tuple[str, str]:
    """The r̂_y and r̂_uv answers a run shows (their captions, cut at the number)."""
    r_y, r_uv = run.caption(R_Y) or "", run.caption(R_UV) or ""
    return r_y.split(" before")[0], r_uv.split(" (before")[0]


class Predictor:
    """A session on the Predictor that types what-if reviews."""

    def __init__(self, server: AppServer):
        self.session = Session(server, page="predictor")
        first = self.session.run()
        area, self.fragment = first.widget(WHAT_IF)
        self.area = area.id

    def ask(self, text: str) -> Run:
        return self.session.run([(self.area, "string_value", text)], fragment=self.fragment)


# -- numbers ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> dict:
    """p50 / p95 / max in milliseconds (None without values) and their number."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    return {
        "p50": round(1000 * percentile(values, 0.5), 1),
        "p95": round(1000 * percentile(values, 0.95), 1),
        "max": round(1000 * max(values), 1),
        "n": len(values),
    }


def tree_rss_mb(pid: int) -> float:
    """Resident memory of process `pid` and all its descendants (Linux /proc), MB."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has ended
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        todo += parents.get(p, [])
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        total += int(kb) / 1024
    return round(total, 1)


class Memory(threading.Thread):
    """The server's resident memory, from the end of the warm-up: `warmup` seconds after the
    thread starts (the load's start), and the first training completed (`warm`), whichever comes
    later; then every `every` seconds until `stop`."""

    def __init__(self, pid: int, warmup: float, warm: threading.Event, every: float):
        super().__init__(name="memory", daemon=True)
        self.pid, self.warmup, self.warm, self.every = pid, warmup, warm, every
        self.stop = threading.Event()
        self.after_warmup: float | None = None
        self.warm_at: float | None = None  # seconds into the load
        self.samples: list[float] = []  # MB, from the warm-up on

    def run(self) -> None:
        t0 = time.monotonic()
        if self.stop.wait(self.warmup):
            return
        while not self.warm.is_set():
            if self.stop.wait(0.5):
                return
        self.after_warmup = tree_rss_mb(self.pid)
        self.warm_at = round(time.monotonic() - t0, 1)
        self.samples.append(self.after_warmup)
        while not self.stop.wait(self.every):
            self.samples.append(tree_rss_mb(self.pid))

    def figures(self) -> dict:
        """After the warm-up, at the end (sampled now), the largest sample, end / warm-up."""
        self.stop.set()
        self.join()
        end = tree_rss_mb(self.pid)
        warm = self.after_warmup
        return {
            "after_warmup": warm,
            "warmup_ended_s": self.warm_at,
            "end": end,
            "max": max([*self.samples, end]),
            "end_over_warmup": round(end / warm, 3) if warm else None,
            "samples": self.samples,
        }


# -- the load -----------------------------------------------------------------------------------


def load(server, ref: dict, clients: int, seconds: float, before: dict, abort) -> dict:
    """`clients` predictor sessions typing for `seconds` (or until `abort` is set); their
    latencies, errors ({kind: count}) and answers."""
    texts = list(ref["answers"])
    latencies: list[float] = []
    errors: dict[str, int] = {}
    checked = {"answers": 0, "same_as_before": 0, "same_as_here": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def error(kind: str) -> None:
        with lock:
            errors[kind] = errors.get(kind, 0) + 1

    def client(i: int) -> None:
        try:
            predictor = Predictor(server)
        except Exception as exc:
            error(f"could not open the Predictor: {type(exc).__name__}")
            return
        n = i
        while time.monotonic() < end and not abort.is_set():
            text = texts[n % len(texts)]
            n += clients
            try:
                run = predictor.ask(text)
            except TimeoutError:
                error("a run did not finish")
                break
            except Exception as exc:  # websockets' ConnectionClosed, OSError
                error(f"connection dropped: {type(exc).__name__}")
                break
            if run.status not in FINISHED_OK or run.exceptions():
                error("exception on the page" if run.exceptions() else f"run status {run.status}")
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


def idle_pass(server, ref: dict) -> tuple[dict, list[float]]:
    """One client alone types every text once: the answers before the load, and their times."""
    alone = Predictor(server)
    before, times = {}, []
    for text in ref["answers"]:
        run = alone.ask(text)
        if run.status not in FINISHED_OK or run.exceptions():
            raise RuntimeError(f"the Predictor failed before the load: {run.exceptions()}")
        before[text] = shown(run)
        times.append(run.seconds)
    alone.session.close()
    return before, times


def write_reviews(bundle, path: Path) -> None:
    """The bundle's own reviews as Amazon-2014 JSON lines, to train on."""
    with path.open("w") as f:
        for r in bundle.data.reviews.itertuples():
            row = {"reviewerID": r.user, "asin": r.item, "overall": r.rating}
            row.update({"reviewText": r.text, "unixReviewTime": int(r.time)})
            f.write(json.dumps(row) + "\n")


def failures(out: dict, trainer: Trainer | None) -> list[str]:
    """Why this run fails its checks (empty: it passes)."""
    why = [f"the run stopped: {out['crash']}"] if "crash" in out else []
    failure = trainer.failure if trainer is not None else None
    why += [failure] if failure else []
    tried = trainer is not None and trainer.ident is not None  # its thread was started
    if tried and not trainer.trainings and not failure:
        why.append("no training started")
    if out.get("idle_same_as_here", 0) < out.get("texts", 0):
        why.append("an answer before the load differed from the bundle's own")
    why += [f"{n}× {kind}" for kind, n in sorted(out.get("errors", {}).items())]
    p = out.get("predictions", {})
    if p and p["same_as_here"] < p["answers"]:
        why.append(f"{p['answers'] - p['same_as_here']} answers differed from the bundle's own")
    if p and p["answers"] == 0 and not failure:
        why.append("no what-if answer under load")
    return why


def parse(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "assets" / "semax-demo"))
    ap.add_argument("--clients", type=int, default=8, help="predictor sessions (default 8)")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long they type (60)")
    ap.add_argument("--warmup", type=float, help="seconds of load before the first memory figure")
    ap.add_argument("--texts", type=int, default=24, help="distinct what-if texts (24)")
    ap.add_argument("--epochs", type=int, default=3, help="epochs of each training (3)")
    ap.add_argument("--train-file", help="review file to train on (default: the model's reviews)")
    ap.add_argument("--start-timeout", type=float, default=300.0, help="for the first training")
    return ap.parse_args(argv)


def measure(server: AppServer, trainer: Trainer, ref: dict, args, out: dict) -> None:
    """The idle pass, then the load with `trainer` training throughout; figures into `out`."""
    before, idle = idle_pass(server, ref)
    out["idle_update_ms"] = ms(idle)
    out["texts"] = len(before)
    out["idle_same_as_here"] = sum(before[t] == a for t, a in ref["answers"].items())
    out["server_rss_mb_idle"] = tree_rss_mb(server.proc.pid)
    trainer.start()
    try:
        if not trainer.ready.wait(args.start_timeout):  # the page shows a training running
            trainer.fail(f"no training started within {args.start_timeout:.0f} s")
        if not trainer.trainings or trainer.failure:
            out["load_seconds"] = 0.0  # the load never began: the training failed first
            return
        aborted = threading.Event()
        watch = threading.Thread(target=lambda: (trainer.join(), aborted.set()), daemon=True)
        watch.start()  # a failed training session ends the load at once
        warmup = args.warmup if args.warmup is not None else args.seconds / 10
        every = max(1.0, args.seconds / 20)
        memory = Memory(server.proc.pid, warmup, trainer.completed, every)
        memory.start()
        start = time.monotonic()
        out.update(load(server, ref, args.clients, args.seconds, before, aborted))
        end = time.monotonic()
        out["server_rss_mb"] = memory.figures()
        out["training_running_share"] = trainer.running_share(start, end)
        out["load_seconds"] = round(end - start, 1)
    finally:
        trainer.stop.set()
        trainer.join(120)


def main(argv=None) -> int:
    args = parse(argv)
    model = Path(args.model)
    if not model.exists():
        raise SystemExit(f"no model bundle at {model}; pass --model")
    out: dict = {"model": str(model), "clients": args.clients, "seconds": args.seconds}
    out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    ref = reference(model, args.texts)
    root = Path(tempfile.mkdtemp(prefix="semax-load-"))  # the app's data root
    if args.train_file:
        train_file = Path(args.train_file).name
        shutil.copy(args.train_file, root / train_file)
    else:
        train_file = "reviews.json"
        write_reviews(ref["bundle"], root / train_file)
    out["train_file"] = args.train_file or f"{model}'s own reviews"
    env = {
        "SEMAX_STUDIO_MODEL": str(model),
        "SEMAX_STUDIO_RESULTS": str(root / "results"),
        "SEMAX_STUDIO_ROOT": str(root),
    }
    out["server_log"] = str(root / "streamlit.log")
    trainer = None
    try:
        with AppServer(env, log=out["server_log"]) as server:
            trainer = Trainer(server, train_file, args.epochs)
            measure(server, trainer, ref, args, out)
    except Exception as exc:  # the app or this harness broke: the traceback, then the JSON
        traceback.print_exc()
        out["crash"] = f"{type(exc).__name__}: {exc}"
    trainings = trainer.trainings if trainer is not None else []
    out["trainings"] = [t.summary(trainings[0].started) for t in trainings]
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out["cpus"] = os.cpu_count()
    out["failures"] = failures(out, trainer)
    out["summary"] = summary(out, trainer)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if out["failures"]:
        print(f"app_load: FAILED: {'; '.join(out['failures'])}", file=sys.stderr)
        return 1
    return 0


def summary(out: dict, trainer: Trainer | None) -> dict:
    """The measured headline figures, each beside its goal (`goal_*`)."""
    trainings = trainer.trainings if trainer is not None else []
    rss = out.get("server_rss_mb", {})
    return {
        # the Predictor sessions' errors, the training session's failure, a crash
        "errors": sum(out.get("errors", {}).values())
        + bool(trainer is not None and trainer.failure)
        + ("crash" in out),
        "goal_errors": GOALS["goal_errors"],
        "update_p50_ms": out.get("update_ms", {}).get("p50"),
        "update_p95_ms": out.get("update_ms", {}).get("p95"),
        "goal_update_p95_ms": GOALS["goal_update_p95_ms"],
        "answers": out.get("predictions", {}).get("answers", 0),
        "answers_same_as_before": out.get("predictions", {}).get("same_as_before", 0),
        "answers_same_as_the_bundle": out.get("predictions", {}).get("same_as_here", 0),
        "trainings_started": len(trainings),
        "trainings_completed": sum(t.state == "finished" for t in trainings),
        "trainings_failed": sum(t.state in ("failed", "cancelled") for t in trainings),
        "panel_polls": sum(t.polls for t in trainings),
        "steps_seen": sum(t.steps for t in trainings),
        "training_running_share": out.get("training_running_share"),
        "server_rss_mb_after_warmup": rss.get("after_warmup"),
        "server_rss_mb_end": rss.get("end"),
        "server_rss_end_over_warmup": rss.get("end_over_warmup"),
        "goal_rss_end_over_warmup_max": GOALS["goal_rss_end_over_warmup_max"],
    }


if __name__ == "__main__":
    sys.exit(main())
