"""What the commands that inspect stored rows (``phg outbox``, ``phg heldback``) print alike."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Final, TypeVar

EXIT_NOTHING: Final = 1
"""Exit status of an action that found nothing to show or do."""

_Found = TypeVar("_Found")


def one_line(text: str | None) -> str:
    """``text`` on one line of at most 80 characters (an ellipsis ends a longer one)."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


def show(found: _Found | None, describe: Callable[[_Found], str], missing: str) -> int:
    """``show ID``: print what was found, described; else say ``missing`` (exit 1)."""
    if found is None:
        print(missing, file=sys.stderr)
        return EXIT_NOTHING
    print(describe(found))
    return 0
