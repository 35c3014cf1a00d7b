"""Runs the conformance kit against a device service: discovery, then levels 1–3 for each class."""

import asyncio
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from govkiosk.conformance.context import Failed, Options, Target, check, expect_code
from govkiosk.conformance.function import level2
from govkiosk.conformance.protocol import level1
from govkiosk.conformance.report import ClassResult, Level, Report, render_html
from govkiosk.conformance.robustness import level3, soak_class
from govkiosk.conformance.session import ServiceSession
from govkiosk.contracts.devices import CapabilitiesPayload, ServicesPayload

DISCOVERY_WS = "ServicePublisher.GetServices lists the services"
DISCOVERY_HTTP = "GET /services lists the services"
CLASSES_OFFERED = "requested classes offered"


def _http_url(publisher: str) -> str:
    parts = urlsplit(publisher)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/services", "", ""))


def _service_url(publisher: str, uri: str) -> str:
    """A service URI from discovery (absolute, or a path on the publisher's host) as a ws:// URL."""
    if uri.startswith(("ws://", "wss://")):
        return uri
    if uri.startswith(("http://", "https://")):
        return "ws" + uri.removeprefix("http")
    return urljoin(publisher, uri)


async def discover(url: str, options: Options, level: Level) -> ServicesPayload | None:
    """Ask the publisher (WebSocket) and the discovery document (HTTP) which services there are."""
    found: list[ServicesPayload] = []

    async def over_websocket() -> str | None:
        async with ServiceSession(url, token=options.token) as session:
            exchange = await session.command("ServicePublisher.GetServices")
            expect_code(exchange, "success", "ServicePublisher.GetServices")
            assert exchange.completion is not None
            services = ServicesPayload.model_validate(exchange.completion.payload)
            if not services.services:
                raise Failed("no services listed")
            found.append(services)
            return ", ".join(s.deviceClass for s in services.services)

    async def over_http() -> str | None:
        headers = {"Authorization": f"Bearer {options.token}"} if options.token else {}
        params = {"token": options.token} if options.token else {}
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(_http_url(url), headers=headers, params=params)
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code}")
        services = ServicesPayload.model_validate(response.json())
        found.append(services)
        return f"{len(services.services)} services"

    await check(level, DISCOVERY_WS, over_websocket, options)
    await check(level, DISCOVERY_HTTP, over_http, options)
    return found[0] if found else None


async def _target(url: str, device_class: str, uri: str, options: Options) -> Target:
    target = Target(device_class=device_class, url=_service_url(url, uri))
    async with ServiceSession(target.url, token=options.token) as session:
        exchange = await session.command("Common.Capabilities", wait=5)
    if exchange.code == "success" and exchange.completion is not None:
        try:
            capabilities = CapabilitiesPayload.model_validate(exchange.completion.payload)
            target.commands, target.simulated = capabilities.commands, capabilities.simulated
        except ValueError:
            pass  # level 1 reports the invalid payload
    return target


async def run(url: str, *, classes: list[str] | None, options: Options) -> Report:
    """Check the service at `url` (its publisher endpoint) and return the report."""
    echo = options.echo
    report = Report(service=url)
    started = time.monotonic()
    echo(f"服务发现 discovery: {url}")
    services = await discover(url, options, report.publisher)
    if services is None:
        report.settle()
        return report
    report.simulated = services.simulated
    offered = {s.deviceClass: s.serviceURI for s in services.services}
    wanted = classes or list(offered)

    async def requested() -> str | None:
        missing = [c for c in wanted if c not in offered]
        if missing:
            raise Failed(f"not offered: {missing}")
        return None

    await check(report.publisher, CLASSES_OFFERED, requested, options)
    soaked = soak_class([c for c in wanted if c in offered])
    for device_class in (c for c in wanted if c in offered):
        target = await _target(url, device_class, offered[device_class], options)
        result = report.classes.setdefault(device_class, ClassResult())
        echo(f"{device_class} — 级别 level 1 协议 protocol ({target.url})")
        await level1(target, options, result.level("1"), report.figures)
        echo(f"{device_class} — 级别 level 2 功能 function")
        await level2(target, options, result.level("2"))
        echo(f"{device_class} — 级别 level 3 健壮性 robustness")
        await level3(target, options, result.level("3"), report.figures, soak=device_class == soaked)
        result.settle()
    report.figures["seconds"] = round(time.monotonic() - started, 2)
    report.settle()
    echo(("通过 PASSED" if report.passed else "未通过 FAILED") + _failures(report))
    return report


def _failures(report: Report) -> str:
    failed = report.failed_checks()
    return "" if not failed else f": {len(failed)} failed — " + "; ".join(failed[:8])


def run_cli(
    url: str,
    *,
    token: str | None,
    classes: list[str] | None,
    unattended: bool,
    soak: int,
    fault_wait: float,
    report_path: Path | None,
    html_path: Path | None,
) -> bool:
    """`govkiosk conformance`: run, write the JSON and HTML reports, say whether it passed."""
    options = Options(token=token, unattended=unattended, soak=soak, fault_wait=fault_wait)
    report = asyncio.run(run(url, classes=classes, options=options))
    write(report, report_path=report_path, html_path=html_path)
    return report.passed


def write(report: Report, *, report_path: Path | None, html_path: Path | None) -> None:
    if report_path is not None:
        report_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if html_path is not None:
        html_path.write_text(render_html(report), encoding="utf-8")
