#!/usr/bin/env bash
# Runs the whole suite twice: on SQLite, then on a real PostgreSQL that this script starts itself
# (initdb into a temporary directory as the postgres user, a non-default port) and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider "$@")

echo "== govkiosk suite on SQLite"
"${PYTEST[@]}"

echo "== govkiosk suite on PostgreSQL"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (scripts/setup.sh installs it)"; exit 1; }
PGROOT=$(mktemp -d /tmp/govkiosk-pg.XXXXXX)
PGPORT=${GOVKIOSK_PG_PORT:-55433}
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$PGROOT"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi
stop_pg() {
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap stop_pg EXIT
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w \
  -o "-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
"${AS_PG[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres govkiosk_test
GOVKIOSK_TEST_DB="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/govkiosk_test" "${PYTEST[@]}"
