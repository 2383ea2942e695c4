"""Run the app for real and drive it in headless Chromium (the end-to-end tests and
benchmarks/app_latency.py share this): `AppServer` starts `streamlit run` on 127.0.0.1 and waits
for its health check; the helpers find Streamlit's widgets by their labels."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run streamlit_app.py` (or `script`) in a subprocess, from the repository root;
    `env` adds environment variables (SEMAX_STUDIO_MODEL, SEMAX_STUDIO_RESULTS). It listens on
    `address` (None: where .streamlit/config.toml says, 127.0.0.1). Use as a context manager."""

    def __init__(
        self,
        env: dict | None = None,
        log: str | Path | None = None,
        script: str | Path = "streamlit_app.py",
        address: str | None = "127.0.0.1",
    ):
        self.script = str(script)
        self.address = address
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log) if log else None
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.healthy_after = float("nan")

    def start(self, timeout: float = 120.0) -> AppServer:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            self.script,
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            *(["--server.address", self.address] if self.address else []),
            "--browser.gatherUsageStats",
            "false",
            # no "source file changed" prompt when files change during a test run
            "--server.fileWatcherType",
            "none",
        ]
        out = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.proc.returncode}; log: {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        self.healthy_after = time.perf_counter() - self.started
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def launch(playwright):
    """Headless Debian Chromium with the flags that keep it quiet and offline."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# -- page helpers (playwright sync API) ---------------------------------------------------------


def wait_idle(page, timeout: float = 60_000, settle: float = 0.15) -> None:
    """Wait until Streamlit has finished the current script run (no running indicator)."""
    time.sleep(settle)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def go_to(page, title: str, marker: str, timeout: float = 60_000) -> float:
    """Click a page in the sidebar navigation and wait for `marker` text; returns seconds."""
    t0 = time.perf_counter()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_text(marker, exact=True).first.wait_for(timeout=timeout)
    return time.perf_counter() - t0


def choose(page, label_start: str, value: str) -> None:
    """Type `value` into the selectbox whose label starts with `label_start` and press Enter
    (picks the match, or adds it as a new option where the selectbox accepts new options)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label_start).first
    box.locator("input").click()
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def text_of(page, prefix: str, timeout: float = 60_000) -> str:
    """The first caption (or any text element) starting with `prefix`."""
    loc = page.get_by_text(prefix, exact=False).first
    loc.wait_for(timeout=timeout)
    return loc.inner_text()


def type_and_submit(page, label: str, text: str) -> None:
    """Fill the text area labelled `label` and submit it (Ctrl+Enter)."""
    area = page.get_by_label(label)
    area.fill(text)
    area.press("Control+Enter")


def wait_text_change(page, prefix: str, old: str, timeout: float = 60_000) -> str:
    """Wait until the element whose text starts with `prefix` no longer reads `old`."""
    handle = page.wait_for_function(
        """([prefix, old]) => {
            const els = Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"], p'));
            const el = els.find(e => e.innerText.startsWith(prefix));
            return el && el.innerText !== old ? el.innerText : null;
        }""",
        arg=[prefix, old],
        timeout=timeout,
        polling="raf",
    )
    return handle.json_value()


def exceptions(page) -> list[str]:
    return [e.inner_text() for e in page.get_by_test_id("stException").all()]
