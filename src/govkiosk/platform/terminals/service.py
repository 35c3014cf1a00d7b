"""Use cases of the terminal registry: enrollment, decisions, placement, listing."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import EnrollRequest
from govkiosk.crypto import CryptoError, parse_public_key
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.configs import service as configs
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, DomainError, Gone, InvalidInput, NotFound, Unauthenticated
from govkiosk.platform.core.security import new_token, token_digest
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode, path_ids
from govkiosk.platform.terminals import repository
from govkiosk.platform.terminals.models import (
    Connectivity,
    EnrollmentState,
    EnrollmentToken,
    PreauthorizedSerial,
    Terminal,
    TerminalEvent,
    TerminalProfile,
    Vendor,
)
from govkiosk.platform.terminals.schemas import (
    EnrollmentTokenCreate,
    EnrollmentTokenIssued,
    EnrollmentTokenRead,
    PreauthorizedSerialCreate,
    TerminalFilters,
    TerminalRead,
    TerminalUpdate,
)


def _scopes(principal: Principal, perm: Perm) -> list[tuple[str, int | None]]:
    return [(s.path, s.vendor_id) for s in principal.require_any(perm)]


def get_for(session: Session, principal: Principal, terminal_id: int, perm: Perm) -> tuple[Terminal, str]:
    """Terminal `terminal_id` and its org path, if `perm` holds on it."""
    found = repository.get_with_path(session, terminal_id)
    if found is None:
        raise NotFound(f"terminal {terminal_id} does not exist")
    terminal, path = found
    principal.require(perm, path, vendor_id=terminal.vendor_id)
    return terminal, path


_ABSENT = {"noDevice", "powerOff"}
_FAULTY = {"hardwareError", "offline", "userError"}
_WORKING = {"online", "deviceBusy"}


def check_devices(required: Sequence[str], peripherals: Sequence[dict]) -> list[str]:
    """What needs attention in a peripheral report against a profile's required devices:
    `missing:<class>` (required but absent), `fault:<class>:<state>`, `supply:<class>:<name>:<level>`."""
    present = {p.get("device_class"): p for p in peripherals if p.get("state") not in _ABSENT}
    issues = [f"missing:{cls}" for cls in required if cls not in present]
    for cls, report in sorted(present.items()):
        if report.get("state") in _FAULTY:
            issues.append(f"fault:{cls}:{report['state']}")
        issues += [
            f"supply:{cls}:{s.get('name')}:{s.get('level')}"
            for s in report.get("supplies", [])
            if s.get("level") in ("low", "out")
        ]
    return issues


def working_devices(peripherals: Sequence[dict]) -> set[str]:
    """The device classes that can serve now: reported ready (online or busy) with no supply run out."""
    return {
        str(p.get("device_class"))
        for p in peripherals
        if p.get("state") in _WORKING and not any(s.get("level") == "out" for s in p.get("supplies", []))
    }


def required_devices(session: Session) -> dict[int, list[str]]:
    """Each profile's required device classes, by profile id."""
    return {p.id: list(p.required_devices or []) for p in repository.list_profiles(session)}


def combined_state(terminal: Terminal) -> str:
    """What operators see: the enrollment state until approved, then online/offline/unknown."""
    if terminal.enrollment_state != EnrollmentState.APPROVED:
        return terminal.enrollment_state
    return terminal.connectivity


@dataclass(frozen=True)
class _Names:
    """The names a page of terminals shows, loaded in three queries, not three per terminal."""

    vendors: dict[int, str]
    profiles: dict[int, str]
    nodes: dict[int, OrgNode]

    @classmethod
    def load(cls, session: Session, rows: Sequence[tuple[Terminal, str]]) -> "_Names":
        node_ids = {node_id for _terminal, path in rows for node_id in path_ids(path)}
        return cls(
            vendors={v.id: v.name for v in repository.list_vendors(session)},
            profiles={p.id: p.name for p in repository.list_profiles(session)},
            nodes=orgs.nodes_by_id(session, node_ids),
        )


def to_read(session: Session, terminal: Terminal, path: str) -> TerminalRead:
    """The API view of a terminal, with its vendor, profile, site and district names."""
    return _to_read(terminal, path, _Names.load(session, [(terminal, path)]))


