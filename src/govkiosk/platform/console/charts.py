"""Weekly rate charts (入驻率, 办件率) as geometry for inline SVG: one line per scope (a district), drawn
server-side by the templates, so the console needs no JavaScript and no chart library."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from govkiosk.platform.console.rendering import CHINA_TIME

# Okabe-Ito colours (distinguishable with colour-blindness), then dash patterns once they run out.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3")  # a dash per series as well, so overlapping lines stay apart
WIDTH, PLOT_HEIGHT = 960, 300
LEFT, RIGHT, TOP, AXIS = 56, 20, 16, 44  # margins; AXIS is the space below the plot for the dates
LEGEND_ROW, LEGEND_PER_ROW = 22, 4


class RatePoint(Protocol):
    """One week of a series: when, and the rate (None when nothing could be counted)."""

    @property
    def at(self) -> datetime: ...

    @property
    def rate(self) -> float | None: ...


class Series(Protocol):
    """A named scope's points, one a week, oldest first."""

    @property
    def name(self) -> str: ...

    @property
    def points(self) -> Sequence[RatePoint]: ...


# What a point's tooltip adds after its rate, e.g. the counts "(3/5)".
Counts = Callable[[RatePoint], str]


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    dash: str
    path: str  # SVG path data; a week without data breaks the line
    points: list[tuple[float, float, str]]  # x, y, tooltip
    legend: tuple[float, float]  # where its legend entry starts
    latest: str  # the last known rate, for the description


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    lines: list[Line]


def percent(rate: float | None) -> str:
    """A rate as a whole percentage; an em dash when unknown."""
    return "—" if rate is None else f"{rate * 100:.0f}%"


def _line(
    number: int, one: Series, xs: list[float], bottom: float, legend: tuple[float, float], counts: Counts
) -> Line:
    path, points, pen_down = [], [], False
    for x, point in zip(xs, one.points, strict=False):
        if point.rate is None:
            pen_down = False
            continue
        y = bottom - point.rate * PLOT_HEIGHT
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        date = point.at.astimezone(CHINA_TIME).strftime("%Y-%m-%d")
        points.append((x, y, f"{one.name} {date}: {percent(point.rate)} {counts(point)}".rstrip()))
        pen_down = True
    known = [p.rate for p in one.points if p.rate is not None]
    colour, dash = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)]
    return Line(one.name, colour, dash, " ".join(path), points, legend, percent(known[-1] if known else None))


def _legend_at(number: int, top: float) -> tuple[float, float]:
    column = (WIDTH - LEFT) / LEGEND_PER_ROW
    return LEFT + (number % LEGEND_PER_ROW) * column, top + (number // LEGEND_PER_ROW) * LEGEND_ROW


def rate_chart(series: Sequence[Series], counts: Counts = lambda _: "") -> Chart | None:
    """Weekly rates per scope as chart geometry: one line per scope that has data; None when none has."""
    drawn = [s for s in series if any(p.rate is not None for p in s.points)]
    if not drawn:
        return None
    weeks = max(len(s.points) for s in drawn)
    right, bottom = WIDTH - RIGHT, TOP + PLOT_HEIGHT
    step = (right - LEFT) / max(weeks - 1, 1)
    xs = [LEFT + i * step for i in range(weeks)]
    legend_top = bottom + AXIS
    lines = [_line(n, s, xs, bottom, _legend_at(n, legend_top), counts) for n, s in enumerate(drawn)]
    longest = max(drawn, key=lambda s: len(s.points)).points
    dates = [p.at.astimezone(CHINA_TIME).strftime("%m-%d") for p in longest]
    every = 1 if weeks <= 8 else 2
    x_ticks = [(xs[i], dates[i]) for i in range(weeks) if (weeks - 1 - i) % every == 0]
    y_ticks = [(bottom - f * PLOT_HEIGHT, f"{f * 100:.0f}%") for f in (0, 0.25, 0.5, 0.75, 1)]
    height = legend_top + LEGEND_ROW * ((len(lines) - 1) // LEGEND_PER_ROW + 1)
    return Chart(WIDTH, height, LEFT, TOP, right, bottom, y_ticks, x_ticks, lines)
