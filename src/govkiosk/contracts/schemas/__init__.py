"""JSON Schemas generated from the wire models, for clients in other languages (kiosk UI, vendors).

`python -m govkiosk.contracts.schemas` rewrites them; a test fails when the committed files are stale.
"""

import inspect
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from govkiosk.contracts import devices

DEVICES_DIR = Path(__file__).parent / "devices"


def device_models() -> dict[str, type[BaseModel]]:
    """Every message and payload model of the device protocol, by name."""
    return {
        name: obj
        for name, obj in vars(devices).items()
        if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == devices.__name__
    }


def device_schemas() -> dict[str, str]:
    """File name → JSON Schema text, one per model."""
    out: dict[str, str] = {}
    for name, model in sorted(device_models().items()):
        schema: dict[str, Any] = model.model_json_schema()
        schema["$id"] = f"https://govkiosk.invalid/schemas/devices/{name}.json"
        out[f"{name}.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write_device_schemas(folder: Path = DEVICES_DIR) -> list[Path]:
    """Write the device protocol schemas to `folder`, removing ones whose model is gone."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = device_schemas()
    for old in folder.glob("*.json"):
        if old.name not in wanted:
            old.unlink()
    paths = []
    for file_name, text in wanted.items():
        path = folder / file_name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
