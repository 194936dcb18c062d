"""The result of a validation: a list of issues, each with a severity, a path and a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "information"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding. ``path`` is FHIRPath-like, e.g. ``Observation.component[0].code``."""

    severity: Severity
    path: str
    message: str
    profile: str | None = None

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.path}: {self.message}"


def has_errors(issues: list[Issue]) -> bool:
    return any(issue.severity == "error" for issue in issues)
