from __future__ import annotations

from hypothesis import strategies as st

from profiles.battery import BatteryLevel

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "battery-level": st.builds(BatteryLevel, st.integers(0, 100)),
}
