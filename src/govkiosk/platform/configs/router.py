"""Admin API: configuration layers and resolved terminal configurations."""

from fastapi import APIRouter

from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.configs import service
from govkiosk.platform.configs.schemas import ConfigLayerRead, ConfigLayerWrite, ConfigScope, ResolvedConfig
from govkiosk.platform.deps import PrincipalDep, SessionDep
from govkiosk.platform.fleet import service as fleet
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.terminals import service as terminals

router = APIRouter(prefix="/api/v1", tags=["configs"])


def _scope_path(
    session: SessionDep, principal: PrincipalDep, scope: ConfigScope, scope_id: int
) -> tuple[str, int | None]:
    """The org path (and vendor) that authorises a layer: its node, its terminal's node, or the root."""
    if scope is ConfigScope.ORG:
        return orgs.get_path(session, scope_id), None
    if scope is ConfigScope.TERMINAL:
        terminal, path = terminals.get_for(session, principal, scope_id, Perm.CONFIG_READ)
        return path, terminal.vendor_id
    terminals.get_profile(session, scope_id)
    return "/", None


@router.get("/configs/{scope}/{scope_id}", response_model=ConfigLayerRead)
def get_layer(
    scope: ConfigScope, scope_id: int, principal: PrincipalDep, session: SessionDep
) -> ConfigLayerRead:
    """The values set at one scope."""
    path, _ = _scope_path(session, principal, scope, scope_id)
    return service.get_layer(session, principal, scope, scope_id, path)


@router.put("/configs/{scope}/{scope_id}", response_model=ConfigLayerRead)
def put_layer(
    scope: ConfigScope, scope_id: int, data: ConfigLayerWrite, principal: PrincipalDep, session: SessionDep
) -> ConfigLayerRead:
    """Set keys at one scope (org node, profile or terminal); null removes a key."""
    path, vendor_id = _scope_path(session, principal, scope, scope_id)
    return service.put_layer(session, principal, scope, scope_id, path, data, vendor_id=vendor_id)


@router.get("/terminals/{terminal_id}/config", response_model=ResolvedConfig)
def resolved(terminal_id: int, principal: PrincipalDep, session: SessionDep) -> ResolvedConfig:
    """What the terminal gets after inheritance, and which scope set each key."""
    terminals.get_for(session, principal, terminal_id, Perm.CONFIG_READ)
    return fleet.resolve_config(session, terminal_id)
