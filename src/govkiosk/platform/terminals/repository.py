"""Queries of the terminal registry."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from govkiosk.platform.db.session import rowcount
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.terminals.models import (
    Connectivity,
    EnrollmentState,
    EnrollmentToken,
    PreauthorizedSerial,
    Terminal,
    TerminalEvent,
    TerminalProfile,
    UsedChallenge,
    Vendor,
)


def get(session: Session, terminal_id: int) -> Terminal | None:
    return session.get(Terminal, terminal_id)


def get_by_serial(session: Session, serial: str) -> Terminal | None:
    return session.scalars(select(Terminal).where(Terminal.serial == serial)).first()


def get_with_path(session: Session, terminal_id: int) -> tuple[Terminal, str] | None:
    row = session.execute(
        select(Terminal, OrgNode.path)
        .join(OrgNode, OrgNode.id == Terminal.org_node_id)
        .where(Terminal.id == terminal_id)
    ).first()
    return (row[0], row[1]) if row else None


def scope_clause(scopes: Sequence[tuple[str, int | None]]) -> ColumnElement[bool]:
    """Terminals inside any (subtree, vendor) scope."""
    clauses = []
    for path, vendor_id in scopes:
        inside = OrgNode.path.startswith(path, autoescape=True)
        clauses.append(and_(inside, Terminal.vendor_id == vendor_id) if vendor_id is not None else inside)
    return or_(*clauses) if clauses else false()


def state_clause(state: str) -> ColumnElement[bool]:
    """The combined state shown to operators: enrollment state unless approved, then connectivity."""
    if state in set(Connectivity):
        return and_(Terminal.enrollment_state == EnrollmentState.APPROVED, Terminal.connectivity == state)
    return Terminal.enrollment_state == state


def search(
    session: Session,
    *,
    scopes: Sequence[tuple[str, int | None]],
    state: str | None,
    under_path: str | None,
    vendor_id: int | None,
    profile_id: int | None,
    q: str | None,
    limit: int,
    offset: int,
    attention: bool | None = None,
) -> tuple[Sequence[tuple[Terminal, str]], int]:
    """Terminals in scope matching the filters, with their node's path, ordered by serial."""
    conditions = [scope_clause(scopes)]
    if state:
        conditions.append(state_clause(state))
    if under_path:
        conditions.append(OrgNode.path.startswith(under_path, autoescape=True))
    if vendor_id is not None:
        conditions.append(Terminal.vendor_id == vendor_id)
    if profile_id is not None:
        conditions.append(Terminal.profile_id == profile_id)
    if q:
        conditions.append(Terminal.serial.contains(q, autoescape=True))
    if attention is not None:
        conditions.append(Terminal.needs_attention.is_(attention))
    base = select(Terminal, OrgNode.path).join(OrgNode, OrgNode.id == Terminal.org_node_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Terminal.serial).limit(limit).offset(offset)).all()
    return [(t, p) for t, p in rows], total


def count_by_node_path(
    session: Session, *, scopes: Sequence[tuple[str, int | None]], under_path: str
) -> dict[str, int]:
    """How many terminals in scope stand at each node under `under_path`, by the node's path."""
    rows = session.execute(
        select(OrgNode.path, func.count())
        .select_from(Terminal)
        .join(OrgNode, OrgNode.id == Terminal.org_node_id)
        .where(scope_clause(scopes), OrgNode.path.startswith(under_path, autoescape=True))
        .group_by(OrgNode.path)
    ).all()
    return {path: n for path, n in rows}


def count_by_state(session: Session, *, scopes: Sequence[tuple[str, int | None]]) -> dict[str, int]:
    rows = session.execute(
        select(Terminal.enrollment_state, Terminal.connectivity, func.count())
        .join(OrgNode, OrgNode.id == Terminal.org_node_id)
        .where(scope_clause(scopes))
        .group_by(Terminal.enrollment_state, Terminal.connectivity)
    ).all()
    counts: dict[str, int] = {}
    for enrollment, connectivity, n in rows:
        key = connectivity if enrollment == EnrollmentState.APPROVED else enrollment
        counts[key] = counts.get(key, 0) + n
    return counts


def events(session: Session, terminal_id: int, *, limit: int) -> Sequence[TerminalEvent]:
    return session.scalars(
        select(TerminalEvent)
        .where(TerminalEvent.terminal_id == terminal_id)
        .order_by(TerminalEvent.id.desc())
        .limit(limit)
    ).all()


def add_events(session: Session, events_: Sequence[TerminalEvent]) -> None:
    session.add_all(events_)


def get_vendor(session: Session, vendor_id: int) -> Vendor | None:
    return session.get(Vendor, vendor_id)


def get_vendor_by_code(session: Session, code: str) -> Vendor | None:
    return session.scalars(select(Vendor).where(Vendor.code == code)).first()


def list_vendors(session: Session) -> Sequence[Vendor]:
    return session.scalars(select(Vendor).order_by(Vendor.code)).all()


def get_profile(session: Session, profile_id: int) -> TerminalProfile | None:
    return session.get(TerminalProfile, profile_id)


def get_profile_by_code(session: Session, code: str) -> TerminalProfile | None:
    return session.scalars(select(TerminalProfile).where(TerminalProfile.code == code)).first()


def list_profiles(session: Session) -> Sequence[TerminalProfile]:
    return session.scalars(select(TerminalProfile).order_by(TerminalProfile.code)).all()


def get_token_by_hash(session: Session, token_hash: str) -> EnrollmentToken | None:
    return session.scalars(select(EnrollmentToken).where(EnrollmentToken.token_hash == token_hash)).first()


