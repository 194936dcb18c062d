#!/usr/bin/env bash
# Inside the real-BlueZ VM (started by scripts/real-bluez.sh): the system D-Bus, btvirt's three
# linked LE controllers (hci0 and hci2 for the gateway, hci1 for the simulated devices) and
# bluetoothd,
# then pytest on tests/realbluez/. Writes pytest.log and rc to /phg-results for the host.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PHG_REAL_BLUEZ=1
out=/phg-results
mark() { echo "phg-vm: $* (+$(cut -d' ' -f1 /proc/uptime)s)"; }
save_logs() {
    cp /tmp/bluetoothd.log /tmp/btvirt.log /tmp/btmgmt-info.log /tmp/hci.btsnoop "$out/" 2>/dev/null
    dmesg >"$out/dmesg.log" 2>/dev/null
}
fail() { mark "$*"; save_logs; echo 1 >"$out/rc"; exit 1; }
mark "guest started"
mount -t tmpfs tmpfs /run
# A tmpfs /tmp for the guest's own files, unless the checkout is below the host's /tmp (a
# clone in a mktemp directory, as CI makes): then /tmp stays the writable overlay of the
# host's /tmp, which shows the checkout and its venv.
case "$PHG_ROOT/" in
    /tmp/*) rm -f /tmp/bluetoothd.log /tmp/btvirt.log /tmp/hci.btsnoop ;;
    *) mount -t tmpfs tmpfs /tmp ;;
esac
mkdir -p /run/dbus /var/lib/bluetooth
hostname phg-vm
modprobe bluetooth || fail "modprobe bluetooth"
modprobe hci_vhci || fail "modprobe hci_vhci"
[ -e /var/lib/dbus/machine-id ] || dbus-uuidgen --ensure=/etc/machine-id
dbus-daemon --system --fork --nopidfile || fail "dbus-daemon"
export PHG_BLUETOOTHD_LOG=/tmp/bluetoothd.log
# One ATT bearer per link, no EATT (BlueZ's "Channels = 1"): the health devices PHG meets are
# Bluetooth 4.x and 5.x peripherals without EATT, and with EATT on, the guest kernel (Debian 6.1)
# oopsed in hci_chan_del when bluetoothd closed its L2CAP sockets (docs/real-bluez.md, finding
# 17). The file is the guest's own (the overlay's upper layer); the host's is not touched.
conf=/etc/bluetooth/main.conf
if grep -q '^\[GATT\]' "$conf" 2>/dev/null; then
    sed -i 's/^\[GATT\]$/[GATT]\nChannels = 1/' "$conf"
else
    mkdir -p /etc/bluetooth && printf '\n[GATT]\nChannels = 1\n' >>"$conf"
fi
objects() {
    dbus-send --system --print-reply --dest=org.bluez / \
        org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>/dev/null
}
adapters() { objects | grep -cE 'object path "/org/bluez/hci[012]"'; }
# wait_for SECONDS COMMAND...: poll COMMAND (every 0.5 s) until it succeeds or time is up.
wait_for() {
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.5
    done
}
all_controllers() { [ -e /sys/class/bluetooth/hci0 ] && [ -e /sys/class/bluetooth/hci2 ]; }
all_adapters() { [ "$(adapters)" = 3 ]; }
hci_timeouts() { dmesg | grep -c 'Opcode 0x0c03 failed'; }
ready_or_failed() { all_adapters || [ "$(hci_timeouts)" -gt "$timeouts_before" ]; }
# Under software emulation on a loaded host the kernel's 2 s HCI command timeout can expire
# while btvirt answers the first HCI Reset ("hci0: Opcode 0x0c03 failed: -110"): that
# controller never becomes usable. Then start btvirt and bluetoothd again (3 attempts).
# Every controller's HCI traffic (read it with `btmon -r hci.btsnoop`): what the kernel asked of
# btvirt and what it answered, below bluetoothd's log.
btmon -w /tmp/hci.btsnoop >/dev/null 2>&1 &
for attempt in 1 2 3 4; do
    timeouts_before=$(hci_timeouts)
    btvirt -L -l3 >>/tmp/btvirt.log 2>&1 &
    btvirt_pid=$!
    wait_for 20 all_controllers || fail "btvirt gave no three controllers"
    /usr/libexec/bluetooth/bluetoothd -n -d >>"$PHG_BLUETOOTHD_LOG" 2>&1 &
    bluetoothd_pid=$!
    wait_for 30 ready_or_failed
    all_adapters && break
    mark "attempt $attempt: bluetoothd has $(adapters) of 3 adapters; restarting btvirt and it"
    kill "$bluetoothd_pid" "$btvirt_pid"
    wait "$bluetoothd_pid" "$btvirt_pid"
    wait_for 10 eval '! [ -e /sys/class/bluetooth/hci0 ]'
done
all_adapters || fail "bluetoothd lacks an adapter"
mark "bluetoothd up with hci0, hci1 and hci2"
cd "$PHG_ROOT"
# Test paths given: those; else (only options, or nothing) the whole real-BlueZ suite.
case " $* " in *" tests/"*) ;; *) set -- tests/realbluez "$@" ;; esac
PYTHONPATH=$PHG_ROOT timeout $(( ${PHG_PYTEST_TIMEOUT:-1080} )) "$PHG_VENV/bin/python" -m pytest -p no:cacheprovider \
    -v -rA "$@" 2>&1 | tee "$out/pytest.log"
rc=${PIPESTATUS[0]}
mark "pytest exited $rc"
save_logs
echo "$rc" >"$out/rc"
sync
