"""The exchange rules of the device protocol, over real WebSockets."""

import asyncio
import json

from govkiosk.agent.devices.base import DeviceService, EmitEvent, command
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.lights import SimulatedLights
from govkiosk.agent.devices.protocol import Connection
from tests.agent.devices.client import client, code, running_server, wait_for


async def test_acknowledge_then_events_then_one_completion() -> None:
    async with running_server() as server, client(server, "IdCardReader") as c:
        done = await c.call("IdCardReader.Read", 7)
        assert code(done) == "success"
        assert c.of(7) == [
            ("acknowledge", "IdCardReader.Read"),
            ("event", "IdCardReader.MediaInsertedEvent"),
            ("completion", "IdCardReader.Read"),
        ]
        assert done["payload"]["name"].startswith("测试")


async def test_duplicate_request_id_gets_invalid_request_id_without_acknowledge() -> None:
    devices = DeviceSet.simulated(["IdCardReader"])
    devices.inject("IdCardReader", "timeout")
    async with running_server(devices) as server, client(server, "IdCardReader") as c:
        await c.send("IdCardReader.Read", 1)
        assert (await c.next())["header"]["type"] == "acknowledge"
        await c.send("Common.Status", 1)
        duplicate = await c.until_completion(1)
        assert code(duplicate) == "invalidRequestID"
        assert [t for t, _ in c.of(1)].count("acknowledge") == 1
        cancel = await c.call("Common.Cancel", 2, {"requestIds": [1]})
        assert code(cancel) == "success"
        assert [code(m) for m in c.messages if m["header"]["type"] == "completion"] == [
            "invalidRequestID",
            "canceled",
            "success",
        ]


async def test_unparseable_or_incomplete_messages_get_invalid_data() -> None:
    async with running_server() as server, client(server, "Printer") as c:
        await c.ws.send("not json")
        bad = await c.next()
        assert (bad["header"]["type"], code(bad), bad["header"]["requestId"]) == (
            "completion",
            "invalidData",
            None,
        )
        await c.send("Common.Status", None)
        assert code(await c.next()) == "invalidData"
        await c.ws.send('{"header": {"type": "event", "name": "Common.Status", "requestId": 3}}')
        wrong_type = await c.next()
        assert code(wrong_type) == "invalidData" and wrong_type["header"]["requestId"] == 3
        done = await c.call("Printer.PrintRaw", 4, {"text": 5})
        assert code(done) == "invalidData" and c.of(4)[0][0] == "acknowledge"


async def test_unknown_command_is_acknowledged_then_unsupported() -> None:
    async with running_server() as server, client(server, "Lights") as c:
        done = await c.call("Lights.Disco", 1)
        assert code(done) == "unsupportedCommand"
        assert c.of(1) == [("acknowledge", "Lights.Disco"), ("completion", "Lights.Disco")]


async def test_cancel_all_cancels_every_pending_command_and_the_driver_sees_it() -> None:
    devices = DeviceSet.simulated(["BarcodeReader"])
    devices.inject("BarcodeReader", "no_media")
    async with running_server(devices) as server, client(server, "BarcodeReader") as c:
        await c.send("BarcodeReader.Read", 1)
        await c.send("BarcodeReader.Read", 2)
        await wait_for(lambda: len(c.messages) >= 0)
        await asyncio.sleep(0.05)
        assert code(await c.call("Common.Cancel", 3)) == "success"
        completions = {
            m["header"]["requestId"]: code(m) for m in c.messages if m["header"]["type"] == "completion"
        }
        assert completions == {1: "canceled", 2: "canceled", 3: "success"}
        assert devices.driver("BarcodeReader").cancelled == 1  # the second never reached the device


async def test_closed_connection_cancels_its_pending_commands() -> None:
    devices = DeviceSet.simulated(["IdCardReader"])
    devices.inject("IdCardReader", "timeout")
    async with running_server(devices) as server:
        async with client(server, "IdCardReader") as c:
            await c.send("IdCardReader.Read", 1)
            await c.next()  # acknowledge
            await asyncio.sleep(0.05)
        await wait_for(lambda: devices.driver("IdCardReader").cancelled == 1)
        devices.recover("IdCardReader")
        async with client(server, "IdCardReader") as c:  # the device is free again
            assert code(await c.call("IdCardReader.Read", 1)) == "success"


async def test_command_past_its_timeout_completes_time_out() -> None:
    devices = DeviceSet.simulated(["Printer"])
    devices.inject("Printer", "timeout")
    async with running_server(devices) as server, client(server, "Printer") as c:
        done = await c.call("Printer.PrintRaw", 1, {"text": "hello"}, timeout=100)
        assert code(done) == "timeOut"
    assert devices.driver("Printer").cancelled == 1


async def test_service_default_timeout_applies_when_header_has_none() -> None:
    devices = DeviceSet.simulated(["Camera"])
    devices.inject("Camera", "timeout")
    async with running_server(devices, default_timeout=0.1) as server, client(server, "Camera") as c:
        assert code(await c.call("Camera.TakePicture", 1, timeout=0)) == "timeOut"


