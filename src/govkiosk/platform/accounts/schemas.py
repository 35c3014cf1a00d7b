"""Account schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from govkiosk.platform.accounts.models import Role


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    org_node_id: int
    vendor_id: int | None


class GrantCreate(BaseModel):
    role: Role
    org_node_id: int
    vendor_id: int | None = None


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    is_active: bool
    is_demo: bool
    last_login_at: datetime | None
    grants: list[GrantRead]


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-zA-Z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=200)
    grants: list[GrantCreate] = Field(default_factory=list)


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    is_active: bool | None = None


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeRead(BaseModel):
    id: int
    username: str
    display_name: str
    grants: list[GrantRead]