def _to_read(terminal: Terminal, path: str, names: _Names) -> TerminalRead:
    chain = [names.nodes[i] for i in path_ids(path) if i in names.nodes]
    district = next((n.name for n in chain if n.kind == OrgKind.DISTRICT), None)
    return TerminalRead(
        id=terminal.id,
        serial=terminal.serial,
        vendor_id=terminal.vendor_id,
        vendor=names.vendors.get(terminal.vendor_id, "?"),
        model=terminal.model,
        profile_id=terminal.profile_id,
        profile=names.profiles.get(terminal.profile_id) if terminal.profile_id else None,
        org_node_id=terminal.org_node_id,
        site=chain[-1].name if chain else "?",
        district=district,
        state=combined_state(terminal),
        enrollment_state=terminal.enrollment_state,
        connectivity=terminal.connectivity,
        status=terminal.status,
        last_seen_at=terminal.last_seen_at,
        versions=terminal.versions or {},
        peripherals=terminal.peripherals or [],
        metrics=terminal.metrics or {},
        hardware=terminal.hardware or {},
        enrolled_at=terminal.enrolled_at,
        device_issues=terminal.device_issues or [],
        needs_attention=terminal.needs_attention,
        profile_conforms=not any(i.startswith("missing:") for i in terminal.device_issues or []),
    )


def list_terminals(
    session: Session, principal: Principal, filters: TerminalFilters, *, limit: int, offset: int
) -> tuple[list[TerminalRead], int]:
    """Terminals the principal may read, filtered and paged."""
    under = orgs.get_path(session, filters.org_node_id) if filters.org_node_id else None
    rows, total = repository.search(
        session,
        scopes=_scopes(principal, Perm.TERMINAL_READ),
        state=filters.state,
        under_path=under,
        vendor_id=filters.vendor_id,
        profile_id=filters.profile_id,
        attention=filters.attention,
        q=filters.q,
        limit=limit,
        offset=offset,
    )
    names = _Names.load(session, rows)
    return [_to_read(t, p, names) for t, p in rows], total


def counts_under(
    session: Session, principal: Principal, *, under_path: str, nodes: Sequence[OrgNode]
) -> dict[int, int]:
    """How many terminals the principal may read stand in each node's subtree; the nodes lie under
    `under_path`, which bounds the one query this takes."""
    by_path = repository.count_by_node_path(
        session, scopes=_scopes(principal, Perm.TERMINAL_READ), under_path=under_path
    )
    return {n.id: sum(c for path, c in by_path.items() if path.startswith(n.path)) for n in nodes}


def count_by_state(session: Session, principal: Principal) -> dict[str, int]:
    """How many terminals the principal may read, by combined state."""
    return repository.count_by_state(session, scopes=_scopes(principal, Perm.TERMINAL_READ))


def get(session: Session, principal: Principal, terminal_id: int) -> TerminalRead:
    """One terminal the principal may read."""
    terminal, path = get_for(session, principal, terminal_id, Perm.TERMINAL_READ)
    return to_read(session, terminal, path)


def events(
    session: Session, principal: Principal, terminal_id: int, *, limit: int = 100
) -> Sequence[TerminalEvent]:
    """The terminal's state history, newest first."""
    get_for(session, principal, terminal_id, Perm.TERMINAL_READ)
    return repository.events(session, terminal_id, limit=limit)


def _transition(terminal: Terminal, kind: str, to_state: str, detail: dict | None = None) -> TerminalEvent:
    event = TerminalEvent(
        terminal_id=terminal.id,
        at=utcnow(),
        kind=kind,
        from_state=terminal.enrollment_state,
        to_state=to_state,
        detail=detail or {},
    )
    terminal.enrollment_state = to_state
    return event


def _went_offline(terminal: Terminal, reason: str) -> TerminalEvent:
    return TerminalEvent(
        terminal_id=terminal.id,
        at=utcnow(),
        kind="connectivity",
        from_state=Connectivity.ONLINE,
        to_state=Connectivity.OFFLINE,
        detail={"reason": reason},
    )


