"""The kiosk runtime under deploy/kiosk/: the launch script, Chromium's policies and the systemd units agree
with each other and with the agent's command line, and the launch script leaves no profile behind."""

import configparser
import functools
import json
import os
import re
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from typer.testing import CliRunner

from govkiosk.cli import app

KIOSK = Path(__file__).parents[2] / "deploy" / "kiosk"
UI_ORIGIN = "http://127.0.0.1:8800"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(KIOSK / name)
    return parser


def test_the_policies_lock_the_browser_to_the_agents_origin() -> None:
    policies = json.loads((KIOSK / "policies" / "govkiosk.json").read_text())
    assert policies["DeveloperToolsAvailability"] == 2  # no developer tools
    assert policies["URLBlocklist"] == ["*"]
    assert UI_ORIGIN in policies["URLAllowlist"]
    assert policies["LocalNetworkAccessAllowedForUrls"] == [UI_ORIGIN]
    assert policies["DownloadRestrictions"] == 3 and policies["PrintingEnabled"] is False
    assert policies["PasswordManagerEnabled"] is False and policies["AutofillAddressEnabled"] is False
    assert policies["RestoreOnStartupURLs"] == [UI_ORIGIN + "/"]


def test_the_agent_unit_serves_the_ui_where_the_policies_and_the_script_expect_it() -> None:
    exec_start = _unit("govkiosk-agent.service")["Service"]["ExecStart"]
    assert re.search(r"--ui-port 8800\b", exec_start)
    script = (KIOSK / "govkiosk-kiosk.sh").read_text()
    assert f"GOVKIOSK_UI_URL:-{UI_ORIGIN}/" in script
    kiosk_unit = _unit("govkiosk-kiosk.service")["Service"]
    assert f"GOVKIOSK_UI_URL={UI_ORIGIN}/" in kiosk_unit["Environment"] or any(
        f"GOVKIOSK_UI_URL={UI_ORIGIN}/" in line
        for line in (KIOSK / "govkiosk-kiosk.service").read_text().splitlines()
    )


def test_every_option_of_the_agent_unit_is_one_the_agent_command_knows() -> None:
    exec_start = _unit("govkiosk-agent.service")["Service"]["ExecStart"]
    options = set(re.findall(r"(--[a-z-]+)", exec_start))
    help_text = CliRunner().invoke(app, ["agent", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}).output
    known = set(re.findall(r"(--[a-z-]+)", help_text))
    assert options and options <= known, f"unknown to `govkiosk agent`: {sorted(options - known)}"


def test_the_shell_scripts_parse() -> None:
    for script in ("govkiosk-kiosk.sh", "install.sh"):
        subprocess.run(["bash", "-n", str(KIOSK / script)], check=True)


def test_the_launch_script_runs_kiosk_mode_on_an_ephemeral_profile_and_deletes_it(tmp_path: Path) -> None:
    # A stand-in browser records its arguments and writes into the profile, as Chromium would.
    record = tmp_path / "args.txt"
    fake = tmp_path / "chromium"
    fake.write_text(
        '#!/bin/bash\nprintf \'%s\\n\' "$@" > "$RECORD"\n'
        'for a in "$@"; do case $a in\n'
        '  --user-data-dir=*) echo cookie > "${a#--user-data-dir=}/Cookies";;\n'
        "esac; done\n"
    )
    fake.chmod(0o755)
    pages = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    )
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{pages.server_address[1]}/"
    env = {**os.environ, "GOVKIOSK_CHROMIUM": str(fake), "GOVKIOSK_UI_URL": url, "GOVKIOSK_ONCE": "1",
           "XDG_RUNTIME_DIR": str(tmp_path), "RECORD": str(record)}  # fmt: skip
    try:
        subprocess.run([str(KIOSK / "govkiosk-kiosk.sh")], env=env, check=True, timeout=60)
    finally:
        pages.shutdown()
    args = record.read_text().splitlines()
    assert args[:2] == ["--kiosk", url]
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    assert Path(profile).parent == tmp_path and not Path(profile).exists()  # used, then deleted
    assert "--no-first-run" in args and "--disable-pinch" in args
