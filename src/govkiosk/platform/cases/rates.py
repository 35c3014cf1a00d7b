"""The case-handling rate (办件率): cases handled at kiosks ÷ all cases of the items offered at kiosks, per
district, department and item, in total and week by week; and the reports of other channels' cases
(window 窗口, online 网上) that make up the rest of the denominator.

Definitions (docs/cases.md, "办件率"):
- a kiosk case is a `Case` with channel kiosk that left the draft state;
- all cases = every `Case` of any channel (not drafts) + every `ChannelCase` a department reported;
- only items offered at kiosks count, on both sides: items kiosk-enabled now, or that have had a kiosk case
  (an item taken off the kiosks keeps its history);
- a case counts where it was handled (its org node): for a district, a node inside it; cases handled at a
  node above every district (e.g. a city bureau's own hall) count for departments and items only;
- time is when the platform (kiosk) or department (other channels) received the case; only cases handled
  inside the caller's subtrees are counted."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, false, func, literal_column, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govkiosk.platform.audit import service as audit
from govkiosk.platform.cases.channel_models import ChannelCase
from govkiosk.platform.cases.models import Case
from govkiosk.platform.cases.rate_schemas import (
    CaseRateAt,
    CaseRatePoint,
    CaseRateSeries,
    ChannelCaseBatch,
    ChannelCaseBatchResult,
    ChannelCaseReport,
    ChannelCaseResult,
)
from govkiosk.platform.cases.states import CaseState
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import Channel
from govkiosk.platform.catalog.service import DepartmentCaller
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, InvalidInput, NotFound
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode

Scope = Literal["district", "department", "item"]
CLOCK_SKEW = timedelta(minutes=5)  # a department's clock may run a little ahead of ours
# The catalog channels (办理形式) under which an item accepts a reported case of each channel.
ITEM_CHANNELS = {"window": {Channel.WINDOW}, "online": {Channel.ONLINE, Channel.MOBILE}}
CHANNELS = ("kiosk", "window", "online")


# --- other channels' cases -------------------------------------------------------------------------------


def report(session: Session, caller: DepartmentCaller, batch: ChannelCaseBatch) -> ChannelCaseBatchResult:
    """Store a department's window/online cases once each: the whole batch is checked first (422 naming the
    row), and a case already reported (same external id) is answered as first stored and changes nothing."""
    ids = [row.external_id for row in batch.cases]
    known = {
        c.external_id: c
        for c in session.scalars(
            select(ChannelCase).where(
                ChannelCase.department_id == caller.department_id, ChannelCase.external_id.in_(set(ids))
            )
        )
    }
    department = catalog.get_department(session, caller.department_id)
    checker = _RowChecker(session, caller, department.org_node_id)
    now, fresh = utcnow(), {}
    for index, row in enumerate(batch.cases):
        if row.external_id not in known and row.external_id not in fresh:
            fresh[row.external_id] = checker.new_row(index, row, now)
    try:
        with session.begin_nested():
            session.add_all(fresh.values())
            session.flush()
    except IntegrityError as exc:  # the same cases reported twice at the same instant (PostgreSQL)
        raise Conflict("another report of these cases arrived at the same time; send it again") from exc
    if fresh:
        audit.record(
            session,
            caller.actor,
            "channel_cases.report",
            object_type="department",
            object_id=caller.department_id,
            org_path=caller.org_path,
            detail={"created": len(fresh), "duplicates": len(ids) - len(fresh)},
        )
    results, answered = [], set()
    for external_id in ids:
        stored = known.get(external_id) or fresh[external_id]
        duplicate = external_id in known or external_id in answered
        answered.add(external_id)
        results.append(ChannelCaseResult.model_validate(stored).model_copy(update={"duplicate": duplicate}))
    created = len(fresh)
    return ChannelCaseBatchResult(
        received=len(ids), created=created, duplicates=len(ids) - created, cases=results
    )


class _RowChecker:
    """Checks reported rows against the catalog and the org tree, with one lookup per item and node."""

    def __init__(self, session: Session, caller: DepartmentCaller, default_node: int):
        self.session, self.caller, self.default_node = session, caller, default_node
        self.items: dict[int, set[str] | None] = {}
        self.nodes: dict[int, str | None] = {}

    def _channels(self, item_id: int) -> set[str] | None:
        """The item's catalog channels, None when it is not one of the caller's items."""
        if item_id not in self.items:
            try:
                item = catalog.get_item(self.session, item_id)
            except NotFound:
                item = None
            if item is None or item.department_id != self.caller.department_id:
                self.items[item_id] = None
            else:
                version = item.published_version or item.latest_version
                content, _ = catalog.item_content(self.session, item.id, version)
                self.items[item_id] = {str(c) for c in content.channels}
        return self.items[item_id]

    def _path(self, node_id: int) -> str | None:
        if node_id not in self.nodes:
            try:
                self.nodes[node_id] = orgs.get_path(self.session, node_id)
            except NotFound:
                self.nodes[node_id] = None
        return self.nodes[node_id]

    def new_row(self, index: int, row: ChannelCaseReport, now: datetime) -> ChannelCase:
        """The row to store, or InvalidInput naming the row and the field."""
        where = f"cases.{index}"
        channels = self._channels(row.item_id)
        if channels is None:
            raise InvalidInput(f"{where}.item_id: service item {row.item_id} not found among your items")
        if not channels & ITEM_CHANNELS[row.channel]:
            offered = ", ".join(sorted(channels)) or "none"
            raise InvalidInput(
                f"{where}.channel: item {row.item_id} is not handled {row.channel} (its channels: {offered})"
            )
        node_id = row.org_node_id or self.default_node
        path = self._path(node_id)
        if path is None or not path.startswith(self.caller.org_path):
            raise InvalidInput(
                f"{where}.org_node_id: org node {node_id} is not inside your department's area"
            )
        received = as_utc(row.received_at)
        if received > now + CLOCK_SKEW:
            raise InvalidInput(f"{where}.received_at: {received.isoformat()} is in the future")
        return ChannelCase(
            department_id=self.caller.department_id,
            external_id=row.external_id,
            item_id=row.item_id,
            channel=row.channel,
            org_node_id=node_id,
            received_at=received,
            state=row.state.value if row.state else None,
            reported_at=now,
        )


# --- queries ---------------------------------------------------------------------------------------------


def _under(paths: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(OrgNode.path.startswith(p) for p in paths)) if paths else false()


def kiosk_items(session: Session) -> set[int]:
    """Items whose cases count: kiosk-enabled now, or with at least one kiosk case."""
    enabled = {item_id for item_id, _department, on in catalog.eligible_items(session) if on}
    used = session.scalars(select(Case.item_id).where(Case.channel == "kiosk").distinct())
    return enabled | set(used)


def _counts(
    session: Session,
    paths: Sequence[str],
    key: Literal["org_node_id", "department_id", "item_id"],
    *,
    items: set[int],
    since: datetime | None,
    edges: Sequence[datetime] = (),
) -> dict[tuple[int, int], dict[str, int]]:
    """Case counts by (key, week index) and channel: kiosk cases and the other channels' reports together.

    With `edges` (week starts, oldest first), each case falls in the last week that starts at or before it
    and cases before the first edge are left out; without, every case is in week 0."""
    totals: dict[tuple[int, int], dict[str, int]] = {}
    if not items or not paths:
        return totals
    for model in (Case, ChannelCase):
        received: Any = model.received_at
        week: Any = literal_column("0")
        if edges:
            week = case(*((received >= edge, i) for i, edge in reversed(list(enumerate(edges)))), else_=-1)
        rows = (
            select(getattr(model, key).label("scope_id"), week.label("week"), model.channel.label("channel"))
            .join(OrgNode, OrgNode.id == model.org_node_id)
            .where(_under(paths), model.item_id.in_(sorted(items)))
        )
        if model is Case:
            rows = rows.where(Case.state != CaseState.DRAFT)
        start = edges[0] if edges else since
        if start is not None:
            rows = rows.where(received >= start)
        inner = rows.subquery()  # grouping by the week's name keeps the CASE out of GROUP BY (PostgreSQL)
        query = select(inner.c.scope_id, inner.c.week, inner.c.channel, func.count()).group_by(
            inner.c.scope_id, inner.c.week, inner.c.channel
        )
        for scope_id, index, channel, count in session.execute(query):
            tally = totals.setdefault((scope_id, int(index)), dict.fromkeys(CHANNELS, 0))
            tally[channel if channel in tally else "window"] += count
    return totals


def _rate(kiosk: int, total: int) -> float | None:
    return round(kiosk / total, 4) if total else None


def _districts(session: Session, paths: Sequence[str]) -> list[tuple[int, str, str]]:
    """(id, name, path) of the districts inside or above the caller's subtrees."""
    nodes = orgs.list_nodes(session, under=orgs.get_root(session), kind=OrgKind.DISTRICT)
    return [
        (n.id, n.name, n.path)
        for n in nodes
        if any(n.path.startswith(p) or p.startswith(n.path) for p in paths)
    ]


