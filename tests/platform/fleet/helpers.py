"""Driving the terminal API the way an agent does, for platform tests."""

from dataclasses import dataclass

from fastapi.testclient import TestClient

from govkiosk.crypto import SM2KeyPair

API = "/api/terminal/v1"


@dataclass
class Kiosk:
    client: TestClient
    key: SM2KeyPair
    terminal_id: int = 0
    token: str = ""

    def enroll(self, enrollment_token: str, serial: str, vendor: str = "VX") -> dict:
        response = self.client.post(
            f"{API}/enroll",
            json={
                "enrollment_token": enrollment_token,
                "public_key": self.key.public_hex,
                "hardware": {"serial": serial, "vendor": vendor, "model": "K1"},
            },
        )
        if response.status_code == 201:
            self.terminal_id = response.json()["terminal_id"]
        return {"status": response.status_code, **response.json()}

    def authenticate(self) -> int:
        challenge = self.client.post(f"{API}/auth/challenge", json={"terminal_id": self.terminal_id}).json()[
            "challenge"
        ]
        response = self.client.post(
            f"{API}/auth/token",
            json={
                "terminal_id": self.terminal_id,
                "challenge": challenge,
                "signature": self.key.sign(challenge.encode()).hex(),
            },
        )
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response.status_code

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def heartbeat(self, **body: object):  # type: ignore[no-untyped-def]
        payload = {"status": "idle", "peripherals": [], "installed": {"agent": "0.1.0"}, "metrics": {}}
        payload.update(body)
        return self.client.post(f"{API}/heartbeat", json=payload, headers=self.headers)


def printer(level: str = "ok", state: str = "online") -> dict:
    return {
        "device_class": "Printer",
        "state": state,
        "supplies": [{"name": "paper", "level": level}],
        "simulated": True,
    }
