"""studio.browser: the real-server harness the end-to-end tests and the latency benchmark use."""

from __future__ import annotations

import socket
import urllib.request

from studio.browser import AppServer, free_port


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_app_server_starts_answers_and_stops(tmp_path):
    script = tmp_path / "app.py"
    script.write_text("import streamlit as st\nst.write('hello')\n")
    with AppServer(script=script, log=tmp_path / "log.txt") as srv:
        with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=10) as r:
            assert r.read().strip() == b"ok"
        assert srv.healthy_after > 0
    assert srv.proc.poll() is not None
