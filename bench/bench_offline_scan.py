"""Scan to line on the cashier screen with the whole catalogue (50,000 products) in
IndexedDB, with the server up and with the server stopped (pos/README.md, "Offline").

Builds the bench database (bench_pos.build: 50,000 products, registers with open
shifts), serves it with gunicorn, opens /pos/ as kasir1 in Debian's chromium, waits for
the catalogue to reach IndexedDB (and says how long that took), then types codes as a
USB scanner does (the code and Enter) and measures, in the page, from the Enter key to
the line on screen (a MutationObserver on the lines). Then the server is stopped, the
page reloaded from the service worker's copy, and the same is measured again.

    BENCH_SCALE=0.2 scales the catalogue down (default 1: 50,000 products)
    BENCH_SHOTS=/path saves screenshots there (1366x768, 1280x800, 390x844)
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_pos  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import launch  # noqa: E402

SCANS = 40
SHOTS = os.environ.get("BENCH_SHOTS")

PROBE = """
() => {
  window.__times = [];
  let t0 = 0;
  document.getElementById('scan').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') t0 = performance.now();
  }, true);
  new MutationObserver(() => {
    if (t0) { window.__times.push(performance.now() - t0); t0 = 0; }
  }).observe(document.getElementById('lines'), {childList: true, subtree: true});
}
"""


def scan_times(page, codes):
    page.evaluate(PROBE)
    for code in codes:
        before = page.evaluate("window.__times.length")
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_function("n => window.__times.length > n", arg=before, timeout=10_000)
    times = page.evaluate("window.__times")
    page.keyboard.press("Escape")  # cancel the sale: the next run starts empty
    page.wait_for_timeout(200)
    if page.is_visible("dialog[open]"):
        page.keyboard.press("Enter")
    return times


def shoot(page, name):
    if not SHOTS:
        return
    for w, h in ((1366, 768), (1280, 800), (390, 844)):
        page.set_viewport_size({"width": w, "height": h})
        page.screenshot(path=f"{SHOTS}/{name}-{w}x{h}.png")
    page.set_viewport_size({"width": 1366, "height": 768})


def main():
    instance = tempfile.mkdtemp(prefix="bench-offline-")
    url = f"sqlite:///{instance}/bench.sqlite3"
    print(f"== {bench_pos.PRODUCTS} products (load average {bench_pos.load()})")
    ids, tokens, shifts = bench_pos.build(url, instance)
    proc, base = bench_pos.start_gunicorn(url, instance)
    rng = random.Random(3)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "kasir1")
        page.fill("input[name=password]", "bench-kasir-123")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        start = time.perf_counter()
        page.goto(f"{base}/pos/")
        page.wait_for_selector("[data-testid=scan]:visible")
        total = f"{bench_pos.PRODUCTS:,}".replace(",", ".")
        page.locator("[data-testid=catalogue-status]", has_text=f"layar ini: {total}").wait_for(
            timeout=600_000
        )
        print(f"  catalogue in IndexedDB: {time.perf_counter() - start:.1f} s")
        page.wait_for_function(
            "async () => !!navigator.serviceWorker.controller && "
            "!!(await (await caches.open('okoce-pos-shell-v1')).match('/pos/'))",
            timeout=60_000,
        )
        codes = [bench_pos.ean(rng.randrange(len(ids))) for _ in range(SCANS)]
        online = scan_times(page, codes)
        print(
            f"  server up: scan to line p50 {statistics.median(online):.1f} ms, "
            f"max {max(online):.1f} ms ({len(online)} scans; load average {bench_pos.load()})"
        )
        proc.terminate()
        proc.wait(timeout=30)
        page.reload()
        page.wait_for_selector("[data-testid=scan]:visible", timeout=30_000)
        codes = [bench_pos.ean(rng.randrange(len(ids))) for _ in range(SCANS)]
        # the first scan finds the server gone (a refused connection), the rest go
        # straight to IndexedDB: measured from the second on
        page.keyboard.type(codes[0])
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=lines] tbody tr")
        offline = scan_times(page, codes[1:])
        print(
            f"  server stopped, page reloaded from the service worker: scan to line (from "
            f"IndexedDB) p50 {statistics.median(offline):.1f} ms, max {max(offline):.1f} ms "
            f"({len(offline)} scans; load average {bench_pos.load()})"
        )
        for code in codes[:3]:
            page.keyboard.type(code)
            page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        shoot(page, "offline-lines")
        page.keyboard.press("F8")
        page.fill("[data-testid=pay-amount]", "10000000")  # above any total of the scans
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=done-change]:visible")
        shoot(page, "offline-saved")
        browser.close()


if __name__ == "__main__":
    main()
