"""The onboarding rate (入驻率): kiosk-enabled published items ÷ published items eligible for kiosks, per
district and per department, now and week by week.

A district counts the items of its own departments and of the departments above it (a city bureau's item
is eligible in every district); an item is enabled in a district when a live publication targets the
district, a node inside it or a node above it. The history replays when publications started and ended;
it takes today's eligibility as given and counts a suspension as live (suspensions are short and rare)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.onboarding import repository
from govkiosk.platform.onboarding.models import Onboarding
from govkiosk.platform.onboarding.schemas import RateAt, RatePoint, RateSeries
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind


def _related(a: str, b: str) -> bool:
    """One path lies in the other's subtree."""
    return a.startswith(b) or b.startswith(a)


def _rate(enabled: int, eligible: int) -> float | None:
    return round(enabled / eligible, 4) if eligible else None


def by_department(session: Session, paths: Sequence[str]) -> list[RatePoint]:
    """入驻率 of every department inside `paths`."""
    dept_paths = catalog.department_paths(session)
    names = catalog.department_names(session)
    counts: dict[int, list[int]] = {}
    for _item_id, department_id, enabled in catalog.eligible_items(session):
        if any(dept_paths.get(department_id, "").startswith(p) for p in paths):
            tally = counts.setdefault(department_id, [0, 0])
            tally[0] += 1
            tally[1] += int(enabled)
    return sorted(
        (
            RatePoint(
                scope="department", scope_id=d, name=names.get(d, ""), eligible=e, enabled=n, rate=_rate(n, e)
            )
            for d, (e, n) in counts.items()
        ),
        key=lambda r: (-(r.rate or 0), r.name),
    )


def _districts(session: Session, paths: Sequence[str]) -> list[tuple[int, str, str]]:
    root = orgs.get_root(session)
    nodes = orgs.list_nodes(session, under=root, kind=OrgKind.DISTRICT)
    return [
        (n.id, n.name, n.path)
        for n in nodes
        if any(n.path.startswith(p) or p.startswith(n.path) for p in paths)
    ]


def _live_targets(session: Session, at: datetime | None) -> dict[int, list[str]]:
    """Item id → target paths of its publications live now (at=None) or at a past time."""
    node_paths = orgs.all_paths(session)
    targets: dict[int, list[str]] = {}
    rows: Sequence[Onboarding] = (
        repository.live(session) if at is None else repository.ever_published(session)
    )
    for o in rows:
        if o.subject != "item":
            continue
        if at is not None and not _live_at(o, at):
            continue
        targets.setdefault(o.subject_id, []).extend(node_paths.get(n, "\0") for n in o.org_node_ids)
    return targets


def _live_at(onboarding: Onboarding, at: datetime) -> bool:
    started = onboarding.published_at is not None and as_utc(onboarding.published_at) <= at
    return started and (onboarding.ended_at is None or as_utc(onboarding.ended_at) > at)


def _district_points(session: Session, paths: Sequence[str], at: datetime | None) -> list[RatePoint]:
    dept_paths = catalog.department_paths(session)
    items = [(i, dept_paths.get(d, "")) for i, d, _ in catalog.eligible_items(session)]
    targets = _live_targets(session, at)
    points = []
    for node_id, name, path in _districts(session, paths):
        mine = [i for i, dept_path in items if _related(dept_path, path)]
        enabled = sum(1 for i in mine if any(_related(t, path) for t in targets.get(i, [])))
        points.append(
            RatePoint(
                scope="district",
                scope_id=node_id,
                name=name,
                eligible=len(mine),
                enabled=enabled,
                rate=_rate(enabled, len(mine)),
            )
        )
    return points


def by_district(session: Session, paths: Sequence[str]) -> list[RatePoint]:
    """入驻率 of every district inside (or above) `paths`, now."""
    return _district_points(session, paths, None)


def history(session: Session, paths: Sequence[str], *, weeks: int) -> list[RateSeries]:
    """入驻率 per district, one point per week for the last `weeks` weeks (the last point is now)."""
    now = utcnow()
    times = [now - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    series: dict[int, RateSeries] = {}
    for at in times:
        for point in _district_points(session, paths, at):
            entry = series.setdefault(
                point.scope_id,
                RateSeries(scope="district", scope_id=point.scope_id, name=point.name, points=[]),
            )
            entry.points.append(
                RateAt(at=at, eligible=point.eligible, enabled=point.enabled, rate=point.rate)
            )
    return list(series.values())
