"""The soak at a small size (issue 5 point 11): three kiosks submit 40 cases each, some with a material, while
the platform in its own process is SIGKILLed at least three times; nothing is lost, duplicated, unexpected or
damaged. `make soak` runs the full size (govkiosk.sim.soak)."""

from pathlib import Path

from govkiosk.platform.db.session import Database
from govkiosk.sim.soak import SoakConfig, soak

CONFIG = SoakConfig(kiosks=3, cases=40, material_share=0.3, kill_every_s=2.0, min_kills=3, deadline_s=150)


async def test_kiosks_lose_and_duplicate_nothing_while_the_platform_is_killed(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = await soak(CONFIG, db_url=db_url, workdir=tmp_path)
    assert result.kills >= 3 and result.materials > 0, result
    assert (result.lost, result.duplicated, result.unexpected, result.materials_bad) == (0, 0, 0, 0), result
    assert result.cases == result.submissions == 120, result
    assert result.dead_letters == result.quarantined == 0, result
