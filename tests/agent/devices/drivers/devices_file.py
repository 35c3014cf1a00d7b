"""Writing devices files for tests."""

import json
from pathlib import Path
from typing import Any


def write_devices(folder: Path, devices: Any, vendor: str | None = None) -> Path:
    """A devices file in `folder` with these devices (and vendor)."""
    path = folder / "devices.json"
    body: dict[str, Any] = {"devices": devices}
    if vendor is not None:
        body["vendor"] = vendor
    path.write_text(json.dumps(body, ensure_ascii=False))
    return path
