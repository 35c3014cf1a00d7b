"""Use cases of the terminal API: authentication, heartbeats (in batches), configuration, liveness."""

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import ChallengeResponse, TokenRequest, TokenResponse
from govkiosk.crypto import verify
from govkiosk.platform.actions import service as actions
from govkiosk.platform.configs import service as configs
from govkiosk.platform.configs.schemas import ResolvedConfig
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import Unauthenticated
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.fleet.runtime import CHALLENGE, BufferedHeartbeat, FleetRuntime
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import path_ids
from govkiosk.platform.terminals import repository as terminal_repo
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import Connectivity, TerminalEvent


def issue_challenge(
    session: Session, runtime: FleetRuntime, terminal_id: int, settings: Settings
) -> ChallengeResponse:
    """A fresh, signed, one-time challenge for the terminal to sign with its SM2 key."""
    terminals.for_authentication(session, terminal_id)
    challenge = runtime.signer.sign(
        {"tid": terminal_id, "n": secrets.token_hex(16)}, ttl_s=settings.challenge_ttl_s, purpose=CHALLENGE
    )
    return ChallengeResponse(
        challenge=challenge, expires_at=utcnow() + timedelta(seconds=settings.challenge_ttl_s)
    )


def issue_token(
    session: Session, runtime: FleetRuntime, request: TokenRequest, settings: Settings
) -> TokenResponse:
    """A short-lived token for a terminal that signed its challenge with the key it enrolled."""
    claims = runtime.signer.verify(request.challenge, purpose=CHALLENGE)
    if claims is None or claims.get("tid") != request.terminal_id:
        raise Unauthenticated("challenge invalid or expired", code="challenge_invalid")
    terminal = terminals.for_authentication(session, request.terminal_id)
    try:
        signature = bytes.fromhex(request.signature)
    except ValueError:
        signature = b""
    if not verify(bytes.fromhex(terminal.public_key), request.challenge.encode(), signature):
        raise Unauthenticated("signature does not match the enrolled key", code="bad_signature")
    terminals.require_usable(terminal)
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC)
    if not terminal_repo.use_challenge(session, claims["n"], expires):
        raise Unauthenticated("challenge already used", code="challenge_invalid")
    token = runtime.issue_token(terminal.id, terminal.credential_epoch, settings.terminal_token_ttl_s)
    return TokenResponse(access_token=token, expires_in=settings.terminal_token_ttl_s)


def resolve_config(session: Session, terminal_id: int) -> ResolvedConfig:
    """The terminal's resolved configuration."""
    terminal = terminals.for_authentication(session, terminal_id)
    chain = orgs.ancestors(session, orgs.get(session, terminal.org_node_id))
    return configs.resolve(
        session, org_ids=[n.id for n in chain], profile_id=terminal.profile_id, terminal_id=terminal.id
    )


def _peripheral_changes(
    terminal_id: int, before: list[dict[str, Any]], after: list[dict[str, Any]], at: datetime
) -> list[TerminalEvent]:
    """One event per device whose state or supplies changed."""

    def summary(p: dict[str, Any]) -> str:
        supplies = ",".join(
            f"{s['name']}:{s['level']}" for s in p.get("supplies", []) if s.get("level") != "ok"
        )
        return p.get("state", "?") + (f" ({supplies})" if supplies else "")

    old = {p.get("device_class"): summary(p) for p in before}
    new = {p.get("device_class"): summary(p) for p in after}
    return [
        TerminalEvent(
            terminal_id=terminal_id,
            at=at,
            kind="peripheral",
            from_state=old.get(cls),
            to_state=state,
            detail={"device_class": cls},
        )
        for cls, state in new.items()
        if old.get(cls) != state and not (cls not in old and state == "online")
    ] + [
        TerminalEvent(
            terminal_id=terminal_id,
            at=at,
            kind="peripheral",
            from_state=state,
            to_state="missing",
            detail={"device_class": cls},
        )
        for cls, state in old.items()
        if cls not in new
    ]


def offline_delay(interval_s: int, settings: Settings) -> timedelta:
    """How long after a heartbeat a silent kiosk is due offline: the sweep runs every
    `sweep_interval_s`, so the deadline sits that much before the bound 2 × interval + grace, and the
    kiosk is flagged within the bound, never after it (and never before 2 × interval)."""
    bound = 2 * interval_s + settings.offline_grace_s
    return timedelta(seconds=max(2 * interval_s, bound - settings.sweep_interval_s))


