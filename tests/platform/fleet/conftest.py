"""An enrolled, approved, authenticated kiosk and the admin who runs it."""

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.fleet import tasks
from tests.factories import Tree, build, create_tree, create_user, login
from tests.platform.fleet.helpers import Kiosk


@dataclass
class Fleet:
    app: FastAPI
    db: Database
    client: TestClient
    tree: Tree
    admin: dict[str, str]

    def kiosk(self, serial: str = "SN-1", vendor: str = "VX") -> Kiosk:
        token = self.client.post(
            "/api/v1/enrollment-tokens",
            headers=self.admin,
            json={"label": serial, "org_node_id": self.tree.site_a.id},
        ).json()["token"]
        kiosk = Kiosk(self.client, SM2KeyPair.generate())
        kiosk.enroll(token, serial, vendor)
        self.client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=self.admin, json={})
        assert kiosk.authenticate() == 200
        return kiosk

    def flush(self) -> int:
        return tasks.flush_once(self.db, self.app.state.runtime, self.app.state.settings)

    def refresh(self) -> None:
        tasks.refresh_once(self.db, self.app.state.runtime)

    def terminal(self, terminal_id: int) -> dict:
        return self.client.get(f"/api/v1/terminals/{terminal_id}", headers=self.admin).json()

    def events(self, terminal_id: int) -> list[dict]:
        return self.client.get(f"/api/v1/terminals/{terminal_id}/events", headers=self.admin).json()["items"]


@pytest.fixture
def fleet(app: FastAPI, db: Database, client: TestClient) -> Fleet:
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    return Fleet(app=app, db=db, client=client, tree=tree, admin=login(client, "admin"))
