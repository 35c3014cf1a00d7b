#!/bin/bash
# Launch the citizen kiosk UI full screen in Debian's Chromium, in kiosk mode, on a fresh profile.
#
# The agent (govkiosk-agent.service) serves the UI at $GOVKIOSK_UI_URL. This script waits until the agent
# answers, starts Chromium with an ephemeral profile on tmpfs (nothing of one citizen survives into the
# next launch), relaunches it if it exits, and deletes the profile every time. Chromium's managed
# policies (policies/govkiosk.json, installed to /etc/chromium/policies/managed/) turn off developer
# tools, downloads, printing from the browser, password and autofill storage, and every URL but the
# agent's origin.
#
#   GOVKIOSK_UI_URL   the agent's UI (default http://127.0.0.1:8800/); add ?mode=elder for 长辈版 kiosks
#   GOVKIOSK_CHROMIUM the browser (default /usr/bin/chromium)
#   GOVKIOSK_ONCE=1   launch once, do not relaunch (for testing)
#   GOVKIOSK_DRY_RUN=1 print the command line instead of running it
set -euo pipefail

UI_URL="${GOVKIOSK_UI_URL:-http://127.0.0.1:8800/}"
CHROMIUM="${GOVKIOSK_CHROMIUM:-/usr/bin/chromium}"
RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

chromium_args() {
    local profile="$1"
    printf '%s\n' \
        "--kiosk" "$UI_URL" \
        "--user-data-dir=$profile" \
        "--no-first-run" \
        "--no-default-browser-check" \
        "--disable-translate" \
        "--disable-features=TranslateUI,OverscrollHistoryNavigation,Translate" \
        "--disable-pinch" \
        "--overscroll-history-navigation=0" \
        "--noerrdialogs" \
        "--disable-session-crashed-bubble" \
        "--disable-infobars" \
        "--disable-background-networking" \
        "--disable-component-update" \
        "--disable-sync" \
        "--password-store=basic" \
        "--autoplay-policy=no-user-gesture-required" \
        "--check-for-update-interval=31536000"
}

wait_for_agent() {
    # The agent may still be starting after boot: wait for its UI, up to two minutes, then try anyway.
    for _ in $(seq 1 120); do
        if curl -fsS -o /dev/null --max-time 2 "$UI_URL"; then
            return 0
        fi
        sleep 1
    done
    echo "govkiosk-kiosk: the agent's UI at $UI_URL does not answer; launching anyway" >&2
}

launch_once() {
    local profile
    profile="$(mktemp -d "$RUNTIME_DIR/govkiosk-profile.XXXXXX")"
    mapfile -t args < <(chromium_args "$profile")
    if [ "${GOVKIOSK_DRY_RUN:-0}" = "1" ]; then
        printf '%q ' "$CHROMIUM" "${args[@]}"
        echo
        rm -rf "$profile"
        return 0
    fi
    local status=0
    "$CHROMIUM" "${args[@]}" || status=$?
    rm -rf "$profile"  # the ephemeral profile: cookies, storage and cache of the last session go with it
    return "$status"
}

if [ "${GOVKIOSK_DRY_RUN:-0}" != "1" ]; then
    wait_for_agent
fi
while true; do
    launch_once || echo "govkiosk-kiosk: chromium exited with status $?; relaunching" >&2
    if [ "${GOVKIOSK_ONCE:-0}" = "1" ] || [ "${GOVKIOSK_DRY_RUN:-0}" = "1" ]; then
        break
    fi
    sleep 2
done