def _by_district(
    session: Session, counts: dict[tuple[int, int], dict[str, int]], paths: Sequence[str]
) -> dict[int, tuple[str, dict[int, dict[str, int]]]]:
    """District id → (name, week index → counts), from counts keyed by org node."""
    node_paths = orgs.all_paths(session)
    districts = _districts(session, paths)
    result: dict[int, tuple[str, dict[int, dict[str, int]]]] = {d: (name, {}) for d, name, _ in districts}
    for (node_id, week), tally in counts.items():
        node_path = node_paths.get(node_id, "\0")
        for district_id, _name, path in districts:
            if node_path.startswith(path):
                weeks = result[district_id][1]
                into = weeks.setdefault(week, dict.fromkeys(CHANNELS, 0))
                for channel, n in tally.items():
                    into[channel] += n
                break
    return result


def _point(scope: Scope, scope_id: int, name: str, tally: dict[str, int]) -> CaseRatePoint:
    total = sum(tally.values())
    return CaseRatePoint(
        scope=scope,
        scope_id=scope_id,
        name=name,
        kiosk=tally["kiosk"],
        window=tally["window"],
        online=tally["online"],
        total=total,
        rate=_rate(tally["kiosk"], total),
    )


def by_scope(
    session: Session, paths: Sequence[str], by: Scope, since: datetime | None = None
) -> list[CaseRatePoint]:
    """办件率 per district (every one in scope, with or without cases), department or item (those with
    cases), counting cases received since `since` (all time when None), highest rate first."""
    items = kiosk_items(session)
    empty = dict.fromkeys(CHANNELS, 0)
    if by == "district":
        counts = _counts(session, paths, "org_node_id", items=items, since=since)
        points = [
            _point("district", d, name, weeks.get(0, empty))
            for d, (name, weeks) in _by_district(session, counts, paths).items()
        ]
    else:
        key: Literal["department_id", "item_id"] = "department_id" if by == "department" else "item_id"
        counts = _counts(session, paths, key, items=items, since=since)
        names = catalog.department_names(session) if by == "department" else catalog.item_names(session)
        points = [_point(by, s, names.get(s, str(s)), tally) for (s, _week), tally in counts.items()]
    return sorted(points, key=lambda p: (-(p.rate or 0), -p.total, p.name))


def history(session: Session, paths: Sequence[str], weeks: int) -> list[CaseRateSeries]:
    """办件率 per district, one point per week for the last `weeks` weeks (the last week ends now)."""
    now = utcnow()
    edges = [now - timedelta(weeks=weeks - i) for i in range(weeks)]
    counts = _counts(session, paths, "org_node_id", items=kiosk_items(session), since=None, edges=edges)
    ends = [*edges[1:], now]
    empty = dict.fromkeys(CHANNELS, 0)
    series = []
    for district_id, (name, by_week) in _by_district(session, counts, paths).items():
        points = []
        for i, (start, end) in enumerate(zip(edges, ends, strict=True)):
            tally = by_week.get(i, empty)
            total = sum(tally.values())
            points.append(
                CaseRateAt(
                    since=start,
                    until=end,
                    kiosk=tally["kiosk"],
                    total=total,
                    rate=_rate(tally["kiosk"], total),
                )
            )
        series.append(CaseRateSeries(scope="district", scope_id=district_id, name=name, points=points))
    return series
