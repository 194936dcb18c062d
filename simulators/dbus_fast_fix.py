"""Runtime fix for dbus-fast dropping its bus connection on EAGAIN (simulator processes only).

dbus-fast 5.2.0's ``_MessageWriter.write_callback`` treats a ``BlockingIOError`` from
``sock.send``/``sock.sendmsg`` as fatal and finalizes the bus. A burst of notifications fills
the socket buffer and kills the simulator's connection (the same bug as python-dbus-next issue
#153). This replacement keeps the partially written buffer and its offset and waits for the
socket to become writable again; every other exception keeps the upstream behaviour.

Apply it only in simulator processes, never in the gateway: ``apply()`` is idempotent.
"""

import array
import socket
from typing import Any

from dbus_fast.aio import message_bus as _aio_bus

_PATCHED = "_phg_eagain_fix"


def _write_callback(self: Any, remove_writer: bool = True) -> None:
    sock = self.sock
    try:
        while True:
            if self.buf is None:
                if not self.messages:
                    if remove_writer:
                        self.loop.remove_writer(self.fd)
                    return
                buf, unix_fds, fut = self.messages.popleft()
                self.unix_fds = unix_fds
                self.buf = memoryview(buf)
                self.offset = 0
                self.fut = fut
            try:
                if self.unix_fds and self.negotiate_unix_fd:
                    ancdata = [
                        (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", self.unix_fds))
                    ]
                    self.offset += sock.sendmsg([self.buf[self.offset :]], ancdata)
                    self.unix_fds = None
                else:
                    self.offset += sock.send(self.buf[self.offset :])
            except BlockingIOError:
                # The socket buffer is full: keep buf/offset and retry when writable. Called by
                # the event loop (remove_writer=True), re-arm ourselves; called directly for the
                # first attempt, schedule_write arms the writer because a buffer is pending.
                if remove_writer:
                    self.loop.add_writer(self.fd, self.write_callback)
                return
            if self.offset < len(self.buf):
                return  # partial write: wait for writable
            self.buf = None
            _aio_bus._future_set_result(self.fut, None)
    except Exception as e:
        if self.bus._user_disconnect:
            _aio_bus._future_set_result(self.fut, None)
        else:
            _aio_bus._future_set_exception(self.fut, e)
        self.bus._finalize(e)


def apply() -> None:
    """Install the fix in this process (idempotent)."""
    writer = _aio_bus._MessageWriter
    if getattr(writer, _PATCHED, False):
        return
    writer.write_callback = _write_callback  # type: ignore[method-assign]
    setattr(writer, _PATCHED, True)
