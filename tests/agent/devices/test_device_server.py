"""The local device server: who gets in, discovery, the publisher."""

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from govkiosk.agent.devices.device_set import ALL_DEVICE_CLASSES, DeviceSet
from govkiosk.agent.local.device_server import DeviceServer
from govkiosk.cli import app
from govkiosk.contracts.terminal_api import DeviceClass
from tests.agent.devices.client import TOKEN, client, code, running_server


async def test_discovery_lists_every_class_as_json() -> None:
    async with running_server() as server, httpx.AsyncClient() as http:
        response = await http.get(server.url, params={"token": TOKEN})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["simulated"] is True
        assert {s["deviceClass"] for s in body["services"]} == set(ALL_DEVICE_CLASSES)
        assert body["services"][0]["serviceURI"] == f"ws://127.0.0.1:{server.port}/xfs4iot/v1.0/IdCardReader"


async def test_publisher_get_services() -> None:
    async with running_server() as server, client(server, "") as c:
        done = await c.call("ServicePublisher.GetServices", 1)
        assert code(done) == "success"
        assert len(done["payload"]["services"]) == len(ALL_DEVICE_CLASSES)


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, {}),
        ({}, {"token": "wrong"}),
        ({"Host": "evil.example:80"}, {"token": TOKEN}),
        ({"Origin": "http://evil.example"}, {"token": TOKEN}),
    ],
)
async def test_discovery_refuses_without_token_or_with_foreign_host_or_origin(
    headers: dict[str, str], params: dict[str, str]
) -> None:
    async with running_server() as server, httpx.AsyncClient() as http:
        response = await http.get(server.url, params=params, headers=headers)
        assert response.status_code == 403


async def test_websocket_refused_before_upgrade() -> None:
    async with running_server() as server:
        for url, kwargs in [
            (f"{server.ws_base}/Printer", {}),
            (f"{server.ws_base}/Printer?token={TOKEN}", {"origin": "http://evil.example"}),
            (f"{server.ws_base}/Printer?token={TOKEN}", {"additional_headers": {"Host": "rebind.example"}}),
        ]:
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url, **kwargs):
                    pass
            assert refused.value.response.status_code == 403


async def test_own_and_configured_origins_are_allowed() -> None:
    async with running_server(allowed_origins=["http://127.0.0.1:9999"]) as server:
        for origin in (f"http://localhost:{server.port}", "http://127.0.0.1:9999"):
            async with client(server, "Lights", origin=origin) as c:
                assert code(await c.call("Common.Status", 1)) == "success"


async def test_unknown_service_is_404() -> None:
    async with running_server() as server, httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{server.port}/xfs4iot/v1.0/Teleporter?token={TOKEN}")
        assert response.status_code == 404


@pytest.mark.parametrize("device_class", ALL_DEVICE_CLASSES)
async def test_every_service_says_it_is_simulated(device_class: DeviceClass) -> None:
    async with running_server() as server, client(server, device_class) as c:
        caps = (await c.call("Common.Capabilities", 1))["payload"]
        status = (await c.call("Common.Status", 2))["payload"]
        assert caps["simulated"] is True and status["simulated"] is True
        assert caps["deviceClass"] == device_class
        assert {"Common.Cancel", "Simulator.InjectFault", "Simulator.Recover"} <= set(caps["commands"])
        assert any(name.startswith(f"{device_class}.") for name in caps["commands"])


def test_only_loopback_addresses_are_served() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DeviceServer(DeviceSet.simulated(["Lights"]), host="0.0.0.0")


def test_devices_file_selects_the_classes(tmp_path: Path) -> None:
    spec = tmp_path / "devices.json"
    spec.write_text(json.dumps({"devices": ["IdCardReader", "Printer"]}))
    assert list(DeviceSet.from_file(spec).services) == ["IdCardReader", "Printer"]


def test_cli_has_devices_serve() -> None:
    result = CliRunner().invoke(app, ["devices", "serve", "--help"])
    assert result.exit_code == 0 and "--simulated" in result.output and "--token" in result.output
