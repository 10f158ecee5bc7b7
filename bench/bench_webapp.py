"""First load of the residents' web app (/m/) on Chromium's "Fast 3G" network emulation, against a local server.

    .venv/bin/python bench/bench_webapp.py              # 5 cold loads per case
    .venv/bin/python bench/bench_webapp.py --runs 9

Target (issue 24): the report page usable in at most 3 s on Fast 3G. "Usable" is the moment app.js has wired the
page (its `m-ready` performance mark: the form, photo buttons and preview work from then on), measured from the
start of navigation in a fresh browser context each run (empty cache). Fast 3G is DevTools' preset: 562.5 ms
latency, 1.6 Mbit/s × 0.9 down, 750 kbit/s × 0.9 up. A second case adds 4× CPU throttling (a low-end phone).
The server is the app on a throwaway SQLite database, served by werkzeug in this process on a free port.
After each load it also times the map pick: from the tap on "在地图上选点" to the map drawn (Leaflet, pick.js and
/m/map.json fetched only then, on the same network).
Exit status 1 when the median of the Fast 3G case is over the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from flask_migrate import upgrade  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from service_api import create_app  # noqa: E402
from service_api.config import Settings  # noqa: E402
from service_api.reference.loading import load_taxonomy  # noqa: E402
from service_api.webapp.assets import asset, names, vendor_names  # noqa: E402

TARGET_MS = 3000.0
FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
           "uploadThroughput": 750 * 1024 / 8 * 0.9}
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def serve(folder: Path) -> tuple[str, object]:
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", photo_storage_dir=folder / "photos",
                        secret_key="bench-secret", rate_limits_enabled=False, celery_broker_url="memory://")
    app = create_app(settings=settings)
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        load_taxonomy()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def load_once(browser, url: str, cpu_rate: float) -> tuple[float, float, int, float, int]:
    """(usable ms, load event ms, bytes over the wire) of one cold load, then (ms, bytes) of opening the map."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    if cpu_rate > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_rate})
    page.goto(url, wait_until="load")
    page.locator("html[data-ready]").wait_for(state="attached")
    usable = page.evaluate("performance.getEntriesByName('m-ready')[0].startTime")
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    wire = page.evaluate("performance.getEntriesByType('navigation')[0].transferSize"
                         " + performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0)")
    started = page.evaluate("performance.now()")
    page.click("#pick-open")
    page.locator("#pick-map[data-ready]").wait_for()
    page.locator("#pick-map .leaflet-overlay-pane path").first.wait_for()
    picked = page.evaluate("performance.now()") - started
    map_wire = page.evaluate("performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0)"
                             f" + performance.getEntriesByType('navigation')[0].transferSize - {wire}")
    context.close()
    return float(usable), float(loaded), int(wire), float(picked), int(map_wire)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sizes = {name: (len((found := asset(name)).body), len(found.gzipped))  # type: ignore[union-attr]
             for name in names() + vendor_names()}
    print("assets (bytes, gzipped):", ", ".join(f"{n} {raw}/{gz}" for n, (raw, gz) in sizes.items()),
          f"— total {sum(gz for _, gz in sizes.values())} gzipped (budget 307200)")
    with tempfile.TemporaryDirectory() as tmp:
        base, server = serve(Path(tmp))
        failed = False
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            load_once(browser, base + "/m/", 1)  # warm the server (templates, first requests), not the browser
            for label, cpu in (("Fast 3G", 1.0), ("Fast 3G + 4x CPU", 4.0)):
                runs = [load_once(browser, base + "/m/", cpu) for _ in range(args.runs)]
                usable = statistics.median(r[0] for r in runs)
                loaded = statistics.median(r[1] for r in runs)
                verdict = ""
                if cpu == 1.0:
                    failed = usable > TARGET_MS
                    verdict = f" (target ≤ {TARGET_MS:.0f}: {'FAIL' if failed else 'PASS'})"
                print(f"{label:18} usable p50 {usable:7.0f} ms  max {max(r[0] for r in runs):7.0f} ms  "
                      f"load p50 {loaded:7.0f} ms  {runs[0][2]} bytes over the wire{verdict}")
                print(f"{'  map pick opened':18} p50 {statistics.median(r[3] for r in runs):7.0f} ms  "
                      f"max {max(r[3] for r in runs):7.0f} ms  {runs[0][4]} bytes over the wire")
            browser.close()
        server.shutdown()  # type: ignore[attr-defined]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
