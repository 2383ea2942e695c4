"""The README's screenshots of the app on the bundled demo model, taken in headless Chromium
(studio.browser): the home page, and the Attention view its guided tour opens.

    python scripts/readme_screenshots.py            # writes docs/images/home.png, attention.png
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from studio.browser import REPO, AppServer, exceptions, launch, wait_idle

HOME_MARKER = "Try it in four steps"
ATTENTION_LINK = "Read the attention"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    p.add_argument("--width", type=int, default=1400)
    p.add_argument("--height", type=int, default=1000, help="the attention view's height")
    p.add_argument("--home-height", type=int, default=1560, help="tall enough for the whole page")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp(prefix="semax-shots-")) / "streamlit.log"
    with sync_playwright() as pw, AppServer(log=log) as server:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": args.width, "height": args.home_height})
        page.set_default_timeout(120_000)
        page.goto(server.url)
        page.get_by_text(HOME_MARKER, exact=True).wait_for()
        wait_idle(page)
        # (Streamlit scrolls inside the page: a full-page shot is the viewport, hence its height)
        page.screenshot(path=str(args.out / "home.png"))
        page.get_by_role("link", name=ATTENTION_LINK).first.click()
        page.set_viewport_size({"width": args.width, "height": args.height})
        page.locator(".st-key-att-heatmap .js-plotly-plot").wait_for()
        wait_idle(page)
        page.screenshot(path=str(args.out / "attention.png"))  # the view, not the whole page
        problems = exceptions(page)
        browser.close()
    if problems:
        raise SystemExit(f"the app raised: {problems}")
    print(f"wrote {args.out / 'home.png'} and {args.out / 'attention.png'}")


if __name__ == "__main__":
    main()
