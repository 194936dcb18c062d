#!/usr/bin/env bash
# Runs all of PHG's checks on a fresh Debian machine: installs what it needs (Debian packages,
# the venv, the two test FHIR servers), then ruff, mypy, pytest and the real-BlueZ suite in a VM
# (scripts/real-bluez.sh, about 5 minutes). Extra arguments go to pytest, and then the VM suite
# is left out (a chosen subset of tests); PHG_WITH_REAL_BLUEZ=1 runs it anyway, =0 never.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$PHG_ROOT"

ensure_debian_packages dbus-daemon:dbus
ensure_debian_packages chromium:chromium
ensure_venv test,bench,testbus
bash "$PHG_ROOT/scripts/fhir-server.sh" install      # SEKMET
bash "$PHG_ROOT/scripts/medplum-server.sh" install    # Medplum's FHIR engine (Node, npm ci)

log "ruff"
"$PHG_VENV/bin/ruff" check .
"$PHG_VENV/bin/ruff" format --check .
log "mypy"
"$PHG_VENV/bin/mypy"
log "pytest"
"$PHG_VENV/bin/pytest" -n "${PHG_TEST_WORKERS:-auto}" "$@"
# The real-BlueZ suite (tests/realbluez/, not collected above): in a VM with bluetoothd and
# virtual controllers (docs/real-bluez.md).
real_bluez=${PHG_WITH_REAL_BLUEZ:-auto}
if [ "$real_bluez" = 1 ] || { [ "$real_bluez" = auto ] && [ "$#" -eq 0 ]; }; then
    log "real BlueZ (VM)"
    bash "$PHG_ROOT/scripts/real-bluez.sh"
fi
