"""The desk keeps the kiosk's catalog: the platform is asked (a conditional GET) at most once per refresh
period, at once when the kiosk's configuration changed, and the last catalog is served as stale when the
platform cannot be reached."""

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.sync.client import PlatformUnavailable
from govkiosk.contracts.terminal_api import CatalogOffer, CatalogResponse


def _catalog(etag: str, *names: str) -> CatalogResponse:
    offers = [
        CatalogOffer(subject="item", id=i, version=1, name=name, department="深圳市社会保险基金管理局",
                     required_devices=[], content={"topics": ["社会保险"]})
        for i, name in enumerate(names, start=1)
    ]  # fmt: skip
    return CatalogResponse(etag=etag, offers=offers, withheld=[])


class FakePlatform:
    """The terminal API's `GET /catalog`: 304 for the current ETag; `down` fails like a lost network."""

    def __init__(self, catalog: CatalogResponse) -> None:
        self.current = catalog
        self.asked: list[str | None] = []  # the If-None-Match ETag of each request
        self.down = False

    async def catalog(self, token: str, etag: str | None = None) -> CatalogResponse | None:
        self.asked.append(etag)
        await asyncio.sleep(0.01)  # callers arriving together share one request
        if self.down:
            raise PlatformUnavailable("network down")
        return None if etag == self.current.etag else self.current


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _desk(platform: FakePlatform, clock: Clock) -> tuple[CitizenDesk, Any]:
    agent = SimpleNamespace(
        devices=SimpleNamespace(device_set=SimpleNamespace(is_simulated=True)),
        client=platform,
        state=SimpleNamespace(config_etag="config-1"),
        bearer=lambda: "token",
    )
    return CitizenDesk(cast(Any, agent), catalog_refresh_s=5.0, clock=clock), agent


async def test_the_platform_is_asked_at_most_once_per_refresh_period() -> None:
    platform, clock = FakePlatform(_catalog("a", "社会保险参保证明打印")), Clock()
    desk, agent = _desk(platform, clock)
    first = await asyncio.gather(*(desk.offered() for _ in range(5)))  # a boot's calls at once
    assert platform.asked == [None]
    view = first[0][0]
    assert all(offered is view and not stale for offered, stale in first)
    clock.now += 4.9
    assert (await desk.offered())[0] is view and (await desk.catalog())[0].etag == "a"
    assert view.view(q="shbx")["items"][0]["name"] == "社会保险参保证明打印"  # terms worked out once
    assert platform.asked == [None]

    platform.current = _catalog("b", "社会保险参保证明打印", "灵活就业人员参保登记")
    assert (await desk.catalog())[0].etag == "a"  # within the period: not asked
    clock.now += 0.2
    changed, stale = await desk.offered()  # after it: asked, the change is seen
    assert platform.asked == [None, "a"] and changed.etag == "b" and not stale
    assert [i["name"] for i in changed.view(q="灵活")["items"]] == ["灵活就业人员参保登记"]

    clock.now += 5
    assert (await desk.offered())[0] is changed  # 304: the same worked-out view
    assert platform.asked == [None, "a", "b"]

    agent.state.config_etag = "config-2"  # the offering may have changed with the configuration: ask now
    await desk.offered()
    assert platform.asked == [None, "a", "b", "b"]
    await desk.offered()
    assert len(platform.asked) == 4


async def test_offline_serves_the_last_catalog_as_stale() -> None:
    platform, clock = FakePlatform(_catalog("a", "社会保险参保证明打印")), Clock()
    desk, _ = _desk(platform, clock)
    platform.down = True
    with pytest.raises(KioskError) as raised:  # nothing cached helps
        await desk.offered()
    assert raised.value.code == "offline"
    platform.down = False
    await desk.offered()
    platform.down = True
    clock.now += 6
    offered, stale = await desk.offered()
    assert stale and offered.etag == "a"
    asked = len(platform.asked)
    assert (await desk.offered())[1] is True and len(platform.asked) == asked  # not asked again at once
    platform.down = False
    clock.now += 6
    assert (await desk.offered())[1] is False