def peripherals_digest(peripherals: list[dict[str, Any]]) -> str:
    """A short fingerprint of a peripheral report, to see a change without decoding the stored one."""
    canonical = json.dumps(peripherals, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def flush_heartbeats(session: Session, batch: Sequence[BufferedHeartbeat], settings: Settings) -> int:
    """Write a batch of heartbeats in one transaction, recording only the transitions they reveal."""
    if not batch:
        return 0
    known = terminal_repo.connectivity_states(session, [h.terminal_id for h in batch])
    batch = [hb for hb in batch if hb.terminal_id in known]  # revoked or deleted meanwhile
    digests = {hb.terminal_id: peripherals_digest(hb.peripherals) for hb in batch}
    changed = [hb.terminal_id for hb in batch if digests[hb.terminal_id] != known[hb.terminal_id][1]]
    before = terminal_repo.peripherals_of(session, changed)
    required = terminals.required_devices(session) if changed else {}
    events: list[TerminalEvent] = []
    rows = []
    for hb in batch:
        connectivity = known[hb.terminal_id][0]
        seen = datetime.fromtimestamp(hb.seen, tz=UTC)
        if connectivity != Connectivity.ONLINE:
            events.append(
                TerminalEvent(
                    terminal_id=hb.terminal_id,
                    at=seen,
                    kind="connectivity",
                    from_state=connectivity,
                    to_state=Connectivity.ONLINE,
                    detail={},
                )
            )
        row = {
            "tid": hb.terminal_id, "status": hb.status, "seen": seen, "interval": hb.interval_s, "ip": hb.ip,
            "offline_after": seen + offline_delay(hb.interval_s, settings), "versions": hb.versions,
            "metrics": hb.metrics,
        }  # fmt: skip
        if hb.terminal_id in before:
            events.extend(_peripheral_changes(hb.terminal_id, before[hb.terminal_id], hb.peripherals, seen))
            issues = terminals.check_devices(required.get(known[hb.terminal_id][2] or 0, []), hb.peripherals)
            row |= {
                "peripherals": hb.peripherals,
                "digest": digests[hb.terminal_id],
                "issues": issues,
                "attention": bool(issues),
            }
        rows.append(row)
    terminal_repo.add_events(session, events)
    session.flush()
    terminal_repo.apply_heartbeats(session, rows)
    return len(rows)


def sweep(session: Session, now: datetime | None = None) -> list[int]:
    """Mark terminals offline whose heartbeat deadline passed, expire actions, purge used challenges."""
    now = now or utcnow()
    went_offline = terminal_repo.mark_offline(session, now)
    terminal_repo.add_events(
        session,
        [
            TerminalEvent(
                terminal_id=tid,
                at=now,
                kind="connectivity",
                from_state=Connectivity.ONLINE,
                to_state=Connectivity.OFFLINE,
                detail={},
            )
            for tid in went_offline
        ],
    )
    actions.expire_due(session)
    terminal_repo.purge_challenges(session, now)
    return list(went_offline)


def resolve_all_configs(session: Session) -> dict[int, tuple[str, int]]:
    """(ETag, heartbeat interval) of every approved terminal, in a handful of queries: what a node
    caches so that heartbeats never resolve configuration one terminal at a time."""
    layers = configs.all_layers(session)
    paths = orgs.all_paths(session)
    by_place: dict[tuple[int, int | None], tuple[str, int]] = {}
    resolved: dict[int, tuple[str, int]] = {}
    for terminal_id, node_id, profile_id in terminal_repo.placements(session):
        keys = configs.layer_keys(path_ids(paths.get(node_id, "/")), profile_id, terminal_id)
        if (keys[-1]) in layers:  # a terminal with its own overrides is resolved on its own
            result = configs.combine(keys, layers)
            resolved[terminal_id] = (result.etag, configs.interval_of(result.values))
            continue
        place = (node_id, profile_id)
        if place not in by_place:
            result = configs.combine(keys, layers)
            by_place[place] = (result.etag, configs.interval_of(result.values))
        resolved[terminal_id] = by_place[place]
    return resolved


def snapshot(session: Session) -> tuple[set[int], set[int], int]:
    """What the node caches: terminals not approved, terminals with unstarted actions, config generation."""
    return (
        terminal_repo.revoked_ids(session),
        actions.terminals_with_unstarted(session),
        configs.generation(session),
    )
