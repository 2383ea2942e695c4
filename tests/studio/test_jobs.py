"""studio.jobs: background jobs held in the session, their panel, adopting a trained model."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from studio.markup import unliteral


def finished(name: str) -> None:
    import streamlit as st

    from studio import jobs
    from studio.background import Job

    if jobs.get(name) is None:

        def target(job):
            job.steps.append({"step": 1, "loss": 0.5, "epoch": 1})
            if name == "bad":
                raise ValueError("no good")
            return 7

        jobs.start(Job(name, target)).wait(30)
    assert not jobs.running(name)
    job = jobs.panel(name, title="Loss")
    st.write(f"{job.status}|{job.result}")


def test_the_panel_shows_a_finished_job_and_its_loss_curve():
    at = AppTest.from_function(finished, args=("sweep",)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("Finished in")
    assert {c.key for c in at.get("plotly_chart")} == {"sweep-final-loss"}
    assert at.markdown[-1].value == "done|7"
    at.run()  # the job stays in the session
    assert at.markdown[-1].value == "done|7"


def test_the_panel_shows_an_error_in_one_line():
    at = AppTest.from_function(finished, args=("bad",)).run()
    assert [unliteral(e.value) for e in at.error] == ["Failed: ValueError: no good"]


def trained(folder: str) -> None:
    import streamlit as st

    from semax.bundle import hub
    from studio import jobs, state
    from studio.background import Job

    bundle = hub.load(folder)
    jobs.start(Job("train", lambda job: bundle)).wait(30)
    assert jobs.adopt_finished_training() and not jobs.adopt_finished_training()  # once
    st.write(state.current().label)


def test_a_finished_training_becomes_the_current_model_once(app_bundle):
    at = AppTest.from_function(trained, args=(str(app_bundle),), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[-1].value == "trained now on app-test.json"


def busy() -> None:
    import streamlit as st

    from studio import jobs
    from studio.background import Job

    def forever(job):
        while not job.cancelled:
            job._cancel.wait(0.01)

    first = jobs.start(Job("train", forever))
    second = jobs.start(Job("sweep", forever))  # one training job per session
    st.write(f"{first is not None}|{second is None}")
    first.cancel()
    first.wait(10)


def test_a_second_job_in_a_session_is_refused_with_a_busy_message():
    at = AppTest.from_function(busy).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[-1].value == "True|True"
    assert [unliteral(e.value) for e in at.error] == [
        "This session is already running a training job (train); wait for it to finish or "
        "cancel it."
    ]