def get_token(session: Session, token_id: int) -> EnrollmentToken | None:
    return session.get(EnrollmentToken, token_id)


def list_tokens(session: Session, *, paths: Sequence[str]) -> Sequence[EnrollmentToken]:
    clauses = [OrgNode.path.startswith(p, autoescape=True) for p in paths]
    return session.scalars(
        select(EnrollmentToken)
        .join(OrgNode, OrgNode.id == EnrollmentToken.org_node_id)
        .where(or_(*clauses) if clauses else false())
        .order_by(EnrollmentToken.id.desc())
    ).all()


def consume_token(session: Session, token_id: int, now: datetime) -> bool:
    """Use one of the token's uses, atomically; False when none is left or it expired meanwhile."""
    result = session.execute(
        update(EnrollmentToken)
        .where(
            EnrollmentToken.id == token_id,
            EnrollmentToken.uses < EnrollmentToken.max_uses,
            EnrollmentToken.revoked.is_(False),
            EnrollmentToken.expires_at > now,
        )
        .values(uses=EnrollmentToken.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def get_preauthorized(session: Session, serial: str) -> PreauthorizedSerial | None:
    return session.scalars(select(PreauthorizedSerial).where(PreauthorizedSerial.serial == serial)).first()


def list_preauthorized(session: Session, *, paths: Sequence[str]) -> Sequence[PreauthorizedSerial]:
    clauses = [OrgNode.path.startswith(p, autoescape=True) for p in paths]
    return session.scalars(
        select(PreauthorizedSerial)
        .join(OrgNode, OrgNode.id == PreauthorizedSerial.org_node_id)
        .where(or_(*clauses) if clauses else false())
        .order_by(PreauthorizedSerial.id.desc())
    ).all()


def use_challenge(session: Session, nonce: str, expires_at: datetime) -> bool:
    """Record an answered challenge; False if it was answered before."""
    if session.get(UsedChallenge, nonce) is not None:
        return False
    session.add(UsedChallenge(nonce=nonce, expires_at=expires_at))
    session.flush()
    return True


def purge_challenges(session: Session, now: datetime) -> None:
    session.execute(sql_delete(UsedChallenge).where(UsedChallenge.expires_at < now))


def revoked_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Terminal.id).where(Terminal.enrollment_state != EnrollmentState.APPROVED)
        ).all()
    )


def connectivity_states(
    session: Session, ids: Sequence[int]
) -> dict[int, tuple[str, str | None, int | None]]:
    """Connectivity, peripherals digest and profile of the approved ones of `ids` (only they go online)."""
    rows = session.execute(
        select(Terminal.id, Terminal.connectivity, Terminal.peripherals_digest, Terminal.profile_id).where(
            Terminal.id.in_(ids), Terminal.enrollment_state == EnrollmentState.APPROVED
        )
    )
    return {tid: (connectivity, digest, profile) for tid, connectivity, digest, profile in rows}


def peripherals_of(session: Session, ids: Sequence[int]) -> dict[int, list]:
    if not ids:
        return {}
    rows = session.execute(select(Terminal.id, Terminal.peripherals).where(Terminal.id.in_(ids)))
    return {tid: peripherals or [] for tid, peripherals in rows}


def _heartbeat_update(*, with_peripherals: bool):  # type: ignore[no-untyped-def]
    values = {
        "connectivity": Connectivity.ONLINE,
        "status": bindparam("status"),
        "last_seen_at": bindparam("seen"),
        "offline_after": bindparam("offline_after"),
        "heartbeat_interval_s": bindparam("interval"),
        "last_ip": bindparam("ip"),
        "versions": bindparam("versions"),
        "metrics": bindparam("metrics"),
    }
    if with_peripherals:
        values |= {
            "peripherals": bindparam("peripherals"),
            "peripherals_digest": bindparam("digest"),
            "device_issues": bindparam("issues"),
            "needs_attention": bindparam("attention"),
        }
    return (
        update(Terminal)
        .where(Terminal.id == bindparam("tid"), Terminal.enrollment_state == EnrollmentState.APPROVED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def apply_heartbeats(session: Session, rows: Sequence[dict]) -> None:
    """Write many heartbeats with two executemany statements: peripherals only where they changed."""
    changed = [row for row in rows if "peripherals" in row]
    unchanged = [row for row in rows if "peripherals" not in row]
    for statement_rows, with_peripherals in ((changed, True), (unchanged, False)):
        if statement_rows:
            session.connection().execute(_heartbeat_update(with_peripherals=with_peripherals), statement_rows)


def mark_offline(session: Session, now: datetime) -> Sequence[int]:
    """Mark every online terminal whose deadline passed as offline; the ids that changed."""
    return session.scalars(
        update(Terminal)
        .where(Terminal.connectivity == Connectivity.ONLINE, Terminal.offline_after < now)
        .values(connectivity=Connectivity.OFFLINE)
        .returning(Terminal.id)
        .execution_options(synchronize_session=False)
    ).all()


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


def placements(session: Session) -> Sequence[tuple[int, int, int | None]]:
    """(id, org node, profile) of every approved terminal."""
    rows = session.execute(
        select(Terminal.id, Terminal.org_node_id, Terminal.profile_id).where(
            Terminal.enrollment_state == EnrollmentState.APPROVED
        )
    )
    return [(tid, node, profile) for tid, node, profile in rows]


def serials(session: Session) -> dict[int, str]:
    rows = session.execute(select(Terminal.id, Terminal.serial))
    return {terminal_id: serial for terminal_id, serial in rows}
