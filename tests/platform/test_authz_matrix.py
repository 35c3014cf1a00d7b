"""Every admin endpoint × every role × objects inside and outside the role's subtree (and vendor).

The expectations come from `allowed()`, a restatement of the roles in plain terms, not from the code
under test. A new admin endpoint fails `test_every_admin_endpoint_is_in_the_matrix` until it is added."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from govkiosk.contracts.terminal_api import Applicant, CaseSubmission
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.actions.models import Action
from govkiosk.platform.cases import service as cases
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import AppContent, ItemCreate
from govkiosk.platform.connectors import service as connectors
from govkiosk.platform.connectors.models import DepartmentEndpoint
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database
from govkiosk.platform.evaluations.models import Evaluation
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding.schemas import CheckResult
from govkiosk.platform.placement.models import DemandPoint, PlacementPlan, PlacementSite
from govkiosk.platform.terminals.models import EnrollmentState, EnrollmentToken
from tests.factories import PASSWORD, Tree, build, create_terminal, create_tree, create_user, login

READS = {"org:read", "terminal:read", "action:read", "config:read", "catalog:read", "case:read"}
SPEC = {  # role → (permissions, holds on district B too?, limited to vendor X?)
    "admin": (
        READS
        | {
            "org:write",
            "terminal:write",
            "enrollment:write",
            "action:write",
            "config:write",
            "user:read",
            "user:write",
            "catalog:write",
            "onboarding:review",
            "case:write",
            "placement:read",
            "placement:write",
        },
        True,
        False,
    ),
    "operator": (
        READS
        | {
            "terminal:write",
            "enrollment:write",
            "action:write",
            "config:write",
            "user:read",
            "catalog:write",
            "onboarding:review",
            "case:write",
            "placement:read",
            "placement:write",
        },
        False,
        False,
    ),
    "auditor": (READS | {"user:read", "audit:read", "placement:read"}, False, False),
    "vendor": ({"org:read", "terminal:read", "action:read", "action:write"}, False, True),
}
ROLES = {
    "admin": Role.PLATFORM_ADMIN,
    "operator": Role.DISTRICT_OPERATOR,
    "auditor": Role.AUDITOR,
    "vendor": Role.VENDOR_MAINTAINER,
}
PLACES = ["A-VX", "B-VX", "A-VY"]  # district A or B; vendor X or Y (vendor only matters for terminal objects)


def allowed(role: str, perm: str | None, place: str, vendor_owned: bool) -> bool:
    if perm is None:
        return True
    perms, everywhere, vendor_limited = SPEC[role]
    if perm not in perms:
        return False
    if not everywhere and place.startswith("B"):
        return False
    return not (vendor_limited and vendor_owned and place.endswith("VY"))


@dataclass
class World:
    db: Database
    tree: Tree

    def node(self, place: str, kind: str = "site"):  # type: ignore[no-untyped-def]
        district = place.startswith("A")
        if kind == "district":
            return self.tree.district_a if district else self.tree.district_b
        return self.tree.site_a if district else self.tree.site_b

    def terminal(self, place: str, state: str = EnrollmentState.APPROVED) -> int:
        vendor = self.tree.vendor_x if place.endswith("VX") else self.tree.vendor_y
        return build(
            self.db,
            lambda s: create_terminal(s, site=self.node(place), vendor=vendor, enrollment_state=state).id,
        )

    def action(self, place: str) -> int:
        terminal_id = self.terminal(place)

        def make(session):  # type: ignore[no-untyped-def]
            action = Action(
                terminal_id=terminal_id,
                kind="screenshot",
                params={},
                state="queued",
                created_by="t",
                created_at=utcnow(),
                expires_at=utcnow().replace(year=2099),
            )
            session.add(action)
            session.flush()
            return action.id

        return build(self.db, make)

    def user(self, place: str) -> int:
        name = f"u{utcnow().timestamp():.6f}".replace(".", "")
        return build(self.db, create_user, name, Role.DISTRICT_OPERATOR, self.node(place, "district"))

    def grant(self, place: str) -> int:
        from sqlalchemy import select

        from govkiosk.platform.accounts.models import RoleGrant

        user_id = self.user(place)
        with self.db.session(write=False) as session:
            return session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == user_id))

    def enrollment_token(self, place: str) -> int:
        def make(session):  # type: ignore[no-untyped-def]
            token = EnrollmentToken(
                token_hash=f"h{utcnow().timestamp()}",
                label="x",
                org_node_id=self.node(place).id,
                expires_at=utcnow().replace(year=2099),
                created_by="t",
                created_at=utcnow(),
            )
            session.add(token)
            session.flush()
            return token.id

        return build(self.db, make)

    def department(self, place: str) -> int:
        node = self.node(place, "district")
        code = f"D{next(_n)}-{place}"
        return build(
            self.db, lambda s: catalog.ensure_department(s, name=code, code=code, org_node_id=node.id).id
        )

    def item(self, place: str) -> int:
        department_id = self.department(place)

        def make(session):  # type: ignore[no-untyped-def]
            department = catalog.get_department(session, department_id)
            data = ItemCreate(name=f"事项{next(_n)}", item_type="BM", department_id=department_id)
            return catalog.create_item(session, Actor("t"), department, data).id

        return build(self.db, make)

    def app(self, place: str) -> int:
        department_id = self.department(place)

        def make(session):  # type: ignore[no-untyped-def]
            department = catalog.get_department(session, department_id)
            content = AppContent(name="应用", kind="h5", url="https://example.org", allowed_origins=["x"])
            return catalog.create_app(session, Actor("t"), department, content).id

        return build(self.db, make)

    def onboarding(self, place: str, approved: bool = False) -> int:
        item_id = self.item(place)

        def make(session):  # type: ignore[no-untyped-def]
            department_id = catalog.get_item(session, item_id).department_id
            row = onboarding.submit(
                session,
                Actor("t"),
                department_id=department_id,
                subject="item",
                subject_id=item_id,
                reason=None,
            )
            onboarding.record_checks(session, row.id, [CheckResult(name="all", passed=True, message="")])
            if approved:
                onboarding.move(session, Actor("t"), row, "approve", reason=None)
            return row.id

        return build(self.db, make)


def _placement_district(w: World, place: str) -> int:
    """District of `place` with one demand point and one candidate site (placement endpoints)."""
    district = w.node(place, "district")

    def make(session):  # type: ignore[no-untyped-def]
        n = next(_n)
        point = DemandPoint(code=f"d{n}", org_node_id=district.id, lon=114.05, lat=22.54, population=100)
        site = PlacementSite(
            code=f"s{n}", org_node_id=district.id, name="候选", kind="mall", lon=114.051, lat=22.541
        )
        session.add_all([point, site])
        session.flush()
        return district.id

    return build(w.db, make)


def _placement_plan(w: World, place: str) -> int:
    node_id = w.node(place, "district").id

    def make(session):  # type: ignore[no-untyped-def]
        plan = PlacementPlan(
            org_node_id=node_id, model="mclp", method="heuristic", status="feasible", objective=1.0,
            seconds=0.1, created_by="t", created_at=utcnow(),
        )  # fmt: skip
        session.add(plan)
        session.flush()
        return plan.id

    return build(w.db, make)


def _case(w: World, place: str) -> int:
    """A kiosk case handled at the site of `place` (item of a department in the same district)."""
    terminal_id = w.terminal(place)
    department_id = w.department(place)

    def make(session):  # type: ignore[no-untyped-def]
        department = catalog.get_department(session, department_id)
        data = ItemCreate(name=f"事项{next(_n)}", item_type="BM", department_id=department_id)
        item = catalog.create_item(session, Actor("t"), department, data, publish=True)
        submission = CaseSubmission(
            idempotency_key=f"key-{next(_n):012d}", item_id=item.id, item_version=1,
            applicant=Applicant(name="王五", id_number="44030419900101002X", verified_by="idcard_face"),
            submitted_at=utcnow(),
        )  # fmt: skip
        case, _ = cases.submit_from_kiosk(session, terminal_id, submission)
        return case.id

    return build(w.db, make)


def _endpoint(w: World, place: str) -> int:
    department_id = w.department(place)

    def make(session):  # type: ignore[no-untyped-def]
        session.add(
            DepartmentEndpoint(department_id=department_id, url="http://dept.test/h", signing="hmac-sm3")
        )
        session.flush()
        return department_id

    return build(w.db, make)


def _dead_message(w: World, place: str) -> int:
    department_id = w.department(place)

    def make(session):  # type: ignore[no-untyped-def]
        message = connectors.enqueue(
            session,
            department_id=department_id,
            topic="t",
            case_id=None,
            payload={},
            sealer=cases.default_sealer(),
        )
        message.state = "dead"
        session.flush()
        return message.id

    return build(w.db, make)


def _poor_rating(w: World, place: str) -> int:
    """A 差评 of a session at the site of `place`, with its follow-up open."""
    node_id = w.node(place).id

    def make(session):  # type: ignore[no-untyped-def]
        evaluation = Evaluation(
            subject="session",
            level=1,
            created_at=utcnow(),
            org_node_id=node_id,
            session_ref=f"s{next(_n):08d}",
            followup_state="open",
            followup_due_at=utcnow(),
        )
        session.add(evaluation)
        session.flush()
        return evaluation.id

    return build(w.db, make)


Request = tuple[str, str, dict | None]  # method, path, json
Case = tuple[
    str, str, str | None, bool, Callable[[World, str], Request]
]  # method, route, perm, vendor-owned, build
_n = itertools.count()

CASES: list[Case] = [
    ("GET", "/api/v1/me", None, False, lambda w, p: ("GET", "/api/v1/me", None)),
    ("GET", "/api/v1/vendors", None, False, lambda w, p: ("GET", "/api/v1/vendors", None)),
    ("GET", "/api/v1/profiles", None, False, lambda w, p: ("GET", "/api/v1/profiles", None)),
    (
        "GET",
        "/api/v1/orgs/{node_id}",
        "org:read",
        False,
        lambda w, p: ("GET", f"/api/v1/orgs/{w.node(p).id}", None),
    ),
    (
        "POST",
        "/api/v1/orgs",
        "org:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/orgs",
            {"parent_id": w.node(p, "district").id, "name": f"新街道{next(_n)}"},
        ),
    ),
    (
        "PATCH",
        "/api/v1/orgs/{node_id}",
        "org:write",
        False,
        lambda w, p: ("PATCH", f"/api/v1/orgs/{w.node(p).id}", {"address": "新地址"}),
    ),
    (
        "GET",
        "/api/v1/terminals/{terminal_id}",
        "terminal:read",
        True,
        lambda w, p: ("GET", f"/api/v1/terminals/{w.terminal(p)}", None),
    ),
    (
        "GET",
        "/api/v1/terminals/{terminal_id}/events",
        "terminal:read",
        True,
        lambda w, p: ("GET", f"/api/v1/terminals/{w.terminal(p)}/events", None),
    ),
    (
        "PATCH",
        "/api/v1/terminals/{terminal_id}",
        "terminal:write",
        True,
        lambda w, p: ("PATCH", f"/api/v1/terminals/{w.terminal(p)}", {"profile_id": w.tree.profile.id}),
    ),
    (
        "POST",
        "/api/v1/terminals/{terminal_id}/approve",
        "terminal:write",
        True,
        lambda w, p: ("POST", f"/api/v1/terminals/{w.terminal(p, EnrollmentState.PENDING)}/approve", {}),
    ),
    (
        "POST",
        "/api/v1/terminals/{terminal_id}/reject",
        "terminal:write",
        True,
        lambda w, p: ("POST", f"/api/v1/terminals/{w.terminal(p, EnrollmentState.PENDING)}/reject", {}),
    ),
    (
        "POST",
        "/api/v1/terminals/{terminal_id}/revoke",
        "terminal:write",
        True,
        lambda w, p: ("POST", f"/api/v1/terminals/{w.terminal(p)}/revoke", {}),
    ),
    (
        "POST",
        "/api/v1/enrollment-tokens",
        "enrollment:write",
        False,
        lambda w, p: ("POST", "/api/v1/enrollment-tokens", {"label": "x", "org_node_id": w.node(p).id}),
    ),
    (
        "POST",
        "/api/v1/enrollment-tokens/{token_id}/revoke",
        "enrollment:write",
        False,
        lambda w, p: ("POST", f"/api/v1/enrollment-tokens/{w.enrollment_token(p)}/revoke", None),
    ),
    (
        "POST",
        "/api/v1/preauthorized-serials",
        "enrollment:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/preauthorized-serials",
            {"serial": f"PRE-{next(_n)}", "org_node_id": w.node(p).id},
        ),
    ),
    (
        "GET",
        "/api/v1/terminals/{terminal_id}/actions",
        "action:read",
        True,
        lambda w, p: ("GET", f"/api/v1/terminals/{w.terminal(p)}/actions", None),
    ),
    (
        "POST",
        "/api/v1/terminals/{terminal_id}/actions",
        "action:write",
        True,
        lambda w, p: ("POST", f"/api/v1/terminals/{w.terminal(p)}/actions", {"kind": "screenshot"}),
    ),
    (
        "GET",
        "/api/v1/actions/{action_id}",
        "action:read",
        True,
        lambda w, p: ("GET", f"/api/v1/actions/{w.action(p)}", None),
    ),
    (
        "POST",
        "/api/v1/actions/{action_id}/cancel",
        "action:write",
        True,
        lambda w, p: ("POST", f"/api/v1/actions/{w.action(p)}/cancel", None),
    ),
    (
        "GET",
        "/api/v1/configs/{scope}/{scope_id}",
        "config:read",
        False,
        lambda w, p: ("GET", f"/api/v1/configs/org/{w.node(p).id}", None),
    ),
    (
        "PUT",
        "/api/v1/configs/{scope}/{scope_id}",
        "config:write",
        False,
        lambda w, p: ("PUT", f"/api/v1/configs/org/{w.node(p).id}", {"values": {"language": "en"}}),
    ),
    (
        "GET",
        "/api/v1/terminals/{terminal_id}/config",
        "config:read",
        True,
        lambda w, p: ("GET", f"/api/v1/terminals/{w.terminal(p)}/config", None),
    ),
    (
        "GET",
        "/api/v1/users/{user_id}",
        "user:read",
        False,
        lambda w, p: ("GET", f"/api/v1/users/{w.user(p)}", None),
    ),
    (
        "POST",
        "/api/v1/users",
        "user:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/users",
            {
                "username": f"new{next(_n)}",
                "display_name": "新用户",
                "password": PASSWORD,
                "grants": [{"role": "auditor", "org_node_id": w.node(p, "district").id}],
            },
        ),
    ),
    (
        "PATCH",
        "/api/v1/users/{user_id}",
        "user:write",
        False,
        lambda w, p: ("PATCH", f"/api/v1/users/{w.user(p)}", {"display_name": "改名"}),
    ),
    (
        "POST",
        "/api/v1/users/{user_id}/grants",
        "user:write",
        False,
        lambda w, p: (
            "POST",
            f"/api/v1/users/{w.user(p)}/grants",
            {"role": "auditor", "org_node_id": w.node(p, "district").id},
        ),
    ),
    (
        "DELETE",
        "/api/v1/grants/{grant_id}",
        "user:write",
        False,
        lambda w, p: ("DELETE", f"/api/v1/grants/{w.grant(p)}", None),
    ),
    (
        "POST",
        "/api/v1/catalog/departments",
        "catalog:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/catalog/departments",
            {"name": "部门", "code": f"C{next(_n)}", "org_node_id": w.node(p, "district").id},
        ),
    ),
    (
        "POST",
        "/api/v1/catalog/departments/{department_id}/tokens",
        "catalog:write",
        False,
        lambda w, p: ("POST", f"/api/v1/catalog/departments/{w.department(p)}/tokens", {"label": "x"}),
    ),
    (
        "POST",
        "/api/v1/catalog/items",
        "catalog:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/catalog/items",
            {"name": "新事项", "item_type": "BM", "department_id": w.department(p)},
        ),
    ),
    (
        "GET",
        "/api/v1/catalog/items/{item_id}",
        "catalog:read",
        False,
        lambda w, p: ("GET", f"/api/v1/catalog/items/{w.item(p)}", None),
    ),
    (
        "GET",
        "/api/v1/catalog/items/{item_id}/versions",
        "catalog:read",
        False,
        lambda w, p: ("GET", f"/api/v1/catalog/items/{w.item(p)}/versions", None),
    ),
    (
        "PUT",
        "/api/v1/catalog/items/{item_id}",
        "catalog:write",
        False,
        lambda w, p: ("PUT", f"/api/v1/catalog/items/{w.item(p)}", {"name": "改", "item_type": "BM"}),
    ),
    (
        "POST",
        "/api/v1/catalog/apps",
        "catalog:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/catalog/apps",
            {"name": "应用", "kind": "h5", "url": "https://example.org", "department_id": w.department(p)},
        ),
    ),
    (
        "GET",
        "/api/v1/catalog/apps/{app_id}",
        "catalog:read",
        False,
        lambda w, p: ("GET", f"/api/v1/catalog/apps/{w.app(p)}", None),
    ),
    (
        "PUT",
        "/api/v1/catalog/apps/{app_id}",
        "catalog:write",
        False,
        lambda w, p: (
            "PUT",
            f"/api/v1/catalog/apps/{w.app(p)}",
            {"name": "改", "kind": "h5", "url": "https://example.org"},
        ),
    ),
    (
        "POST",
        "/api/v1/onboarding",
        "catalog:write",
        False,
        lambda w, p: ("POST", "/api/v1/onboarding", {"subject": "item", "subject_id": w.item(p)}),
    ),
    (
        "GET",
        "/api/v1/onboarding/{onboarding_id}",
        "catalog:read",
        False,
        lambda w, p: ("GET", f"/api/v1/onboarding/{w.onboarding(p)}", None),
    ),
    (
        "POST",
        "/api/v1/onboarding/{onboarding_id}/{operation}",
        "onboarding:review",
        False,
        lambda w, p: ("POST", f"/api/v1/onboarding/{w.onboarding(p)}/approve", {}),
    ),
    (
        "POST",
        "/api/v1/onboarding/{onboarding_id}/publish",
        "onboarding:review",
        False,
        lambda w, p: (
            "POST",
            f"/api/v1/onboarding/{w.onboarding(p, approved=True)}/publish",
            {"org_node_ids": [w.node(p, "district").id]},
        ),
    ),
    (
        "POST",
        "/api/v1/placement/plans",
        "placement:write",
        False,
        lambda w, p: (
            "POST",
            "/api/v1/placement/plans",
            {"org_node_id": _placement_district(w, p), "p": 1, "exact": False, "time_limit": 1},
        ),
    ),
    (
        "GET",
        "/api/v1/placement/plans/{plan_id}",
        "placement:read",
        False,
        lambda w, p: ("GET", f"/api/v1/placement/plans/{_placement_plan(w, p)}", None),
    ),
]
# Answers about the caller's whole scope (figures, not objects): 200 with the permission, 403 without.
CASES += [
    (
        "GET",
        "/api/v1/cases/{case_id}",
        "case:read",
        False,
        lambda w, p: ("GET", f"/api/v1/cases/{_case(w, p)}", None),
    ),
    (
        "GET",
        "/api/v1/catalog/departments/{department_id}/endpoint",
        "catalog:read",
        False,
        lambda w, p: ("GET", f"/api/v1/catalog/departments/{_endpoint(w, p)}/endpoint", None),
    ),
    (
        "PUT",
        "/api/v1/catalog/departments/{department_id}/endpoint",
        "catalog:write",
        False,
        lambda w, p: (
            "PUT",
            f"/api/v1/catalog/departments/{w.department(p)}/endpoint",
            {"url": "http://dept.test/hooks"},
        ),
    ),
    (
        "POST",
        "/api/v1/webhooks/{message_id}/replay",
        "catalog:write",
        False,
        lambda w, p: ("POST", f"/api/v1/webhooks/{_dead_message(w, p)}/replay", None),
    ),
]
CASES += [
    (
        "POST",
        "/api/v1/evaluations/{evaluation_id}/close",
        "case:write",
        False,
        lambda w, p: ("POST", f"/api/v1/evaluations/{_poor_rating(w, p)}/close", {"note": "已回访"}),
    ),
]
SUMMARIES = [
    ("/api/v1/cases-rate", "case:read"),
    ("/api/v1/cases-rate/history", "case:read"),
    ("/api/v1/evaluations/figures", "case:read"),
    ("/api/v1/onboarding/rates", "catalog:read"),
    ("/api/v1/onboarding/rates/history", "catalog:read"),
    ("/api/v1/placement/coverage", "placement:read"),
]
# Lists answer 200 with only what is in scope, or 403 to a role that holds the permission nowhere.
LISTS: list[tuple[str, str | None, Callable[[World], str], Callable[[World, str], str]]] = [
    ("/api/v1/cases", "case:read", lambda w: "/api/v1/cases", lambda w, p: _case(w, p)),  # type: ignore[list-item,return-value]
    (
        "/api/v1/evaluations/followups",
        "case:read",
        lambda w: "/api/v1/evaluations/followups",
        lambda w, p: _poor_rating(w, p),
    ),  # type: ignore[list-item,return-value]
    ("/api/v1/webhooks", "catalog:read", lambda w: "/api/v1/webhooks", lambda w, p: _dead_message(w, p)),  # type: ignore[list-item,return-value]
    ("/api/v1/orgs", "org:read", lambda w: "/api/v1/orgs?kind=site", lambda w, p: w.node(p).id),
    ("/api/v1/terminals", "terminal:read", lambda w: "/api/v1/terminals", lambda w, p: w.terminal(p)),
    (
        "/api/v1/enrollment-tokens",
        "terminal:read",
        lambda w: "/api/v1/enrollment-tokens",
        lambda w, p: w.enrollment_token(p),
    ),
    ("/api/v1/preauthorized-serials", "terminal:read", lambda w: "/api/v1/preauthorized-serials", None),  # type: ignore[list-item]
    ("/api/v1/users", "user:read", lambda w: "/api/v1/users", lambda w, p: w.user(p)),
    ("/api/v1/audit", "audit:read", lambda w: "/api/v1/audit", None),  # type: ignore[list-item]
    ("/api/v1/catalog/items", "catalog:read", lambda w: "/api/v1/catalog/items?q=", lambda w, p: w.item(p)),
    ("/api/v1/catalog/export", "catalog:read", lambda w: "/api/v1/catalog/export", lambda w, p: w.item(p)),
    (
        "/api/v1/catalog/departments",
        "catalog:read",
        lambda w: "/api/v1/catalog/departments",
        lambda w, p: w.department(p),
    ),
    ("/api/v1/catalog/apps", "catalog:read", lambda w: "/api/v1/catalog/apps", lambda w, p: w.app(p)),
    ("/api/v1/onboarding", "catalog:read", lambda w: "/api/v1/onboarding", lambda w, p: w.onboarding(p)),
    (
        "/api/v1/placement/plans",
        "placement:read",
        lambda w: "/api/v1/placement/plans",
        lambda w, p: _placement_plan(w, p),
    ),
]
PUBLIC = {("POST", "/api/v1/auth/token")}


@pytest.fixture
def world(db: Database, client: TestClient) -> tuple[World, dict[str, dict[str, str]]]:
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    for role in ("operator", "auditor"):
        build(db, create_user, role, ROLES[role], tree.district_a)
    build(db, create_user, "vendor", Role.VENDOR_MAINTAINER, tree.district_a, tree.vendor_x)
    return World(db, tree), {role: login(client, role) for role in SPEC}


def test_every_admin_endpoint_is_in_the_matrix(app: FastAPI) -> None:
    routes = {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        if path.startswith("/api/v1/")
        for method in ops
    }
    covered = (
        {(c[0], c[1]) for c in CASES}
        | {("GET", lst[0]) for lst in LISTS}
        | {("GET", s[0]) for s in SUMMARIES}
        | PUBLIC
    )
    assert routes - covered == set(), "admin endpoints missing from the authorisation matrix"


def test_object_endpoints(world: tuple[World, dict], client: TestClient) -> None:
    w, headers = world
    wrong = []
    for (method, route, perm, vendor_owned, make), role in itertools.product(CASES, SPEC):
        places = PLACES if vendor_owned else PLACES[:2]
        for place in places:
            verb, path, body = make(w, place)
            response = client.request(verb, path, json=body, headers=headers[role])
            expected = allowed(role, perm, place, vendor_owned)
            ok = response.status_code < 300 if expected else response.status_code == 403
            if not ok:
                wrong.append(
                    f"{role:8} {method} {route} @{place}: {response.status_code} {response.text[:120]}"
                )
    assert not wrong, "\n".join(wrong)


def test_list_endpoints_show_only_the_scope(world: tuple[World, dict], client: TestClient) -> None:
    w, headers = world
    wrong = []
    for (route, perm, url, make), role in itertools.product(LISTS, SPEC):
        perms = SPEC[role][0]
        objects = {p: make(w, p) for p in PLACES} if make else {}
        response = client.get(url(w) + ("&" if "?" in url(w) else "?") + "limit=500", headers=headers[role])
        if perm not in perms:
            if response.status_code != 403:
                wrong.append(f"{role} GET {route}: expected 403, got {response.status_code}")
            continue
        if response.status_code != 200:
            wrong.append(f"{role} GET {route}: expected 200, got {response.status_code}")
            continue
        ids = {item["id"] for item in response.json()["items"]}
        for place, object_id in objects.items():
            visible = allowed(role, perm, place, vendor_owned=route == "/api/v1/terminals")
            if (object_id in ids) != visible:
                wrong.append(
                    f"{role} GET {route}: object @{place} visible={object_id in ids}, expected {visible}"
                )
    assert not wrong, "\n".join(wrong)


def test_summaries_need_the_permission(world: tuple[World, dict], client: TestClient) -> None:
    _w, headers = world
    for (route, perm), role in itertools.product(SUMMARIES, SPEC):
        expected = 200 if perm in SPEC[role][0] else 403
        assert client.get(route, headers=headers[role]).status_code == expected, (role, route)


def test_anonymous_is_refused_everywhere(app: FastAPI, client: TestClient) -> None:
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method in ops:
            if (method.upper(), path) in PUBLIC:
                continue
            response = client.request(
                method.upper(),
                path.replace("{", "")
                .replace("}", "")
                .replace("scope_id", "1")
                .replace("scope", "org")
                .replace("_id", "1"),
                json={},
            )
            assert response.status_code in (401, 422), f"{method} {path}: {response.status_code}"


def test_denials_are_audited(world: tuple[World, dict], client: TestClient) -> None:
    w, headers = world
    terminal_b = w.terminal("B-VX")
    assert (
        client.post(
            f"/api/v1/terminals/{terminal_b}/revoke", headers=headers["operator"], json={}
        ).status_code
        == 403
    )
    found = client.get("/api/v1/audit?outcome=denied", headers=headers["auditor"])
    assert found.status_code == 200
    # The auditor of district A does not see a denial that carries no org path; a city auditor does.
    build(w.db, create_user, "city-auditor", Role.AUDITOR, w.tree.city)
    city = client.get("/api/v1/audit?outcome=denied", headers=login(client, "city-auditor")).json()
    assert any(e["actor"] == "operator" and "revoke" in e["action"] for e in city["items"])
