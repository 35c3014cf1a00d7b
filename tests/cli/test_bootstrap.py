"""`govkiosk bootstrap` makes a new installation usable: a root node and a first administrator."""

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govkiosk.cli import app as cli
from govkiosk.platform.app import create_app
from tests.conftest import make_settings


def test_bootstrap_then_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    args = ["bootstrap", "--db", url, "--city", "深圳市", "--code", "440300", "--admin", "root"]
    result = CliRunner().invoke(cli, args, input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert "created 深圳市" in result.output
    again = CliRunner().invoke(cli, args, input="a-long-password\na-long-password\n")
    assert again.exit_code != 0  # one root per installation
    with TestClient(create_app(make_settings(url))) as client:
        token = client.post("/api/v1/auth/token", data={"username": "root", "password": "a-long-password"})
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        roots = client.get("/api/v1/orgs?kind=city", headers=headers).json()
        assert [n["name"] for n in roots["items"]] == ["深圳市"]
