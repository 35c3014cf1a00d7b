"""Rewrite the generated JSON Schemas."""

from govkiosk.contracts.schemas import write_device_schemas

if __name__ == "__main__":
    for path in write_device_schemas():
        print(path)
