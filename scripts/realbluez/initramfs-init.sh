#!/bin/busybox sh
# PID 1 of the real-BlueZ VM's initramfs (scripts/real-bluez.sh): mount the host's root file
# system (9p, read-only) under a writable tmpfs overlay, then run the guest script in it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/modules/$m" 2>/dev/null; done
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || {
    echo "phg-vm: cannot mount the host root over 9p"; poweroff -f; }
mount -t tmpfs -o size=1G tmpfs /upper
mkdir -p /upper/u /upper/w
if ! mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot; then
    echo "phg-vm: overlay failed"; poweroff -f
fi
mkdir -p /newroot/phg-results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /newroot/phg-results || {
    echo "phg-vm: cannot mount the results share"; poweroff -f; }
for d in proc sys dev; do mount --move /$d /newroot/$d; done
cmd=$(sed -n 's/.*phg\.guest=\([^ ]*\).*/\1/p' /newroot/proc/cmdline)
exec switch_root /newroot /bin/sh -c "/bin/sh $cmd; echo o > /proc/sysrq-trigger; while :; do :; done"