_DECISION_ACTIONS = {
    EnrollmentState.APPROVED: "terminal.approve",
    EnrollmentState.REJECTED: "terminal.reject",
    EnrollmentState.REVOKED: "terminal.revoke",
}
_ALLOWED = {
    EnrollmentState.APPROVED: {EnrollmentState.PENDING, EnrollmentState.REJECTED},
    EnrollmentState.REJECTED: {EnrollmentState.PENDING},
    EnrollmentState.REVOKED: {EnrollmentState.APPROVED, EnrollmentState.PENDING},
}


def decide(
    session: Session, principal: Principal, terminal_id: int, to_state: EnrollmentState, reason: str | None
) -> TerminalRead:
    """Approve, reject or revoke a terminal; revocation bumps its credential epoch so its tokens die."""
    terminal, path = get_for(session, principal, terminal_id, Perm.TERMINAL_WRITE)
    if terminal.enrollment_state not in _ALLOWED[to_state]:
        raise Conflict(f"a {terminal.enrollment_state} terminal cannot become {to_state}")
    repository.add_events(session, [_transition(terminal, "enrollment", to_state, {"reason": reason})])
    terminal.decided_at = utcnow()
    terminal.decided_by = principal.username
    if to_state is EnrollmentState.REVOKED:
        terminal.credential_epoch += 1
        if terminal.connectivity == Connectivity.ONLINE:  # it can no longer connect: never leave it "online"
            repository.add_events(session, [_went_offline(terminal, "revoked")])
            terminal.connectivity = Connectivity.OFFLINE
    session.flush()
    audit.record(
        session,
        principal.actor,
        _DECISION_ACTIONS[to_state],
        object_type="terminal",
        object_id=terminal.id,
        org_path=path,
        detail={"serial": terminal.serial, "reason": reason},
    )
    return to_read(session, terminal, path)


def update(session: Session, principal: Principal, terminal_id: int, data: TerminalUpdate) -> TerminalRead:
    """Move a terminal to another site or give it another profile."""
    terminal, path = get_for(session, principal, terminal_id, Perm.TERMINAL_WRITE)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "org_node_id" in changes:
        target = orgs.get(session, changes["org_node_id"])
        principal.require(Perm.TERMINAL_WRITE, target.path, vendor_id=terminal.vendor_id)
        terminal.org_node_id = target.id
        path = target.path
    if "profile_id" in changes:
        profile = repository.get_profile(session, changes["profile_id"])
        if profile is None:
            raise InvalidInput(f"profile {changes['profile_id']} does not exist")
        terminal.profile_id = profile.id
        terminal.device_issues = check_devices(profile.required_devices, terminal.peripherals or [])
        terminal.needs_attention = bool(terminal.device_issues)
    session.flush()
    configs.bump_generation(session)
    audit.record(
        session,
        principal.actor,
        "terminal.update",
        object_type="terminal",
        object_id=terminal.id,
        org_path=path,
        detail=changes,
    )
    return to_read(session, terminal, path)


# --- enrollment tokens and pre-authorised serials ---------------------------------------------------


def issue_token(session: Session, principal: Principal, data: EnrollmentTokenCreate) -> EnrollmentTokenIssued:
    """Issue an enrollment token for kiosks to be installed under one org node."""
    path = orgs.get_path(session, data.org_node_id)
    principal.require(Perm.ENROLLMENT_WRITE, path)
    issued = create_token(session, data, created_by=principal.username)
    audit.record(
        session,
        principal.actor,
        "enrollment_token.create",
        object_type="enrollment_token",
        object_id=issued.id,
        org_path=path,
        detail={"label": data.label, "max_uses": data.max_uses},
    )
    return issued


