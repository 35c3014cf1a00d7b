"""The conformance report: checks grouped by device class and level, as JSON and as a plain HTML page."""

import html
import statistics
from typing import Any

from pydantic import BaseModel, Field

LEVEL_TITLES = {
    "1": "协议 Protocol",
    "2": "功能 Function",
    "3": "健壮性 Robustness",
}


class Check(BaseModel):
    """One named check; a skipped check neither passes nor fails, and says why it was skipped."""

    name: str
    passed: bool
    skipped: bool = False
    reason: str = ""
    ms: float | None = None


class Level(BaseModel):
    passed: bool = True
    checks: list[Check] = Field(default_factory=list)

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        self.passed = all(c.passed for c in self.checks if not c.skipped)
        return check


class ClassResult(BaseModel):
    passed: bool = True
    levels: dict[str, Level] = Field(default_factory=dict)

    def level(self, number: str) -> Level:
        return self.levels.setdefault(number, Level())

    def settle(self) -> None:
        self.passed = all(level.passed for level in self.levels.values())


class Report(BaseModel):
    """What `govkiosk conformance` writes to `--report`."""

    passed: bool = False
    service: str
    simulated: bool = False
    publisher: Level = Field(default_factory=Level)
    classes: dict[str, ClassResult] = Field(default_factory=dict)
    figures: dict[str, Any] = Field(default_factory=dict)

    def settle(self) -> None:
        for result in self.classes.values():
            result.settle()
        self.passed = (
            self.publisher.passed and bool(self.classes) and all(r.passed for r in self.classes.values())
        )

    def failed_checks(self) -> list[str]:
        """`Class/level/check` of every failed check, e.g. `Printer/1/exactly one completion`."""
        failed = [f"publisher/0/{c.name}" for c in self.publisher.checks if not c.passed and not c.skipped]
        for cls, result in self.classes.items():
            for number, level in result.levels.items():
                failed += [f"{cls}/{number}/{c.name}" for c in level.checks if not c.passed and not c.skipped]
        return failed


def percentiles(samples_ms: list[float]) -> dict[str, float | int]:
    """Count, p50, p99 and max of latencies in ms."""
    if not samples_ms:
        return {"count": 0}
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p99": round(p99, 3),
        "max": round(ordered[-1], 3),
    }


def _mark(check: Check) -> str:
    if check.skipped:
        return '<td class="skip">跳过 skipped</td>'
    return '<td class="pass">通过 pass</td>' if check.passed else '<td class="fail">失败 FAIL</td>'


def _rows(checks: list[Check]) -> str:
    rows = []
    for check in checks:
        ms = "" if check.ms is None else f"{check.ms:.1f}"
        rows.append(
            f"<tr>{_mark(check)}<td>{html.escape(check.name)}</td>"
            f"<td>{html.escape(check.reason)}</td><td class='num'>{ms}</td></tr>"
        )
    return (
        "<table><thead><tr><th>结果 Result</th><th>检查 Check</th><th>说明 Reason</th>"
        "<th>ms</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#1a1a1a;max-width:70rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}.pass{color:#0a6b2d}.fail{color:#b00020;font-weight:bold}.skip{color:#666}
.num{text-align:right}.verdict{font-size:1.4rem;font-weight:bold}
td:first-child{white-space:nowrap}
"""


def _summary(report: Report) -> str:
    """One row per class: the verdict of each level."""
    head = "".join(f"<th>{html.escape(t)}</th>" for t in LEVEL_TITLES.values())
    rows = []
    for cls, result in report.classes.items():
        cells = []
        for number in LEVEL_TITLES:
            level = result.levels.get(number)
            verdict = "—" if level is None else ("通过 pass" if level.passed else "失败 FAIL")
            css = "" if level is None else ("pass" if level.passed else "fail")
            cells.append(f"<td class='{css}'>{verdict}</td>")
        rows.append(f"<tr><th>{html.escape(cls)}</th>{''.join(cells)}</tr>")
    return f"<table><thead><tr><th>设备 Device</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(report: Report) -> str:
    """A self-contained page (no external assets) for the vendor and the acceptance officer."""
    verdict = "通过 PASSED" if report.passed else "未通过 FAILED"
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<title>设备服务一致性报告 Device service conformance report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>设备服务一致性报告<br><small>Device service conformance report</small></h1>",
        f"<p class='verdict {'pass' if report.passed else 'fail'}'>{verdict}</p>",
        f"<p>服务 Service: <code>{html.escape(report.service)}</code> · "
        f"模拟 Simulated: {'是 yes' if report.simulated else '否 no'}</p>",
        _summary(report),
        "<h2>服务发现 Discovery</h2>",
        _rows(report.publisher.checks),
    ]
    for cls, result in report.classes.items():
        status = "通过 passed" if result.passed else "未通过 FAILED"
        parts.append(f"<h2>{html.escape(cls)} — {status}</h2>")
        for number, level in sorted(result.levels.items()):
            parts.append(f"<h3>级别 Level {number}: {LEVEL_TITLES.get(number, '')}</h3>{_rows(level.checks)}")
    parts.append("<h2>数据 Figures</h2><table><tbody>")
    for key, value in report.figures.items():
        parts.append(f"<tr><th>{html.escape(key)}</th><td>{html.escape(str(value))}</td></tr>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts)