async def test_device_commands_run_one_at_a_time_while_queries_answer() -> None:
    devices = DeviceSet.simulated(["IdCardReader"])
    devices.inject("IdCardReader", "timeout")
    async with (
        running_server(devices) as server,
        client(server, "IdCardReader") as first,
        client(server, "IdCardReader") as second,
    ):
        await first.send("IdCardReader.Read", 1)
        await first.next()
        await asyncio.sleep(0.05)
        await second.send("IdCardReader.Read", 1, {"withPhoto": False})
        await second.next()  # acknowledged, waiting for the device
        assert code(await second.call("Common.Status", 2)) == "success"
        assert code(await second.call("Simulator.Recover", 3)) == "success"
        assert not [
            m
            for m in second.messages
            if m["header"]["requestId"] == 1 and m["header"]["type"] == "completion"
        ]
        await first.call("Common.Cancel", 2, {"requestIds": [1]})
        assert code(await second.until_completion(1)) == "success"


async def test_fault_injection_broadcasts_status_changed_to_every_connection() -> None:
    devices = DeviceSet.simulated(["Printer"])
    async with (
        running_server(devices) as server,
        client(server, "Printer") as a,
        client(server, "Printer") as b,
    ):
        await a.call("Common.Status", 1)
        await b.call("Common.Status", 1)
        devices.inject("Printer", "paper_low")
        for c in (a, b):
            status = await c.next()
            assert status["header"] == {**status["header"], "type": "unsolicited", "requestId": None}
            assert status["header"]["name"] == "Common.StatusChangedEvent"
            assert {"name": "paper", "level": "low"} in status["payload"]["supplies"]
            assert status["payload"]["simulated"] is True
            threshold = await c.next()
            assert threshold["header"]["name"] == "Printer.PaperThresholdEvent"
            assert threshold["payload"] == {"supply": "paper", "level": "low"}


async def test_simulator_commands_inject_and_recover_over_the_protocol() -> None:
    async with running_server() as server, client(server, "DocumentScanner") as c:
        assert (await c.call("Simulator.InjectFault", 1, {"fault": "cover_open"}))["payload"] == {
            "faults": ["cover_open"]
        }
        changed = [m for m in c.messages if m["header"]["name"] == "Common.StatusChangedEvent"]
        assert changed[0]["payload"]["device"] == "userError"
        assert code(await c.call("DocumentScanner.Scan", 2)) == "userError"
        assert code(await c.call("Simulator.InjectFault", 3, {"fault": "face_mismatch"})) == "unsupportedData"
        assert code(await c.call("Simulator.Recover", 4)) == "success"
        assert code(await c.call("DocumentScanner.Scan", 5)) == "success"


async def test_unplug_and_replug() -> None:
    async with running_server() as server, client(server, "Camera") as c:
        await c.call("Simulator.InjectFault", 1, {"fault": "unplug"})
        assert (await c.call("Common.Status", 2))["payload"]["device"] == "noDevice"
        assert code(await c.call("Camera.TakePicture", 3)) == "deviceNotReady"
        await c.call("Simulator.InjectFault", 4, {"fault": "replug"})
        assert (await c.call("Common.Status", 5))["payload"]["device"] == "online"


class _Broken(DeviceService):
    device_class = "Lights"

    @command("Lights.Explode")
    async def explode(self, payload: None, emit: EmitEvent) -> None:
        raise RuntimeError("boom")


async def test_unexpected_error_completes_internal_error_and_raises_error_event() -> None:
    devices = DeviceSet([_Broken(SimulatedLights())])
    async with running_server(devices) as server, client(server, "Lights") as c:
        done = await c.call("Lights.Explode", 1)
        assert code(done) == "internalError"
        event = await c.next()
        assert (event["header"]["type"], event["header"]["name"]) == ("unsolicited", "Common.ErrorEvent")


async def test_request_id_may_be_reused_once_completed() -> None:
    async with running_server() as server, client(server, "Lights") as c:
        assert code(await c.call("Common.Status", 1)) == "success"
        assert code(await c.call("Common.Status", 1)) == "success"


async def test_a_command_cancelled_before_it_starts_still_completes_canceled() -> None:
    # Command and Cancel handled back-to-back, before the event loop ever runs the command's task: the
    # race behind a browser test that waited forever for a completion.
    sent: list[dict] = []
    devices = DeviceSet.simulated(["IdCardReader"])
    service = devices.get("IdCardReader")
    connection = Connection(service, send=None, default_timeout=5)  # type: ignore[arg-type]
    connection._put = lambda raw: sent.append(json.loads(raw))  # type: ignore[method-assign]
    read = {"header": {"type": "command", "name": "IdCardReader.Read", "requestId": 1}, "payload": {}}
    cancel_header = {"type": "command", "name": "Common.Cancel", "requestId": 2}
    cancel = {"header": cancel_header, "payload": {"requestIds": [1]}}
    await connection.receive(json.dumps(read))
    await connection.receive(json.dumps(cancel))
    headers = [m["header"] for m in sent]
    completions = {h["requestId"]: h["completionCode"] for h in headers if h["type"] == "completion"}
    assert completions == {1: "canceled", 2: "success"}
    assert connection.pending == {}