def create_token(session: Session, data: EnrollmentTokenCreate, *, created_by: str) -> EnrollmentTokenIssued:
    """Make an enrollment token without an acting principal (`issue_token` checks and audits; the demo
    seeds); the secret is in the answer only, its hash in the database."""
    if data.profile_id is not None and repository.get_profile(session, data.profile_id) is None:
        raise InvalidInput(f"profile {data.profile_id} does not exist")
    secret = "gket_" + new_token(24)
    token = EnrollmentToken(
        token_hash=token_digest(secret),
        label=data.label,
        org_node_id=data.org_node_id,
        profile_id=data.profile_id,
        max_uses=data.max_uses,
        expires_at=utcnow() + timedelta(hours=data.ttl_hours),
        created_by=created_by,
        created_at=utcnow(),
    )
    repository.add(session, token)
    return EnrollmentTokenIssued(token=secret, **EnrollmentTokenRead.model_validate(token).model_dump())


def list_tokens(session: Session, principal: Principal) -> Sequence[EnrollmentToken]:
    """Enrollment tokens under the principal's subtrees (hashes only, never the secrets)."""
    paths = [p for p, _ in _scopes(principal, Perm.TERMINAL_READ)]
    return repository.list_tokens(session, paths=paths)


def revoke_token(session: Session, principal: Principal, token_id: int) -> EnrollmentToken:
    """Make an enrollment token unusable."""
    token = repository.get_token(session, token_id)
    if token is None:
        raise NotFound(f"enrollment token {token_id} does not exist")
    path = orgs.get_path(session, token.org_node_id)
    principal.require(Perm.ENROLLMENT_WRITE, path)
    token.revoked = True
    session.flush()
    audit.record(
        session,
        principal.actor,
        "enrollment_token.revoke",
        object_type="enrollment_token",
        object_id=token.id,
        org_path=path,
    )
    return token


def preauthorize(
    session: Session, principal: Principal, data: PreauthorizedSerialCreate
) -> PreauthorizedSerial:
    """Approve a serial in advance, so that kiosk is approved as it enrolls."""
    path = orgs.get_path(session, data.org_node_id)
    principal.require(Perm.ENROLLMENT_WRITE, path)
    if repository.get_preauthorized(session, data.serial) is not None:
        raise Conflict(f"serial {data.serial} is already pre-authorised")
    record = PreauthorizedSerial(
        serial=data.serial, org_node_id=data.org_node_id, created_by=principal.username, created_at=utcnow()
    )
    repository.add(session, record)
    audit.record(
        session,
        principal.actor,
        "serial.preauthorize",
        object_type="preauthorized_serial",
        object_id=record.id,
        org_path=path,
        detail={"serial": data.serial},
    )
    return record


def list_preauthorized(session: Session, principal: Principal) -> Sequence[PreauthorizedSerial]:
    paths = [p for p, _ in _scopes(principal, Perm.TERMINAL_READ)]
    return repository.list_preauthorized(session, paths=paths)


def vendors(session: Session) -> Sequence[Vendor]:
    return repository.list_vendors(session)


def serials(session: Session) -> dict[int, str]:
    """Every terminal's serial number, by id."""
    return repository.serials(session)


def profiles(session: Session) -> Sequence[TerminalProfile]:
    return repository.list_profiles(session)


# --- the terminal's side ----------------------------------------------------------------------------


def _usable_token(session: Session, secret: str) -> EnrollmentToken:
    token = repository.get_token_by_hash(session, token_digest(secret))
    if token is None or token.revoked:
        raise Unauthenticated("unknown enrollment token")
    if as_utc(token.expires_at) <= utcnow():
        raise Gone(
            "this enrollment token has expired; ask the operator for a new one",
            code="enrollment_token_expired",
        )
    if token.uses >= token.max_uses:
        raise Gone("this enrollment token has been used", code="enrollment_token_used")
    return token


def _vendor_for(session: Session, code: str) -> Vendor:
    vendor = repository.get_vendor_by_code(session, code)
    if vendor is None:
        vendor = Vendor(code=code, name=code)
        repository.add(session, vendor)
    return vendor


def _retried_enrollment(session: Session, request: EnrollRequest, public_key: bytes) -> Terminal | None:
    """The terminal of an enrollment being retried (same serial, same key, a token we issued): a kiosk
    that lost the answer to its first attempt must not be locked out by its own success."""
    existing = repository.get_by_serial(session, request.hardware.serial)
    if existing is None:
        return None
    token = repository.get_token_by_hash(session, token_digest(request.enrollment_token))
    if existing.public_key != public_key.hex() or token is None or token.revoked:
        raise Conflict(
            f"serial {request.hardware.serial} is already enrolled with another key", code="serial_enrolled"
        )
    return existing


