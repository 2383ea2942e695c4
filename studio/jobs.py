"""Background jobs in the session (training, live β sweep): start (within the server's limits,
`studio.limits`), poll with a fragment that reruns every second while the job runs, cancel, and
adopt a finished training as the model. A job whose session closes is cancelled."""

from __future__ import annotations

import streamlit as st

from studio import limits, messages
from studio.background import Job
from studio.charts import loss_curve
from studio.state import adopt


def session_id() -> str:
    """This session's id (Streamlit's)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no session"


def session_alive(session: str) -> bool:
    """Whether a browser is still connected to `session` (Streamlit's runtime knows; with no
    runtime, or a test harness's stand-in that cannot tell, the session counts as alive)."""
    from streamlit import runtime

    if not runtime.exists():
        return True
    alive = runtime.get_instance().is_active_session(session)
    return alive if isinstance(alive, bool) else True


SLOTS = limits.Slots(alive=session_alive)  # every session's training jobs on this server


def check_free() -> None:
    """Raise `limits.Busy` (a SemaxError: one line to show) when this session may not start a
    training job now: before reading a file for one."""
    SLOTS.check(session_id())


def key(name: str) -> str:
    return f"studio.job.{name}"


def get(name: str) -> Job | None:
    return st.session_state.get(key(name))


def running(name: str) -> bool:
    """Whether job `name` of this session is running now (one of each at a time)."""
    job = get(name)
    return job is not None and job.running


def start(job: Job) -> Job | None:
    """Start `job` in this session; when the session or the server is busy, show why and
    return None."""
    try:
        SLOTS.admit(session_id(), job)
    except limits.Busy as exc:
        messages.error(exc)
        return None
    st.session_state[key(job.name)] = job.start()
    st.session_state[key(job.name) + ".polling"] = True
    return job


def adopt_finished_training() -> bool:
    """A training job that finished becomes the current model (once); True when it just did."""
    job = get("train")
    bundle = job.take() if job is not None else None
    if bundle is None:
        return False
    adopt(bundle, f"trained now on {bundle.config.get('data_source') or 'an upload'}")
    return True


def _chart(job: Job, title: str, key: str) -> None:
    st.plotly_chart(loss_curve(list(job.steps), list(job.epochs), title=title), key=key)


def _live(name: str, title: str) -> None:
    job = get(name)
    if job is None:
        return
    if not job.running:
        if st.session_state.get(key(name) + ".polling"):
            st.session_state[key(name) + ".polling"] = False
            st.rerun()  # the whole app: show the result, stop polling
        return
    st.progress(job.progress, text=job.message or "starting…")
    _chart(job, title, f"{name}-live-loss")
    if st.button("Cancel", key=f"{name}-cancel", icon=":material/cancel:"):
        job.cancel()
        st.toast("Cancelling after the current step…")


def panel(name: str, title: str = "Training loss") -> Job | None:
    """Progress bar, live loss curve and a cancel button while job `name` runs; afterwards its
    final state. Returns the job (None if never started)."""
    job = get(name)
    if job is None:
        return None
    if name == "train" and adopt_finished_training():
        st.rerun()  # finished between the sidebar and here: redraw with the new model
    if job.running:
        st.session_state[key(name) + ".polling"] = True
        st.fragment(_live, run_every=1.0)(name, title)
        return job
    if job.status == "error":
        messages.error(f"Failed: {job.error}")
    elif job.status == "cancelled":
        st.warning(f"Cancelled after {len(job.steps)} steps ({job.seconds:.0f} s).")
    else:
        st.success(f"Finished in {job.seconds:.0f} s. {job.message}")
    if job.steps:
        _chart(job, title, f"{name}-final-loss")
    return job
