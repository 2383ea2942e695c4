"""Serving the app: `streamlit run` with only .streamlit/config.toml deciding the address (no
--server.address flag), driven in headless Chromium where it is needed: loopback by default, file
text shown literally, the server's training limit, and a closed session's job stopped."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from semax.data.readers.formats import column_list
from studio.browser import AppServer, launch, wait_idle
from studio.markup import WORD_JOINER
from tests.helpers import REPO, tiny_frame, write_amazon
from tests.pages.test_e2e import require_browser

TABLE_HEADER = "who,:x: **b** <b>h</b> [l](http://e.x),$x^2$"
PATH_LABEL = "Path (or hf://datasets/OWNER/REPO/PATH)"


def test_the_config_binds_to_loopback_with_xsrf_and_the_apps_upload_limit():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["address"] == "127.0.0.1"
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert server["maxUploadSize"] == 50  # studio.uploads reads it (tests/studio/test_uploads.py)


@pytest.fixture(scope="module")
def server(app_bundle, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    (root / "table.csv").write_text(f"{TABLE_HEADER}\nu,v,w\n")
    # big enough that training (early stopping included) runs for minutes
    write_amazon(tiny_frame(30_000, n_users=300, n_items=200, seed=3), root / "big.json")
    env = {
        "SEMAX_STUDIO_MODEL": str(app_bundle),
        "SEMAX_STUDIO_RESULTS": str(tmp_path_factory.mktemp("results")),
        "SEMAX_STUDIO_ROOT": str(root),
        "SEMAX_STUDIO_MAX_JOBS": "1",
        "SEMAX_STUDIO_ORPHAN_S": "1",
    }
    log = tmp_path_factory.mktemp("serving-log") / "streamlit.log"
    with AppServer(env, log=log, address=None) as srv:  # the address from the config file
        yield srv


def listening(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (from /proc/net/tcp, tcp6)."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if name == "tcp":
                    found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.add("::" if set(address) == {"0"} else address)
    return found


def test_the_app_listens_on_loopback_only(server):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp here")
    assert listening(server.port) == {"127.0.0.1"}


@pytest.fixture
def browser(server):
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


def open_training(browser, server, path: str):
    """A new session on the Model page's training tab, with `path` typed as the Local path."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(90_000)
    page.goto(f"{server.url}/model")
    page.get_by_text("Model kind", exact=True).first.wait_for()
    page.get_by_role("tab", name="Train a small model now").click()
    page.get_by_text("Local path", exact=True).click()
    box = page.get_by_label(PATH_LABEL)
    box.fill(path)
    box.press("Enter")
    wait_idle(page)
    page.get_by_test_id("stNumberInput").filter(has_text="Epochs").locator("input").fill("20")
    page.keyboard.press("Enter")
    wait_idle(page)
    return page


def train(page) -> None:
    page.get_by_test_id("stButton").filter(has_text="Train").first.click()


def alert_text(page, contains: str) -> str:
    alert = page.get_by_test_id("stAlert").filter(has_text=contains).first
    alert.wait_for()
    return alert.inner_text().replace(WORD_JOINER, "")


@pytest.mark.e2e
def test_file_text_and_paths_show_literally_and_stay_inside_the_root(browser, server):
    page = open_training(browser, server, "table.csv")
    train(page)
    text = alert_text(page, "the columns are")
    assert text.endswith(f"the columns are: {column_list(TABLE_HEADER.split(','))}"), text
    assert ":x: **b** <b>h</b> [l](" in text
    alert = page.get_by_test_id("stAlert").filter(has_text="the columns are").first
    assert alert.locator("b, a, strong, img, .katex").count() == 0  # no markup made of it
    assert "❌" not in text  # :x: stayed text, not an emoji
    box = page.get_by_label(PATH_LABEL)
    box.fill("../../etc/passwd")
    box.press("Enter")
    wait_idle(page)
    train(page)
    assert "outside the app's data root" in alert_text(page, "outside")
    assert page.get_by_text("root:x:0:0", exact=False).count() == 0
    page.close()


@pytest.mark.e2e
def test_the_servers_limit_and_a_closed_sessions_job(browser, server):
    first = open_training(browser, server, "big.json")
    train(first)
    first.get_by_test_id("stProgress").first.wait_for()  # training (20 epochs: minutes)
    second = open_training(browser, server, "big.json")
    train(second)
    assert "The server is busy: 1 training job(s) running" in alert_text(second, "busy")
    first.close()  # the tab closes mid-training: its session goes, its job stops
    wait_for_cancelled(server, 1)
    deadline = time.monotonic() + 90
    while True:  # the slot frees once the cancelled job has stopped
        train(second)
        wait_idle(second)
        if second.get_by_test_id("stProgress").count():
            break
        assert time.monotonic() < deadline, "the server stayed busy"
        time.sleep(1)
    second.close()  # and this one's job stops too
    wait_for_cancelled(server, 2)


def wait_for_cancelled(server, n: int, timeout: float = 90) -> None:
    """Until the server's log says `n` jobs of closed sessions were cancelled."""
    deadline = time.monotonic() + timeout
    while server.log_path.read_text().count("job of a closed session") < n:
        assert time.monotonic() < deadline, "the closed session's job did not stop"
        time.sleep(0.5)
