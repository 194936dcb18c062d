#!/usr/bin/env bash
# The test FHIR R4 server (SEKMET, FastAPI + SQLite, Apache-2.0) for the tests and the demo.
#
#   scripts/fhir-server.sh install            install SEKMET into its own venv if it is missing
#   scripts/fhir-server.sh [serve] [PORT]     install if needed, then run it in the foreground
#   scripts/fhir-server.sh path               print the sekmet executable (installing if needed)
#
# SEKMET lives in its own venv ($PHG_FHIR_VENV, default .fhir-venv) so that its pins
# (fhir.resources 8, FastAPI, pydantic) never meet PHG's. Environment for `serve`:
#   PORT (argument, default 8090), SEKMET_DB (default .fhir-data/sekmet.db),
#   SEKMET_BASE_URL (default http://127.0.0.1:$PORT/fhir; Location headers are built from it).
# The FHIR base is then http://127.0.0.1:$PORT/fhir and the web console /ui.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FHIR_VENV=${PHG_FHIR_VENV:-$ROOT/.fhir-venv}
SEKMET_VERSION=0.1.1
SEKMET="$FHIR_VENV/bin/sekmet"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_sekmet() {
    if [ -x "$SEKMET" ] && [ "$(cat "$FHIR_VENV/.sekmet-version" 2>/dev/null)" = "$SEKMET_VERSION" ]; then
        return
    fi
    log "installing sekmet-fhir==$SEKMET_VERSION into $FHIR_VENV"
    [ -x "$FHIR_VENV/bin/python" ] || "${PHG_PYTHON:-python3}" -m venv "$FHIR_VENV"
    "$FHIR_VENV/bin/python" -m pip install -q "sekmet-fhir==$SEKMET_VERSION"
    echo "$SEKMET_VERSION" >"$FHIR_VENV/.sekmet-version"
}

command=${1:-serve}
case "$command" in
install)
    install_sekmet
    ;;
path)
    install_sekmet
    echo "$SEKMET"
    ;;
serve | [0-9]*)
    [ "$command" = serve ] && shift || true
    port=${1:-8090}
    install_sekmet
    export SEKMET_DB=${SEKMET_DB:-$ROOT/.fhir-data/sekmet.db}
    export SEKMET_BASE_URL=${SEKMET_BASE_URL:-http://127.0.0.1:$port/fhir}
    mkdir -p "$(dirname "$SEKMET_DB")"
    log "SEKMET on $SEKMET_BASE_URL (database $SEKMET_DB)"
    exec "$SEKMET" serve --host 127.0.0.1 --port "$port"
    ;;
*)
    echo "usage: $0 [install | path | serve [PORT] | PORT]" >&2
    exit 2
    ;;
esac