def enroll(session: Session, request: EnrollRequest, *, ip: str | None) -> Terminal:
    """Register a kiosk with its own SM2 public key under the token's org node (idempotent on retry)."""
    try:
        public_key = parse_public_key(request.public_key)
    except CryptoError as exc:
        raise InvalidInput(str(exc), code="bad_public_key") from exc
    retried = _retried_enrollment(session, request, public_key)
    if retried is not None:
        return retried
    token = _usable_token(session, request.enrollment_token)
    serial = request.hardware.serial
    if not repository.consume_token(session, token.id, utcnow()):
        raise Gone("this enrollment token has been used", code="enrollment_token_used")
    preauth = repository.get_preauthorized(session, serial)
    approved = preauth is not None and preauth.used_at is None
    terminal = Terminal(
        serial=serial,
        vendor_id=_vendor_for(session, request.hardware.vendor).id,
        model=request.hardware.model,
        profile_id=token.profile_id,
        org_node_id=preauth.org_node_id if approved and preauth else token.org_node_id,
        public_key=public_key.hex(),
        hardware=request.hardware.model_dump(exclude_none=True),
        enrollment_state=EnrollmentState.APPROVED if approved else EnrollmentState.PENDING,
        enrolled_at=utcnow(),
    )
    repository.add(session, terminal)
    if approved and preauth:
        preauth.used_at = utcnow()
    repository.add_events(
        session,
        [
            TerminalEvent(
                terminal_id=terminal.id,
                at=utcnow(),
                kind="enrollment",
                from_state=None,
                to_state=terminal.enrollment_state,
                detail={"token": token.label, "preauthorized": approved},
            )
        ],
    )
    audit.record(
        session,
        audit.Actor(username=f"terminal:{serial}", ip=ip),
        "terminal.enroll",
        object_type="terminal",
        object_id=terminal.id,
        org_path=orgs.get_path(session, terminal.org_node_id),
        detail={"token_id": token.id},
    )
    return terminal


def for_authentication(session: Session, terminal_id: int) -> Terminal:
    """The terminal trying to authenticate, or 401."""
    terminal = repository.get(session, terminal_id)
    if terminal is None:
        raise Unauthenticated("unknown terminal")
    return terminal


def require_usable(terminal: Terminal) -> None:
    """Only approved terminals get tokens; a pending one is told to wait."""
    state = terminal.enrollment_state
    if state == EnrollmentState.PENDING:
        raise DomainError(
            "waiting for an operator to approve this terminal", code="enrollment_pending", status=403
        )
    if state != EnrollmentState.APPROVED:
        raise Unauthenticated(f"terminal is {state}", code=f"terminal_{state}")


def get_profile(session: Session, profile_id: int) -> TerminalProfile:
    """Profile `profile_id`, or NotFound."""
    profile = repository.get_profile(session, profile_id)
    if profile is None:
        raise NotFound(f"profile {profile_id} does not exist")
    return profile


def ensure_profile(
    session: Session,
    *,
    code: str,
    name: str,
    required: list[str],
    critical: list[str],
    optional: list[str] | None = None,
) -> TerminalProfile:
    """The profile `code`, created if missing (seeding)."""
    profile = repository.get_profile_by_code(session, code)
    if profile is None:
        profile = TerminalProfile(
            code=code, name=name, required_devices=required, critical_devices=critical,
            optional_devices=optional or [],
        )  # fmt: skip
        repository.add(session, profile)
    return profile


def get_profile_by_code(session: Session, code: str) -> TerminalProfile:
    """Profile `code`, or NotFound."""
    profile = repository.get_profile_by_code(session, code)
    if profile is None:
        raise NotFound(f"profile {code} does not exist")
    return profile


def ensure_vendor(session: Session, *, code: str, name: str) -> Vendor:
    """The vendor `code`, created if missing."""
    vendor = repository.get_vendor_by_code(session, code)
    if vendor is None:
        vendor = Vendor(code=code, name=name)
        repository.add(session, vendor)
    return vendor
