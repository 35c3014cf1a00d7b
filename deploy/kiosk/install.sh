#!/bin/bash
# Install the kiosk runtime on a Debian kiosk: run as root from a checkout at /opt/govkiosk after
# `make setup` there. Idempotent: running it again updates the files.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

apt-get install -y --no-install-recommends chromium cage curl fonts-noto-cjk
id -u govkiosk >/dev/null 2>&1 || useradd --system --home-dir /var/lib/govkiosk --shell /usr/sbin/nologin govkiosk
id -u kiosk >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin --groups video,render,input kiosk

install -d -m 0755 /etc/chromium/policies/managed
install -m 0644 "$HERE/policies/govkiosk.json" /etc/chromium/policies/managed/govkiosk.json
install -d -m 0750 -g govkiosk /etc/govkiosk
[ -e /etc/govkiosk/agent.env ] || install -m 0640 -g govkiosk "$HERE/agent.env.example" /etc/govkiosk/agent.env
install -m 0644 "$HERE/govkiosk-agent.service" "$HERE/govkiosk-kiosk.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable govkiosk-agent.service govkiosk-kiosk.service
echo "Edit /etc/govkiosk/agent.env (platform URL, devices file), then: systemctl start govkiosk-agent govkiosk-kiosk"
