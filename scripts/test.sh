#!/usr/bin/env bash
# Runs all of PHG's checks on a fresh Debian machine: installs what it needs (Debian packages,
# the venv, the test FHIR server), then ruff, mypy and pytest, then the real-BlueZ suite in a VM
# (scripts/real-bluez.sh). Extra arguments go to the host pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$PHG_ROOT"

ensure_debian_packages dbus-daemon:dbus
ensure_debian_packages chromium:chromium
ensure_venv test,bench,testbus
bash "$PHG_ROOT/scripts/fhir-server.sh" install

log "ruff"
"$PHG_VENV/bin/ruff" check .
"$PHG_VENV/bin/ruff" format --check .
log "mypy"
"$PHG_VENV/bin/mypy"
log "pytest"
"$PHG_VENV/bin/pytest" -n "${PHG_TEST_WORKERS:-auto}" "$@"
# The real-BlueZ suite (tests/realbluez/, skipped above): in a VM with bluetoothd and virtual
# controllers. PHG_SKIP_REAL_BLUEZ=1 leaves it out (it takes minutes without KVM).
if [ "${PHG_SKIP_REAL_BLUEZ:-0}" != 1 ]; then
    log "real BlueZ (VM)"
    bash "$PHG_ROOT/scripts/real-bluez.sh"
fi
