#!/usr/bin/env bash
# The PHG demo on a fresh Debian machine: installs what it needs, then shows PHG at work.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$PHG_ROOT"

ensure_debian_packages dbus-daemon:dbus
ensure_venv testbus                                   # BlueZoo for the simulated devices
bash "$PHG_ROOT/scripts/fhir-server.sh" install        # the local SEKMET FHIR server
case " $* " in                                         # Medplum only when asked for
*" --fhir-server medplum "* | *" --fhir-server=medplum "*)
    bash "$PHG_ROOT/scripts/medplum-server.sh" install ;;
esac
exec "$PHG_VENV/bin/phg" demo "$@"
