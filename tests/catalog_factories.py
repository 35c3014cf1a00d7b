"""Factories for the catalog: a department with a valid USCC, kiosk-ready items, department tokens."""

from typing import Any

from fastapi.testclient import TestClient

from govkiosk.platform.catalog.codes import org_code_check_char, uscc_check_char
from govkiosk.platform.orgs.models import OrgNode


def uscc(seed: int) -> str:
    """A valid unified social credit code (GB 32100) of a Shenzhen government body."""
    org = f"{seed:08d}"
    first17 = "11440300" + org + org_code_check_char(org)  # the embedded organisation code is checked too
    return first17 + uscc_check_char(first17)


def task_code(department_code: str, serial: int, letter: str = "C") -> str:
    """A well-formed implementation code (实施编码) of a convenience/public item of the department."""
    return f"440{letter}{serial:010d}-440300000000-000-{department_code}-1-00"


def item_body(department_code: str, serial: int, **overrides: Any) -> dict[str, Any]:
    """An item that passes every automatic onboarding check."""
    body: dict[str, Any] = {
        "name": f"社会保险参保证明打印{serial}",
        "task_code": task_code(department_code, serial),
        "item_type": "GG",
        "conditions": ["已在本市参加社会保险"],
        "materials": [{"name": "居民身份证", "originals": 1, "copies": 0, "elicence_type": "身份证"}],
        "promised_limit": {"value": 0},
        "channels": ["window", "kiosk"],
        "kiosk_eligible": True,
        "required_devices": ["IdCardReader", "Printer"],
        "topics": ["社保"],
    }
    body.update(overrides)
    return body


def create_department(client: TestClient, admin: dict[str, str], node: OrgNode, seed: int = 1) -> dict:
    response = client.post(
        "/api/v1/catalog/departments",
        headers=admin,
        json={"name": f"社保局{seed}", "code": uscc(seed), "org_node_id": node.id},
    )
    assert response.status_code == 201, response.text
    return response.json()


def department_token(client: TestClient, admin: dict[str, str], department_id: int) -> dict[str, str]:
    response = client.post(
        f"/api/v1/catalog/departments/{department_id}/tokens", headers=admin, json={"label": "业务系统"}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
