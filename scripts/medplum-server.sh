#!/usr/bin/env bash
# The second test FHIR R4 server: Medplum's FHIR engine (npm @medplum/fhir-router, in memory)
# behind PHG's small Node HTTP server (gateway/demo/medplum/server.mjs), for the tests and
# `phg demo --fhir-server medplum`.
#
#   scripts/medplum-server.sh install          Debian nodejs/npm if missing, then `npm ci`
#   scripts/medplum-server.sh [serve] [PORT]   install if needed, then run it in the foreground
#
# The Medplum packages need Node 20 or later (Node 20 and 21 with --experimental-websocket).
# When the Debian Node is older (Debian 12 ships Node 18), a pinned Node 22 from npm
# (node-linux-<arch>) is put into .node/, where the launcher (gateway/demo/medplum_server.py)
# finds it; NODE_BIN overrides both. FHIR base: http://127.0.0.1:$PORT/fhir/R4.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
MEDPLUM_DIR=$PHG_ROOT/gateway/demo/medplum
NODE_DIR=$PHG_ROOT/.node
BUNDLED_NODE_VERSION=22.23.3

node_major() { "$1" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

# node_path — the node the launcher will use (same order as gateway/demo/medplum_server.py).
node_path() {
    if [ -n "${NODE_BIN:-}" ]; then
        echo "$NODE_BIN"
        return
    fi
    local bundled
    for bundled in "$NODE_DIR"/node_modules/node-linux-*/bin/node; do
        if [ -x "$bundled" ]; then
            echo "$bundled"
            return
        fi
    done
    command -v node || command -v nodejs
}

install_node() {
    ensure_debian_packages node:nodejs npm:npm
    local node major arch
    node=$(node_path)
    major=$(node_major "$node")
    if [ "${major:-0}" -lt 20 ]; then
        case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) echo "no Node 22 package for $(uname -m); set NODE_BIN to a Node >= 20" >&2; exit 1 ;;
        esac
        log "Node ${major:-?} is too old for Medplum; installing node-linux-$arch@$BUNDLED_NODE_VERSION into $NODE_DIR"
        mkdir -p "$NODE_DIR"
        npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
            "node-linux-$arch@$BUNDLED_NODE_VERSION"
    fi
}

install_medplum() {
    install_node
    local stamp="$MEDPLUM_DIR/node_modules/.phg-lock-sha256" hash
    hash=$(sha256sum "$MEDPLUM_DIR/package-lock.json" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
        log "installing Medplum's FHIR engine (npm ci in $MEDPLUM_DIR)"
        (cd "$MEDPLUM_DIR" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$hash" >"$stamp"
    fi
}

command=${1:-serve}
case "$command" in
install)
    install_medplum
    ;;
serve | [0-9]*)
    [ "$command" = serve ] && shift || true
    port=${1:-8103}
    install_medplum
    node=$(node_path)
    flags=()
    [ "$(node_major "$node")" -lt 22 ] && flags+=(--experimental-websocket)
    exec "$node" "${flags[@]}" "$MEDPLUM_DIR/server.mjs" --host 127.0.0.1 --port "$port"
    ;;
*)
    echo "usage: $0 [install | serve [PORT] | PORT]" >&2
    exit 2
    ;;
esac
