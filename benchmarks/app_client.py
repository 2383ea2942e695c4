"""A browser session without a browser: Streamlit's own websocket protocol (the protobuf
BackMsg / ForwardMsg a browser sends and receives on /_stcore/stream), for benchmarks/app_load.py.

A `Session` is one browser tab: it opens a page at an address (page name and query string, as
`/model?tab=Train a small model now` does), sets widgets (what clicking and typing send), and reruns a
fragment (what a fragment's `run_every` makes a browser send). Each call returns the `Run` it
caused: the elements drawn, how the run ended, and the fragment to poll when there is one.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from studio.browser import AppServer
from studio.markup import unliteral

# ScriptFinishedStatus (streamlit/proto/ForwardMsg.proto)
FINISHED, EARLY_FOR_RERUN, FRAGMENT_FINISHED = 0, 2, 3
FINISHED_OK = (FINISHED, FRAGMENT_FINISHED)


@dataclass
class Run:
    """What one script (or fragment) run sent back; a run that reran (st.rerun) includes the
    elements of every pass up to the last one."""

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

    def has(self, key: str) -> bool:
        try:
            self.widget(key)
        except KeyError:
            return False
        return True

    def texts(self) -> list[str]:
        return [el.markdown.body for kind, el, _ in self.elements if kind == "markdown"]

    def alerts(self) -> list[str]:
        """The bodies of st.error / warning / success / info, as people read them."""
        return [unliteral(el.alert.body) for kind, el, _ in self.elements if kind == "alert"]

    def exceptions(self) -> list[str]:
        return [el.exception.message for kind, el, _ in self.elements if kind == "exception"]

    def progress(self) -> tuple[int, str] | None:
        """(percent, text) of the last progress bar drawn, if any."""
        bars = [
            (el.progress.value, el.progress.text) for k, el, _ in self.elements if k == "progress"
        ]
        return bars[-1] if bars else None

    def caption(self, prefix: str) -> str | None:
        return next((t for t in self.texts() if t.startswith(prefix)), None)


class Session:
    """One browser tab at `page` (the page's url_path; "" is the default page at `/`) with the
    address's query parameters `query`, spoken to over Streamlit's websocket. Every rerun sends
    the address and the state of every widget set so far, as a browser does (the server resets
    a widget missing from a rerun to its default); a trigger (a button press) counts once."""

    def __init__(self, server: AppServer, page: str = "", query: dict | None = None):
        from websockets.sync.client import connect

        self.page, self.query = page, urlencode(query or {})
        self.page_hash = ""  # the page the server last ran, sent back with every rerun
        self.widgets: dict[str, tuple[str, object]] = {}  # widget id -> (field, value)
        url = server.url.replace("http://", "ws://") + "/_stcore/stream"
        self._open = contextlib.ExitStack()
        self.ws = self._open.enter_context(
            connect(url, subprotocols=["streamlit"], origin=server.url, max_size=None)
        )

    def run(self, widgets=(), fragment: str = "", auto: bool = False, timeout: float = 120) -> Run:
        """Rerun the page (or one fragment) with `widgets` set: (widget id, field, value), where
        field is the WidgetState value's name ("string_value", "trigger_value", ...). `auto`: a
        fragment's `run_every` rerun."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.page_name, state.query_string, state.fragment_id = self.page, self.query, fragment
        state.page_script_hash = self.page_hash  # a browser's: st.rerun() keeps its page
        state.is_auto_rerun = auto
        triggers = {wid: (name, value) for wid, name, value in widgets if name == "trigger_value"}
        self.widgets.update((wid, (name, value)) for wid, name, value in widgets)
        sent = {**self.widgets, **triggers}
        for wid in triggers:
            del self.widgets[wid]
        for wid, (name, value) in sent.items():
            w = state.widget_states.widgets.add()
            w.id = wid
            setattr(w, name, value)
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        run = Run(0.0, None)
        deadline = t0 + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"the run did not finish within {timeout:.0f} s")
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=left))
            kind = fm.WhichOneof("type")
            if kind == "navigation":  # the page st.navigation ran
                self.page_hash = fm.navigation.page_script_hash
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                run.elements.append((el.WhichOneof("type"), el, fm.delta.fragment_id))
            elif kind == "auto_rerun":
                run.auto_rerun = (fm.auto_rerun.interval, fm.auto_rerun.fragment_id)
            elif kind == "script_finished":
                if fm.script_finished == EARLY_FOR_RERUN:  # st.rerun: the rerun follows
                    continue
                run.status, run.seconds = fm.script_finished, time.perf_counter() - t0
                return run

    def close(self) -> None:
        self._open.close()
