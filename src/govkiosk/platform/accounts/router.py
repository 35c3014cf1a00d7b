"""Admin API: sign-in and accounts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from govkiosk.platform.accounts import service
from govkiosk.platform.accounts.schemas import (
    GrantCreate,
    GrantRead,
    MeRead,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, SessionDep, SettingsDep, client_ip

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token", response_model=TokenRead)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead:
    """OAuth2 password flow for machine clients: an access token for the admin API."""
    user = service.authenticate(
        session, username=form.username, password=form.password, ip=client_ip(request)
    )
    secret, _ = service.open_session(
        session, user, kind="api", ttl_s=settings.api_token_ttl_s, ip=client_ip(request)
    )
    return TokenRead(access_token=secret, expires_in=settings.api_token_ttl_s)


@router.get("/me", response_model=MeRead)
def me(principal: PrincipalDep, session: SessionDep) -> MeRead:
    """Who the caller is and what they hold."""
    return service.me(session, principal)


@router.get("/users", response_model=Page[UserRead])
def list_users(principal: PrincipalDep, session: SessionDep) -> Page[UserRead]:
    """Users with a grant inside the caller's subtrees."""
    users = service.list_users(session, principal)
    return Page(items=users, total=len(users))


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, principal: PrincipalDep, session: SessionDep) -> UserRead:
    """Create a user with role grants."""
    return service.create_user(session, principal, data)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: int, principal: PrincipalDep, session: SessionDep) -> UserRead:
    return service.get_user(session, principal, user_id)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(user_id: int, data: UserUpdate, principal: PrincipalDep, session: SessionDep) -> UserRead:
    return service.update_user(session, principal, user_id, data)


@router.post("/users/{user_id}/grants", response_model=GrantRead, status_code=status.HTTP_201_CREATED)
def add_grant(user_id: int, data: GrantCreate, principal: PrincipalDep, session: SessionDep) -> GrantRead:
    return service.add_grant(session, principal, user_id, data)


@router.delete("/grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_grant(grant_id: int, principal: PrincipalDep, session: SessionDep) -> None:
    service.remove_grant(session, principal, grant_id)
