"""Configuration inherited down the org tree, then the terminal profile, then the terminal's overrides."""

import json
import secrets
from typing import Any

from sqlalchemy.orm import Session

from govkiosk.crypto import sm3
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.configs import repository
from govkiosk.platform.configs.models import ConfigLayer
from govkiosk.platform.configs.schemas import ConfigLayerRead, ConfigLayerWrite, ConfigScope, ResolvedConfig
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import InvalidInput, NotFound

# What every kiosk gets unless a layer says otherwise.
DEFAULTS: dict[str, Any] = {
    "heartbeat_interval_s": 60,
    "language": "zh-CN",
    "service_hours": "08:30-20:00",
    "session_idle_timeout_s": 90,
    "screen_lock_message": "设备维护中，请稍候 / Under maintenance",
}
_INTERVAL_BOUNDS = (5, 3600)
_IDLE_BOUNDS = (60, 120)  # the citizen screen's per-step idle countdown (docs/kiosk-ui.md)


def etag_of(values: dict[str, Any]) -> str:
    """A strong ETag of a resolved configuration (SM3 of its canonical JSON)."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sm3(canonical.encode()).hex()[:32]


def merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `layer` over `base`; nested objects merge, other values replace."""
    merged = dict(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def layer_keys(org_ids: list[int], profile_id: int | None, terminal_id: int) -> list[tuple[str, int]]:
    """The scopes a terminal's configuration is made of, in the order they apply."""
    keys = [(ConfigScope.ORG.value, i) for i in org_ids]
    if profile_id is not None:
        keys.append((ConfigScope.PROFILE.value, profile_id))
    keys.append((ConfigScope.TERMINAL.value, terminal_id))
    return keys


def combine(keys: list[tuple[str, int]], layers: dict[tuple[str, int], dict[str, Any]]) -> ResolvedConfig:
    """Defaults, then each present layer in order."""
    values = dict(DEFAULTS)
    sources = dict.fromkeys(DEFAULTS, "default")
    for key in keys:
        layer = layers.get(key)
        if layer is not None:
            values = merge(values, layer)
            sources.update(dict.fromkeys(layer, f"{key[0]}:{key[1]}"))
    return ResolvedConfig(etag=etag_of(values), values=values, sources=sources)


def resolve(
    session: Session, *, org_ids: list[int], profile_id: int | None, terminal_id: int
) -> ResolvedConfig:
    """The configuration of one terminal: defaults, org chain root→site, profile, terminal."""
    keys = layer_keys(org_ids, profile_id, terminal_id)
    layers = {key: layer.values for key, layer in repository.get_layers(session, keys).items()}
    return combine(keys, layers)


def all_layers(session: Session) -> dict[tuple[str, int], dict[str, Any]]:
    """Every configuration layer, by scope (for resolving a whole fleet at once)."""
    return {(layer.scope, layer.scope_id): layer.values for layer in repository.all_layers(session)}


def interval_of(values: dict[str, Any]) -> int:
    """The heartbeat interval a configuration asks for, clamped to sane bounds."""
    try:
        interval = int(values.get("heartbeat_interval_s", DEFAULTS["heartbeat_interval_s"]))
    except (TypeError, ValueError):
        interval = DEFAULTS["heartbeat_interval_s"]
    return max(_INTERVAL_BOUNDS[0], min(_INTERVAL_BOUNDS[1], interval))


def _validate(values: dict[str, Any]) -> None:
    if "heartbeat_interval_s" in values and values["heartbeat_interval_s"] is not None:
        value = values["heartbeat_interval_s"]
        if not isinstance(value, int) or not _INTERVAL_BOUNDS[0] <= value <= _INTERVAL_BOUNDS[1]:
            raise InvalidInput(f"heartbeat_interval_s must be an integer in {_INTERVAL_BOUNDS}")
    idle = values.get("session_idle_timeout_s")
    if idle is not None and (not isinstance(idle, int) or not _IDLE_BOUNDS[0] <= idle <= _IDLE_BOUNDS[1]):
        raise InvalidInput(
            f"session_idle_timeout_s must be an integer from {_IDLE_BOUNDS[0]} to {_IDLE_BOUNDS[1]}"
        )
    if len(json.dumps(values)) > 64_000:
        raise InvalidInput("a configuration layer is limited to 64 kB")


def get_layer(
    session: Session, principal: Principal, scope: ConfigScope, scope_id: int, path: str
) -> ConfigLayerRead:
    """One layer, readable when CONFIG_READ holds on `path` (the object's org path)."""
    principal.require(Perm.CONFIG_READ, path)
    layer = repository.get_layer(session, scope.value, scope_id)
    return ConfigLayerRead(
        scope=scope,
        scope_id=scope_id,
        values=layer.values if layer else {},
        updated_at=layer.updated_at if layer else None,
        updated_by=layer.updated_by if layer else None,
    )


def put_layer(
    session: Session,
    principal: Principal,
    scope: ConfigScope,
    scope_id: int,
    path: str,
    data: ConfigLayerWrite,
    *,
    vendor_id: int | None = None,
) -> ConfigLayerRead:
    """Set keys at one scope (null removes a key) and invalidate every node's cached ETags."""
    principal.require(Perm.CONFIG_WRITE, path, vendor_id=vendor_id)
    _validate(data.values)
    layer = repository.get_layer(session, scope.value, scope_id)
    if layer is None:
        layer = ConfigLayer(
            scope=scope.value, scope_id=scope_id, values={}, updated_at=utcnow(), updated_by=""
        )
        repository.add(session, layer)
    values = {k: v for k, v in merge(layer.values, data.values).items() if v is not None}
    layer.values = values
    layer.updated_at = utcnow()
    layer.updated_by = principal.username
    session.flush()
    bump_generation(session)
    audit.record(
        session,
        principal.actor,
        "config.update",
        object_type=f"config_{scope.value}",
        object_id=scope_id,
        org_path=path,
        detail={"keys": sorted(data.values)},
    )
    return get_layer(session, principal, scope, scope_id, path)


def bump_generation(session: Session) -> None:
    """Tell every platform node that resolved configurations may have changed."""
    repository.bump_generation(session)


def generation(session: Session) -> int:
    return repository.generation(session)


def stamp(session: Session, name: str) -> int:
    """Mark a cached kind of data (e.g. "catalog") as changed for every node: a new random stamp, so a
    stamp never repeats, not even after the table is emptied. Returns the new stamp."""
    value = secrets.randbelow(2**31 - 1) + 1  # the column is a 32-bit integer on PostgreSQL
    repository.set_generation(session, name, value)
    return value


def stamp_of(session: Session, name: str) -> int:
    """The current stamp of a cached kind of data (0 before the first change)."""
    return repository.generation(session, name)


def require_known_scope(scope: str) -> ConfigScope:
    try:
        return ConfigScope(scope)
    except ValueError as exc:
        raise NotFound(f"unknown configuration scope {scope}") from exc
