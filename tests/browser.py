"""What every Chromium test shares: Debian's browser, its flags, where screenshots go, and the fixtures that serve
the app on a free port and open a browser (registered in tests/conftest.py)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("STAFF_SCREENSHOTS", "/tmp"))
# Headless as root, with nothing that would reach for the network this machine does not have.
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
# Mark a Chromium test module with `pytestmark = NEEDS_CHROMIUM`.
NEEDS_CHROMIUM = [pytest.mark.slow,
                  pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make browser)")]


@pytest.fixture
def live_server(app, settings) -> Iterator[str]:
    """The app on a free loopback port, for the browser; the walk-throughs run once, on SQLite."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the browser walk-through runs once, on SQLite")
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
