"""Admin API: the terminal registry, enrollment tokens and pre-authorised serials."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from govkiosk.platform.terminals import service
from govkiosk.platform.terminals.models import EnrollmentState
from govkiosk.platform.terminals.schemas import (
    EnrollmentTokenCreate,
    EnrollmentTokenIssued,
    EnrollmentTokenRead,
    PreauthorizedSerialCreate,
    PreauthorizedSerialRead,
    ProfileRead,
    TerminalDecision,
    TerminalEventRead,
    TerminalFilters,
    TerminalRead,
    TerminalUpdate,
    VendorRead,
)

router = APIRouter(prefix="/api/v1", tags=["terminals"])


@router.get("/terminals", response_model=Page[TerminalRead])
def list_terminals(
    filters: Annotated[TerminalFilters, Query()],
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[TerminalRead]:
    """Terminals in scope; `state`: pending, rejected, revoked, online, offline or unknown."""
    items, total = service.list_terminals(session, principal, filters, limit=limit, offset=offset)
    return Page(items=items, total=total)


@router.get("/terminals/{terminal_id}", response_model=TerminalRead)
def get_terminal(terminal_id: int, principal: PrincipalDep, session: SessionDep) -> TerminalRead:
    return service.get(session, principal, terminal_id)


@router.get("/terminals/{terminal_id}/events", response_model=Page[TerminalEventRead])
def terminal_events(
    terminal_id: int, principal: PrincipalDep, session: SessionDep
) -> Page[TerminalEventRead]:
    """The terminal's state transitions, newest first."""
    rows = service.events(session, principal, terminal_id)
    return Page(items=[TerminalEventRead.model_validate(r) for r in rows], total=len(rows))


@router.patch("/terminals/{terminal_id}", response_model=TerminalRead)
def update_terminal(
    terminal_id: int, data: TerminalUpdate, principal: PrincipalDep, session: SessionDep
) -> TerminalRead:
    return service.update(session, principal, terminal_id, data)


@router.post("/terminals/{terminal_id}/approve", response_model=TerminalRead)
def approve(
    terminal_id: int, data: TerminalDecision, principal: PrincipalDep, session: SessionDep
) -> TerminalRead:
    return service.decide(session, principal, terminal_id, EnrollmentState.APPROVED, data.reason)


@router.post("/terminals/{terminal_id}/reject", response_model=TerminalRead)
def reject(
    terminal_id: int, data: TerminalDecision, principal: PrincipalDep, session: SessionDep
) -> TerminalRead:
    return service.decide(session, principal, terminal_id, EnrollmentState.REJECTED, data.reason)


@router.post("/terminals/{terminal_id}/revoke", response_model=TerminalRead)
def revoke(
    terminal_id: int,
    data: TerminalDecision,
    principal: PrincipalDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TerminalRead:
    """Revoke a terminal: its tokens stop working on this node at once, on others within a second."""
    result = service.decide(session, principal, terminal_id, EnrollmentState.REVOKED, data.reason)
    runtime.revoke_now(terminal_id)
    return result


@router.get("/enrollment-tokens", response_model=Page[EnrollmentTokenRead])
def list_tokens(principal: PrincipalDep, session: SessionDep) -> Page[EnrollmentTokenRead]:
    rows = service.list_tokens(session, principal)
    return Page(items=[EnrollmentTokenRead.model_validate(r) for r in rows], total=len(rows))


@router.post("/enrollment-tokens", response_model=EnrollmentTokenIssued, status_code=status.HTTP_201_CREATED)
def issue_token(
    data: EnrollmentTokenCreate, principal: PrincipalDep, session: SessionDep
) -> EnrollmentTokenIssued:
    """Issue an enrollment token; the secret is in this answer only."""
    return service.issue_token(session, principal, data)


@router.post("/enrollment-tokens/{token_id}/revoke", response_model=EnrollmentTokenRead)
def revoke_token(token_id: int, principal: PrincipalDep, session: SessionDep) -> EnrollmentTokenRead:
    return EnrollmentTokenRead.model_validate(service.revoke_token(session, principal, token_id))


@router.get("/preauthorized-serials", response_model=Page[PreauthorizedSerialRead])
def list_preauthorized(principal: PrincipalDep, session: SessionDep) -> Page[PreauthorizedSerialRead]:
    rows = service.list_preauthorized(session, principal)
    return Page(items=[PreauthorizedSerialRead.model_validate(r) for r in rows], total=len(rows))


@router.post(
    "/preauthorized-serials", response_model=PreauthorizedSerialRead, status_code=status.HTTP_201_CREATED
)
def preauthorize(
    data: PreauthorizedSerialCreate, principal: PrincipalDep, session: SessionDep
) -> PreauthorizedSerialRead:
    return PreauthorizedSerialRead.model_validate(service.preauthorize(session, principal, data))


@router.get("/vendors", response_model=Page[VendorRead])
def list_vendors(principal: PrincipalDep, session: SessionDep) -> Page[VendorRead]:
    rows = service.vendors(session)
    return Page(items=[VendorRead.model_validate(r) for r in rows], total=len(rows))


@router.get("/profiles", response_model=Page[ProfileRead])
def list_profiles(principal: PrincipalDep, session: SessionDep) -> Page[ProfileRead]:
    rows = service.profiles(session)
    return Page(items=[ProfileRead.model_validate(r) for r in rows], total=len(rows))
