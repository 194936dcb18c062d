"""Hypothesis strategies for every registered characteristic, one module per profile.

Each module ``tests/strategies/<profile>.py`` defines ``STRATEGIES``: a dict from registry name
to a strategy generating valid measurement objects. ``ALL_STRATEGIES`` merges them.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from hypothesis import strategies as st


def _collect() -> dict[str, st.SearchStrategy[Any]]:
    merged: dict[str, st.SearchStrategy[Any]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, strategy in getattr(module, "STRATEGIES", {}).items():
            if name in merged:
                raise RuntimeError(f"two strategy modules define {name}")
            merged[name] = strategy
    return merged


ALL_STRATEGIES = _collect()
