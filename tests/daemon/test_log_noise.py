"""Third-party warnings with nothing to act on stay out of the daemon's (and the demo's) log;
everything else from the same libraries still shows."""

from __future__ import annotations

import io
import logging

from gateway.daemon import logs


def test_bleaks_bluez_version_warning_is_dropped_and_others_kept() -> None:
    out = io.StringIO()
    logs.setup("console", "warning", out)
    try:
        logging.getLogger("bleak.backends.bluezdbus.version").warning(
            "Could not determine BlueZ version, bluetoothctl not available, assuming 5.55+"
        )
        logging.getLogger("bleak").warning("adapter hci0 is powered off")
    finally:
        logging.getLogger().handlers.clear()
    assert "BlueZ version" not in out.getvalue()
    assert "adapter hci0 is powered off" in out.getvalue()
