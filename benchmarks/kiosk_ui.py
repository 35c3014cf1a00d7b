"""Kiosk UI speed in headless Chromium against `govkiosk demo`: first screen, JS+CSS bytes, tap → next screen.

The issue's targets: first screen ≤ 1 s, tap → next screen p95 ≤ 150 ms, ≤ 150 KB (150 × 1024 bytes) of
JS and CSS transferred. Measured against the demo as a person sees it.

    .venv/bin/python -m benchmarks.kiosk_ui [--quick] [--out benchmarks/results/kiosk_ui.json]

`govkiosk demo` runs as a child process (its own process group) on free ports with a temporary SQLite
database and 4 simulated kiosks; the first one, SIM-1-00000, serves the citizen UI with simulated devices.
Debian's Chromium (tests/browser.py) opens it at 1080×1920. An init script in every page records:

- the first screen: performance.now() at the first frame after `body[data-ready]` (the app sets it once the
  home screen is in place, with the `kiosk-ready` mark), beside FCP and the mark, from navigation start;
  over fresh contexts (empty cache) and over new pages in one primed context (warm cache);
- bytes: resource timing (transferSize: headers + gzip body) of the JS and CSS requested before the home
  screen was ready, and of everything the page fetched in a whole visit, cross-checked with the CDP
  Network events' encodedDataLength; the raw and gzip sizes of the bundle's files;
- tap → next screen: a capture-phase click listener takes the click's timeStamp; a MutationObserver on the
  screen container (#main) sees the screen replaced; the time is taken at the next frame after that
  (requestAnimationFrame, then a task). The taps go through real screens: categories, a search, guides,
  identity with the simulated ID card, form steps checked by the platform, confirm, back, home (which ends
  the session), the language switch and elder mode, on a short pause between taps as a person would.

Prints progress, then a table (figure, target, figure ÷ target: ≤ 1 is within target); writes the figures
as JSON. Stops the demo and the browser on success, failure, Ctrl-C and SIGTERM."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect, sync_playwright
from tests.browser import launch_chromium

from benchmarks.common import (
    ROOT,
    free_port,
    machine_facts,
    median,
    percentile,
    progress,
    running,
    stop_process_group,
)

STATIC = ROOT / "src" / "govkiosk" / "kiosk_ui" / "static"
TARGET_FIRST_SCREEN_MS = 1000.0
TARGET_TAP_P95_MS = 150.0
TARGET_JS_CSS_BYTES = 150 * 1024
VIEWPORT: ViewportSize = {"width": 1080, "height": 1920}
DEMO_TERMINALS = 4  # the demo leaves 3 kiosks for an operator to approve; SIM-1-00000 is approved
TAP_PAUSE_S = 0.3  # between taps: a person reads before the next tap; without it, taps queue on the last
PROFILES: dict[str, dict[str, int]] = {
    "full": {"cold": 20, "warm": 10, "cycles": 5},
    "quick": {"cold": 5, "warm": 3, "cycles": 1},
}
CERTIFICATE = "社会保险参保证明打印"  # one form step, then confirm
REGISTRATION = "灵活就业人员参保登记"  # four form steps: identity (prefilled), contact, insurance, materials
# Taps that wait for a device (the card reader and the face check, then the form's prefill, in one agent
# call): reported apart from the navigation taps, and within the overall figure. Their screen shows its
# busy state at once ("feedback").
DEVICE_TAPS = {"read-card"}

# Runs in every page before the bundle: the measuring side of the benchmark.
PROBE = """(() => {
  performance.setResourceTimingBufferSize(5000);
  const bench = (window.__bench = { taps: [], armed: null, firstScreen: null });
  const nextFrame = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.ready !== "1") return;
    observer.disconnect();
    nextFrame(() => (bench.firstScreen = performance.now()));
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
  addEventListener("click", (event) => {
    const label = bench.armed;
    if (!label) return;
    bench.armed = null;
    const tap = { label, start: event.timeStamp, listener: performance.now() };
    const main = document.getElementById("main");
    const feedback = new MutationObserver(() => {
      feedback.disconnect();
      nextFrame(() => (tap.feedback ??= performance.now()));
    });
    feedback.observe(main, { subtree: true, childList: true });
    const status = document.getElementById("status");
    feedback.observe(status, { subtree: true, childList: true, characterData: true });
    new MutationObserver((_, observer) => {
      observer.disconnect();
      tap.replaced = performance.now();
      nextFrame(() => {
        tap.end = performance.now();
        tap.feedback = Math.min(tap.feedback ?? tap.end, tap.end);
        tap.screen = document.body.dataset.screen;
        bench.taps.push(tap);
      });
    }).observe(main, { childList: true });
  }, true);
})();"""

PAGE_FIGURES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const entry = (r) => {
    const url = new URL(r.name);
    return { path: url.pathname + url.search, start: r.startTime, end: r.responseEnd,
      transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize };
  };
  return {
    painted: window.__bench.firstScreen,
    ready: performance.getEntriesByName("kiosk-ready")[0]?.startTime ?? null,
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    document: entry(nav),
    resources: performance.getEntriesByType("resource").map(entry),
  };
}"""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


