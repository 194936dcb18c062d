# Shared set-up for scripts/test.sh and scripts/demo.sh (sourced, not run).
# Installs what a fresh Debian machine lacks: Debian packages, PHG's venv, the test FHIR server.

PHG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PHG_VENV=${PHG_VENV:-$PHG_ROOT/.venv}
PHG_PYTHON=${PHG_PYTHON:-python3}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_debian_packages COMMAND:PACKAGE ... — install PACKAGE when COMMAND is missing.
ensure_debian_packages() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_python_venv_support() {
    if ! "$PHG_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        local version
        version=$("$PHG_PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        log "installing Debian python${version}-venv"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null
    fi
}

# ensure_venv EXTRAS — create the venv and install PHG (editable) with EXTRAS (comma-separated)
# when pyproject.toml changed since the last install or an extra is missing; extras installed
# before are kept, so the demo and the tests can share one venv.
ensure_venv() {
    local wanted=$1 stamp hash have="" extras
    ensure_python_venv_support
    if [ ! -x "$PHG_VENV/bin/python" ]; then
        log "creating $PHG_VENV"
        "$PHG_PYTHON" -m venv "$PHG_VENV"
    fi
    stamp="$PHG_VENV/.phg-installed"
    hash=$(sha256sum "$PHG_ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$hash" ]; then
        have=$(sed -n 2p "$stamp")
    fi
    extras=$(printf '%s\n' "${have//,/$'\n'}" "${wanted//,/$'\n'}" | sed '/^$/d' | sort -u | paste -sd, -)
    if [ ! -f "$stamp" ] || [ "$(head -n1 "$stamp")" != "$hash" ] || [ "$extras" != "$have" ]; then
        log "installing PHG and its dependencies into $PHG_VENV"
        "$PHG_VENV/bin/python" -m pip install -q --upgrade pip
        if [ -n "$extras" ]; then
            "$PHG_VENV/bin/python" -m pip install -q -e "$PHG_ROOT[$extras]"
        else
            "$PHG_VENV/bin/python" -m pip install -q -e "$PHG_ROOT"
        fi
        printf '%s\n%s\n' "$hash" "$extras" >"$stamp"
    fi
}
