"""Element invariants (``constraint.expression``) evaluated with fhirpathpy."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models

from gateway.validation.structure import Constraint

# ele-1 and ext-1 are checked natively by the walker (they are on nearly every element);
# txt-1/txt-2 need htmlChecks(), which fhirpathpy does not implement.
NATIVE_OR_UNSUPPORTED: Final = frozenset({"ele-1", "ext-1", "txt-1", "txt-2"})


def _has_value(inputs: list[Any]) -> list[bool]:
    return [len(inputs) == 1 and not isinstance(inputs[0], dict | list) and inputs[0] is not None]


def _quiet_trace(_label: str, _value: Any) -> None:
    """trace() in invariants (dom-3, ref-1) would otherwise print to stdout."""


_OPTIONS: Final = {
    "userInvocationTable": {"hasValue": {"fn": _has_value, "arity": {0: []}}},
    "traceFn": _quiet_trace,
}

_Compiled = Callable[[Any, dict[str, Any]], list[Any]]
# Typed handle on fhirpathpy's (unannotated) node factory: a focus with its FHIR type path.
_node: Callable[[Any, str], Any] = ResourceNode.create_node


@functools.cache
def _compiled(expression: str) -> _Compiled | None:
    try:
        compiled: _Compiled = fhirpathpy.compile(expression, models["r4"], _OPTIONS)
    except Exception:  # an expression fhirpathpy cannot parse is skipped, not failed
        return None
    return compiled


def applies(constraint: Constraint) -> bool:
    return (
        constraint.expression is not None
        and not constraint.best_practice
        and constraint.key not in NATIVE_OR_UNSUPPORTED
    )


# Invariants that evaluate to true, without FHIRPath, for most foci (a Bundle of 600 readings
# spends most of its validation time in these): key -> (expression prefix, trivially true?).
_SHORTCUTS: Final[dict[str, tuple[str, Callable[[Any], bool]]]] = {
    **{
        key: ("contained.", lambda focus: isinstance(focus, dict) and "contained" not in focus)
        for key in ("dom-2", "dom-3", "dom-4", "dom-5")
    },
    "ref-1": (
        "reference.startsWith('#').not() or",
        lambda focus: (
            not (
                isinstance(focus, dict)
                and isinstance(focus.get("reference"), str)
                and focus["reference"].startswith("#")
            )
        ),
    ),
}


def trivially_holds(constraint: Constraint, focus: Any) -> bool:
    """True when ``constraint`` is known to hold on ``focus`` without evaluating it: the
    domain resource invariants on a resource without ``contained``, ref-1 on a reference that
    is not local (``#...``)."""
    shortcut = _SHORTCUTS.get(constraint.key)
    return (
        shortcut is not None
        and (constraint.expression or "").startswith(shortcut[0])
        and shortcut[1](focus)
    )


def holds(expression: str, focus: Any, type_path: str, resource: Any) -> bool | None:
    """Evaluate ``expression`` on ``focus`` (of FHIR type/path ``type_path``); None when
    fhirpathpy cannot evaluate it. An empty result counts as satisfied."""
    compiled = _compiled(expression)
    if compiled is None:
        return None
    node = _node(focus, type_path)
    try:
        result = compiled(node, {"resource": resource, "rootResource": resource})
    except Exception:  # unsupported function or type in fhirpathpy: cannot tell
        return None
    return not (len(result) == 1 and result[0] is False)