# --- the stack ---


def _free_port_run(count: int) -> int:
    """A port p with p … p+count-1 all free (the demo takes its port, +1 and +2)."""
    for _ in range(50):
        base = free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no run of {count} free ports")


@dataclass
class DemoStack:
    """`govkiosk demo` in its own process group, its state in `workdir`; `kiosk_url` once it is online."""

    workdir: Path
    terminals: int = DEMO_TERMINALS
    proc: subprocess.Popen | None = None
    kiosk_url: str = ""

    @property
    def log_path(self) -> Path:
        return self.workdir / "demo.log"

    def start(self, timeout_s: float = 180.0) -> None:
        port = _free_port_run(3)
        command = [sys.executable, "-m", "govkiosk.cli", "demo", "--terminals", str(self.terminals)]
        command += ["--port", str(port), "--state-dir", str(self.workdir / "demo-state"), "--fresh"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while not self._online():
            if self.proc.poll() is not None:
                raise RuntimeError(f"govkiosk demo exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the demo's kiosk was not online within {timeout_s:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _online(self) -> bool:
        if not self.kiosk_url:
            found = re.search(r"^kiosk: (\S+)", self.log_path.read_text(errors="replace"), re.MULTILINE)
            if not found:
                return False
            self.kiosk_url = found.group(1)
        status = self.kiosk_url + "local/v1/status"
        with suppress(OSError, ValueError), urllib.request.urlopen(status, timeout=2) as answer:
            return bool(json.load(answer).get("online"))
        return False

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM: the demo stops its kiosks, then the platform."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process_group(proc, timeout_s=30)


# --- pages ---


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.__bench.firstScreen !== null", timeout=30_000)
    return page


def _new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.add_init_script(PROBE)
    return context


def _kind(path: str) -> str:
    if path.startswith("/local/"):
        return "api"
    return {".js": "js", ".css": "css", ".json": "json"}.get(Path(path).suffix, "other")


def _bytes_by_kind(resources: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Sums of transferSize, encodedBodySize and decodedBodySize, and request counts, by kind."""
    sums: dict[str, dict[str, int]] = {}
    for r in resources:
        s = sums.setdefault(_kind(r["path"]), {"requests": 0, "transfer": 0, "encoded": 0, "decoded": 0})
        s["requests"] += 1
        for key in ("transfer", "encoded", "decoded"):
            s[key] += int(r[key])
    return sums


def _js_css(sums: dict[str, dict[str, int]], key: str = "transfer") -> int:
    return sum(sums.get(kind, {}).get(key, 0) for kind in ("js", "css"))


def _first_screen(page: Page) -> dict[str, Any]:
    """One load's times (ms from navigation start) and the bytes requested before the home screen is ready."""
    f = page.evaluate(PAGE_FIGURES)
    before_ready = [r for r in f["resources"] if r["start"] <= f["ready"]]
    sums = _bytes_by_kind(before_ready)
    return {
        "painted_ms": round(f["painted"], 1),
        "ready_mark_ms": round(f["ready"], 1),
        "fcp_ms": round(f["fcp"], 1) if f["fcp"] is not None else None,
        "dom_content_loaded_ms": round(f["dom_content_loaded"], 1),
        "document_transfer": f["document"]["transfer"],
        "js_css_transfer": _js_css(sums),
        "bytes_by_kind": sums,
        "waterfall": [
            [r["path"], round(r["start"], 1), round(r["end"], 1), r["transfer"]]
            for r in sorted(before_ready, key=lambda r: r["start"])
        ],
    }


def _summary(loads: list[dict[str, Any]]) -> dict[str, Any]:
    painted = [x["painted_ms"] for x in loads]
    fcp = [x["fcp_ms"] for x in loads if x["fcp_ms"] is not None]
    return {
        "n": len(loads),
        "painted_median_ms": round(median(painted), 1),
        "painted_max_ms": round(max(painted), 1),
        "ready_mark_median_ms": round(median([x["ready_mark_ms"] for x in loads]), 1),
        "fcp_median_ms": round(median(fcp), 1) if fcp else None,
        "js_css_transfer_median": int(median([x["js_css_transfer"] for x in loads])),
        "loads": loads,
    }


def first_screens(browser: Browser, url: str, cold: int, warm: int) -> dict[str, Any]:
    """`cold` loads, each in a fresh context; then `warm` new pages in one context primed by a load."""
    loads = []
    for i in range(cold):
        context = _new_context(browser)
        try:
            loads.append(_first_screen(_open(context, url)))
        finally:
            context.close()
        progress(f"  cold {i + 1}/{cold}: home painted at {loads[-1]['painted_ms']:.0f} ms")
    result = {"cold": _summary(loads)}
    context = _new_context(browser)
    try:
        primer = _open(context, url)
        primer.wait_for_load_state("networkidle")  # the app preloads every screen module after ready
        primer.close()
        loads = []
        for _ in range(warm):
            page = _open(context, url)
            loads.append(_first_screen(page))
            page.close()
    finally:
        context.close()
    result["warm"] = _summary(loads)
    progress(f"  warm: home painted at {result['warm']['painted_median_ms']:.0f} ms (median of {warm})")
    return result


# --- taps ---


class Visit:
    """One page of the kiosk; `tap` clicks and waits for the next screen, which the page's probe times."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.taps = 0

    def tap(self, label: str, target: Locator | str, screen: str, step: str | None = None) -> None:
        page = self.page
        locator = page.locator(target) if isinstance(target, str) else target
        page.evaluate("(label) => (window.__bench.armed = label)", label)
        locator.click()
        page.wait_for_function("(n) => window.__bench.taps.length > n", arg=self.taps, timeout=30_000)
        self.taps += 1
        expect(page.locator("body")).to_have_attribute("data-screen", screen)
        if step:
            expect(page.locator(f'section[data-step="{step}"]')).to_be_visible()
        time.sleep(TAP_PAUSE_S)

    def button(self, name: str | re.Pattern[str]) -> Locator:
        return self.page.get_by_role("button", name=name, exact=isinstance(name, str)).first

    def toggles(self, screen: str) -> None:
        """Language there and back, elder mode on and off: each re-renders the screen."""
        for label in ("lang", "lang", "elder", "elder"):
            self.tap(label, f"#{label}", screen)

    def open_item(self, name: str) -> None:
        """Category 社会保险 or a search, the item's guide, start, identity with the card on the reader."""
        if name == CERTIFICATE:
            self.tap("category", self.button("社会保险"), "list")
        else:
            self.page.fill("#search", name[:4])
            self.tap("search", self.button("搜索"), "list")
        self.tap("item", self.button(re.compile(f"^{name}")), "guide")
        self.tap("start", "#start", "identity")


def _fill_contact(page: Page) -> None:
    page.fill("#f-applicant-mobile", "13800138000")
    page.get_by_label("福田区").check()
    if not page.input_value("#f-applicant-address"):
        page.fill("#f-applicant-address", "深圳市福田区福华三路88号")


def _fill_certificate(page: Page) -> None:
    page.get_by_label("办理居住证").check()
    page.fill("#f-period-from", "2023-01-01")
    page.fill("#f-period-to", "2023-12-31")


def cycle(v: Visit) -> None:
    """One round of a citizen's taps through the screens, from home back to home (about 34 taps)."""
    v.tap("category", v.button("社会保险"), "list")
    v.tap("item", v.button(re.compile(f"^{CERTIFICATE}")), "guide")
    v.toggles("guide")
    v.tap("back", "#back", "list")
    v.tap("home", "#home", "home")
    v.open_item(REGISTRATION)
    v.tap("read-card", "#read-card", "form", step="identity")
    v.tap("next", "#next", "form", step="contact")
    _fill_contact(v.page)
    v.toggles("form")
    v.tap("next", "#next", "form", step="insurance")
    v.tap("back", "#back", "form", step="contact")
    v.tap("home", "#home", "home")
    v.open_item(CERTIFICATE)
    v.tap("read-card", "#read-card", "form", step="request")
    _fill_certificate(v.page)
    v.tap("next", "#next", "confirm")
    v.tap("change", v.page.locator(".card-head button").first, "form", step="request")
    v.tap("next", "#next", "confirm")
    v.toggles("confirm")
    v.tap("home", "#home", "home")
    v.toggles("home")
    v.tap("progress", v.page.locator(".home-actions button").first, "progress")
    v.tap("back", "#back", "home")


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.5), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
    }


class NetworkLog:
    """The CDP view of a page's traffic: encodedDataLength (bytes on the wire) per finished request."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.urls: dict[str, str] = {}
        self.wire: dict[str, int] = {}
        session = context.new_cdp_session(page)
        session.on("Network.responseReceived", self._response)
        session.on("Network.loadingFinished", self._finished)
        session.send("Network.enable")

    def _response(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.wire[event["requestId"]] = int(event["encodedDataLength"])

    def js_css_bytes(self) -> int:
        paths = {rid: urllib.parse.urlparse(url).path for rid, url in self.urls.items()}
        return sum(n for rid, n in self.wire.items() if _kind(paths.get(rid, "")) in ("js", "css"))


def taps(browser: Browser, url: str, cycles: int) -> dict[str, Any]:
    """Cycles of taps in one page (cold at its start), then the whole visit's bytes."""
    context = _new_context(browser)
    try:
        page = context.new_page()
        network = NetworkLog(context, page)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function("window.__bench.firstScreen !== null", timeout=30_000)
        visit = Visit(page)
        for i in range(cycles):
            cycle(visit)
            done = page.evaluate("window.__bench.taps.map((t) => t.end - t.start)")
            progress(
                f"  cycle {i + 1}/{cycles}: {len(done)} taps, p95 so far {percentile(done, 0.95):.0f} ms"
            )
        return _tap_figures(page, network, errors)
    finally:
        context.close()


def _grouped(pairs: list[tuple[str, float]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[float]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: _stats(values) for key, values in sorted(groups.items())}


def _api_call(path: str) -> str:
    """A local API request named by its route: ids as {id}, only the query keys that have a value."""
    route, _, query = path.partition("?")
    keys = [k for k, v in urllib.parse.parse_qsl(query) if v]
    return re.sub(r"/\d+", "/{id}", route) + (f"?{'&'.join(keys)}" if keys else "")


def _tap_figures(page: Page, network: NetworkLog, errors: list[str]) -> dict[str, Any]:
    recorded = page.evaluate("window.__bench.taps")
    for tap in recorded:
        tap["ms"] = tap["end"] - tap["start"]
    router = page.evaluate(
        "import(document.querySelector('script[type=module]').src.replace('app.js', 'router.js'))"
        ".then((m) => m.timings)"
    )
    resources = page.evaluate(PAGE_FIGURES)["resources"]
    visit = _bytes_by_kind(resources)
    api = [(_api_call(r["path"]), r["end"] - r["start"]) for r in resources if _kind(r["path"]) == "api"]
    return {
        "overall": _stats([t["ms"] for t in recorded]),
        "navigation": _stats([t["ms"] for t in recorded if t["label"] not in DEVICE_TAPS]),
        "device": _stats([t["ms"] for t in recorded if t["label"] in DEVICE_TAPS]),
        "device_feedback": _stats(
            [t["feedback"] - t["start"] for t in recorded if t["label"] in DEVICE_TAPS]
        ),
        "by_label": _grouped([(t["label"], t["ms"]) for t in recorded]),
        "feedback_by_label": _grouped([(t["label"], t["feedback"] - t["start"]) for t in recorded]),
        "event_to_listener": _stats([t["listener"] - t["start"] for t in recorded]),
        "to_screen_replaced": _stats([t["replaced"] - t["start"] for t in recorded]),
        "router_timings": _stats(router),
        "local_api_ms": _grouped(api),
        "page_errors": errors,
        "visit_bytes_by_kind": visit,
        "visit_js_css_transfer": _js_css(visit),
        "visit_js_css_wire_cdp": network.js_css_bytes(),
        "taps": [{k: t[k] if isinstance(t[k], str) else round(t[k], 2) for k in t} for t in recorded],
    }


# --- the bundle on disk ---


def bundle_sizes() -> dict[str, Any]:
    """Raw and gzip (level 9, as the agent's GZipMiddleware) sizes of the bundle's files, by kind."""
    groups: dict[str, dict[str, int]] = {}
    files = {}
    for path in sorted(STATIC.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(STATIC))
        files[name] = {"raw": len(data), "gzip": len(gzip.compress(data, 9))}
        g = groups.setdefault(_kind("/" + name), {"files": 0, "raw": 0, "gzip": 0})
        g["files"] += 1
        g["raw"] += files[name]["raw"]
        g["gzip"] += files[name]["gzip"]
    return {"by_kind": groups, "files": files}


# --- run, table ---


def run(quick: bool) -> dict[str, Any]:
    """Start the demo, measure the first screens, the taps and the bytes; the figures as a dict."""
    profile = PROFILES["quick" if quick else "full"]
    workdir = Path(tempfile.mkdtemp(prefix="govkiosk-bench-ui-"))
    figures: dict[str, Any] = {"benchmark": "kiosk_ui", "profile": "quick" if quick else "full"}
    figures |= {"settings": {**profile, "viewport": VIEWPORT, "tap_pause_s": TAP_PAUSE_S}}
    figures["machine"] = machine_facts()
    try:
        progress(f"starting `govkiosk demo --terminals {DEMO_TERMINALS}` (fresh database in {workdir})")
        with running(DemoStack(workdir)) as demo, sync_playwright() as playwright:
            progress(f"kiosk online at {demo.kiosk_url}; launching Chromium")
            browser = launch_chromium(playwright)
            figures["chromium"] = browser.version
            progress(f"first screen: {profile['cold']} cold loads, {profile['warm']} warm")
            figures["first_screen"] = first_screens(browser, demo.kiosk_url, profile["cold"], profile["warm"])
            progress(f"taps: {profile['cycles']} rounds through the screens")
            figures["taps"] = taps(browser, demo.kiosk_url, profile["cycles"])
            browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures["bundle"] = bundle_sizes()
    figures["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["rows"] = rows(figures)
    figures["meets_targets"] = all(r["ratio"] <= 1 for r in figures["rows"] if r["ratio"] is not None)
    progress("kiosk UI: " + "; ".join(_headline(figures)))
    return figures


def _headline(f: dict[str, Any]) -> list[str]:
    cold, warm, t = f["first_screen"]["cold"], f["first_screen"]["warm"], f["taps"]
    taps, rest = t["overall"], t["navigation"]
    return [
        f"first screen {cold['painted_median_ms']:.0f} ms cold (max {cold['painted_max_ms']:.0f}), "
        f"{warm['painted_median_ms']:.0f} ms warm",
        f"JS+CSS {_kb(cold['js_css_transfer_median'])} KB first screen, "
        f"{_kb(t['visit_js_css_transfer'])} KB a visit",
        f"tap → next screen p50 {taps['p50_ms']:.0f} / p95 {taps['p95_ms']:.0f} / max {taps['max_ms']:.0f} "
        f"ms over {taps['n']} (navigation p95 {rest['p95_ms']:.0f} ms; device taps p95 "
        f"{t['device']['p95_ms']:.0f} ms, busy state p95 {t['device_feedback']['p95_ms']:.0f} ms)",
    ]


def _row(label: str, value: float, unit: str, target: float | None) -> dict[str, Any]:
    ratio = round(value / target, 2) if target else None
    return {"figure": label, "value": value, "unit": unit, "target": target, "ratio": ratio}


def _kb(n: float) -> float:
    return round(n / 1024, 1)


def rows(f: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows: each figure, its target (None: for reference) and figure ÷ target."""
    cold, warm, t, b = f["first_screen"]["cold"], f["first_screen"]["warm"], f["taps"], f["bundle"]["by_kind"]
    ms, first = TARGET_FIRST_SCREEN_MS, f"first screen painted, {{}} cache ({{}} of {cold['n']})"
    n = t["overall"]["n"]
    return [
        _row(first.format("cold", "median"), cold["painted_median_ms"], "ms", ms),
        _row(first.format("cold", "max"), cold["painted_max_ms"], "ms", ms),
        _row(
            f"first screen painted, warm cache (median of {warm['n']})", warm["painted_median_ms"], "ms", ms
        ),
        _row("  first contentful paint, cold (median)", cold["fcp_median_ms"] or 0, "ms", None),
        _row("  `kiosk-ready` mark, cold (median)", cold["ready_mark_median_ms"], "ms", None),
        _row("JS+CSS transferred for the first screen, cold", _kb(cold["js_css_transfer_median"]), "KB", 150),
        _row("JS+CSS transferred in a whole visit", _kb(t["visit_js_css_transfer"]), "KB", 150),
        _row("  the same, on the wire (CDP encodedDataLength)", _kb(t["visit_js_css_wire_cdp"]), "KB", None),
        _row(
            "  JS+CSS transferred for the first screen, warm", _kb(warm["js_css_transfer_median"]), "KB", None
        ),
        _row("  bundle JS+CSS on disk, raw", _kb(b["js"]["raw"] + b["css"]["raw"]), "KB", None),
        _row("  bundle JS+CSS on disk, gzip -9", _kb(b["js"]["gzip"] + b["css"]["gzip"]), "KB", None),
        _row(f"tap → next screen p50 (all {n} taps)", t["overall"]["p50_ms"], "ms", None),
        _row(f"tap → next screen p95 (all {n} taps)", t["overall"]["p95_ms"], "ms", TARGET_TAP_P95_MS),
        _row(f"tap → next screen max (all {n} taps)", t["overall"]["max_ms"], "ms", None),
        _row(
            f"tap → next screen p95, navigation taps ({t['navigation']['n']} taps)",
            t["navigation"]["p95_ms"],
            "ms",
            TARGET_TAP_P95_MS,
        ),
        _row(
            f"tap → next screen p50, device taps ({t['device']['n']} ID card reads)",
            t["device"]["p50_ms"],
            "ms",
            None,
        ),
        _row(
            f"tap → next screen p95, device taps ({t['device']['n']} ID card reads)",
            t["device"]["p95_ms"],
            "ms",
            None,
        ),
        _row("  device tap → its busy state, p95", t["device_feedback"]["p95_ms"], "ms", None),
        _row("  device tap → its busy state, max", t["device_feedback"]["max_ms"], "ms", None),
    ]


def print_table(figures: dict[str, Any]) -> None:
    """The rows as a plain-text table, then the taps by kind and the local API calls."""
    table = figures["rows"]
    width = max(len(r["figure"]) for r in table)
    print(f"\n{'figure':<{width}}  {'measured':>12}  {'target':>10}  figure ÷ target")
    print("-" * (width + 44))
    for r in table:
        target = f"≤ {r['target']:g} {r['unit']}" if r["target"] else ""
        ratio = (
            "" if r["ratio"] is None else f"{r['ratio']:.2f}" + ("" if r["ratio"] <= 1 else "  ABOVE TARGET")
        )
        print(f"{r['figure']:<{width}}  {r['value']:>9g} {r['unit']:<2}  {target:>10}  {ratio}")
    t = figures["taps"]
    print(
        f"\n{'tap → next screen':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  first response p95 ms"
    )
    for label, s in t["by_label"].items():
        print(f"{label:<28}{_stat_cells(s)}  {t['feedback_by_label'][label]['p95_ms']:>9.1f}")
    print(f"\n{'local API call (in the visit)':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for call, s in t["local_api_ms"].items():
        print(f"{call[len('/local/v1') :]:<28}{_stat_cells(s)}")
    print(f"page errors: {len(t['page_errors'])}; Chromium {figures['chromium']}")
    m = figures["machine"]
    print(f"{m['cores']} cores; load average at start {m['load_avg_at_start']}", end="")
    print(f", at end {figures['load_avg_at_end']}")


def _stat_cells(s: dict[str, float]) -> str:
    return f"{s['n']:>5}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}{s['max_ms']:>9.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 cold and 3 warm loads, one round of taps")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kiosk_ui.json")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    started = time.monotonic()
    try:
        figures = run(args.quick)
    except KeyboardInterrupt:
        progress("interrupted; stopped the demo and the browser")
        return 130
    figures["command"] = "python -m benchmarks.kiosk_ui" + (" --quick" if args.quick else "")
    figures["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["elapsed_s"] = round(time.monotonic() - started, 1)
    print_table(figures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
