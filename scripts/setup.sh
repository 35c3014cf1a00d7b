#!/usr/bin/env bash
# Sets up a fresh Debian machine for govkiosk: the Debian packages the suite and demo need, then a
# virtualenv at .venv/ with the project and its development dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -i 'CJK' >/dev/null || need+=(fonts-noto-cjk)  # not grep -q: with pipefail, fc-list's SIGPIPE would count as missing
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # receipts rendered to PNG to be looked at
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import govkiosk, fastapi, sqlalchemy, gmssl_pyx, playwright' # fail loudly if the install did not work
echo "setup: ready (.venv)"
