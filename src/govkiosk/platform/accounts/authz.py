"""Authorisation: roles granted on org subtrees, checked against an object's org path (and vendor)."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.errors import Forbidden


class Perm(enum.StrEnum):
    ORG_READ = "org:read"
    ORG_WRITE = "org:write"
    TERMINAL_READ = "terminal:read"
    TERMINAL_WRITE = "terminal:write"
    ENROLLMENT_WRITE = "enrollment:write"
    ACTION_READ = "action:read"
    ACTION_WRITE = "action:write"
    CONFIG_READ = "config:read"
    CONFIG_WRITE = "config:write"
    USER_READ = "user:read"
    USER_WRITE = "user:write"
    AUDIT_READ = "audit:read"
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    ONBOARDING_REVIEW = "onboarding:review"
    CASE_READ = "case:read"
    CASE_WRITE = "case:write"
    PLACEMENT_READ = "placement:read"
    PLACEMENT_WRITE = "placement:write"


_READS = {
    Perm.ORG_READ,
    Perm.TERMINAL_READ,
    Perm.ACTION_READ,
    Perm.CONFIG_READ,
    Perm.CATALOG_READ,
    Perm.CASE_READ,
}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.PLATFORM_ADMIN: frozenset(Perm) - {Perm.AUDIT_READ},
    Role.DISTRICT_OPERATOR: frozenset(
        _READS
        | {
            Perm.TERMINAL_WRITE,
            Perm.ENROLLMENT_WRITE,
            Perm.ACTION_WRITE,
            Perm.CONFIG_WRITE,
            Perm.USER_READ,
            Perm.CATALOG_WRITE,
            Perm.ONBOARDING_REVIEW,
            Perm.CASE_WRITE,
            Perm.PLACEMENT_READ,
            Perm.PLACEMENT_WRITE,
        }
    ),
    # 三员分立: the auditor reads everything in its subtree and the audit log, and changes nothing.
    Role.AUDITOR: frozenset(_READS | {Perm.USER_READ, Perm.AUDIT_READ, Perm.PLACEMENT_READ}),
    Role.VENDOR_MAINTAINER: frozenset(
        {Perm.ORG_READ, Perm.TERMINAL_READ, Perm.ACTION_READ, Perm.ACTION_WRITE}
    ),
}

ROLE_LABELS = {
    Role.PLATFORM_ADMIN: ("平台管理员", "Platform administrator"),
    Role.DISTRICT_OPERATOR: ("区级运营人员", "District operator"),
    Role.AUDITOR: ("安全审计员", "Security auditor"),
    Role.VENDOR_MAINTAINER: ("厂商运维人员", "Vendor maintainer"),
}


@dataclass(frozen=True)
class Grant:
    role: Role
    org_node_id: int
    path: str
    vendor_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """Where a permission holds: a subtree, and for vendor maintainers one vendor in it."""

    path: str
    vendor_id: int | None


@dataclass(frozen=True)
class Principal:
    """A signed-in user with the grants they hold."""

    user_id: int
    username: str
    display_name: str
    grants: Sequence[Grant] = field(default_factory=tuple)
    ip: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, user_id=self.user_id, ip=self.ip)

    @property
    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def scopes(self, perm: Perm) -> list[Scope]:
        """The subtrees (and vendor limits) where `perm` holds."""
        scopes = []
        for grant in self.grants:
            if perm in ROLE_PERMS[grant.role]:
                vendor = grant.vendor_id if grant.role is Role.VENDOR_MAINTAINER else None
                scopes.append(Scope(grant.path, vendor))
        return scopes

    def can(self, perm: Perm, org_path: str | None, *, vendor_id: int | None = None) -> bool:
        """Whether `perm` holds on an object at `org_path`; for vendor-owned objects (terminals and what
        hangs on them) pass `vendor_id`, which vendor maintainers' grants must match."""
        if org_path is None:
            return False
        for scope in self.scopes(perm):
            vendor_ok = scope.vendor_id is None or vendor_id is None or scope.vendor_id == vendor_id
            if org_path.startswith(scope.path) and vendor_ok:
                return True
        return False

    def require(self, perm: Perm, org_path: str | None, *, vendor_id: int | None = None) -> None:
        """Raise Forbidden unless `perm` holds on the object."""
        if not self.can(perm, org_path, vendor_id=vendor_id):
            raise Forbidden(f"'{perm}' is not granted to {self.username} on this object", org_path=org_path)

    def require_any(self, perm: Perm) -> list[Scope]:
        """The scopes of `perm`; Forbidden when there are none (used by list endpoints)."""
        scopes = self.scopes(perm)
        if not scopes:
            raise Forbidden(f"'{perm}' is not granted to {self.username}")
        return scopes
