"""``validate_resource``: a resource (or Bundle) against its profiles and base FHIR R4."""

from __future__ import annotations

from typing import Any

from gateway.validation import store, structure
from gateway.validation.issues import Issue, has_errors
from gateway.validation.walker import Walker


def _local_targets(resource: dict[str, Any]) -> dict[str, str]:
    """fullUrl (Bundle entries) and ``#id`` (contained) -> resource type."""
    targets: dict[str, str] = {}
    pending = [resource]
    while pending:
        current = pending.pop()
        for contained in current.get("contained", []) or []:
            if isinstance(contained, dict) and isinstance(contained.get("id"), str):
                targets["#" + contained["id"]] = str(contained.get("resourceType"))
        for entry in (
            current.get("entry", []) or [] if current.get("resourceType") == "Bundle" else []
        ):
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                continue
            inner = entry["resource"]
            if isinstance(entry.get("fullUrl"), str):
                targets[entry["fullUrl"]] = str(inner.get("resourceType"))
            pending.append(inner)
    return targets


class _Run:
    def __init__(self, root: dict[str, Any]) -> None:
        self.issues: list[Issue] = []
        self.local_targets = _local_targets(root) if isinstance(root, dict) else {}

    def validate(self, resource: Any, profiles: list[str] | None, path: str | None) -> None:
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            self.issues.append(Issue("error", path or "$", "not a FHIR resource (no resourceType)"))
            return
        resource_type: str = resource["resourceType"]
        path = path or resource_type
        if profiles is None:
            meta = resource.get("meta")
            declared = meta.get("profile") if isinstance(meta, dict) else None
            profiles = [p for p in declared or [] if isinstance(p, str)]
        urls = list(dict.fromkeys([*profiles, store.type_url(resource_type)]))
        for url in urls:
            tree = structure.tree(url)
            if tree is None:
                known_type = url == store.type_url(resource_type)
                message = (
                    f"unknown resource type {resource_type}"
                    if known_type
                    else f"unknown profile {url}"
                )
                self.issues.append(Issue("error", path, message, url))
                continue
            if tree.type != resource_type:
                self.issues.append(
                    Issue("error", path, f"profile is for {tree.type}, not {resource_type}", url)
                )
                continue
            walker = Walker(
                url, resource, self.issues, self.local_targets, self._nested, self._conforms
            )
            walker.walk(tree, path)

    def _nested(self, resource: dict[str, Any], path: str) -> None:
        self.validate(resource, None, path)

    def _conforms(self, value: Any, profile: str) -> bool:
        tree = structure.tree(profile)
        if tree is None or not isinstance(value, dict):
            return False
        probe = _Run({})
        probe.local_targets = self.local_targets
        walker = Walker(
            profile, value, probe.issues, probe.local_targets, probe._nested, probe._conforms
        )
        walker.walk(tree, tree.type)
        return not has_errors(probe.issues)


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str, str]] = set()
    unique: list[Issue] = []
    for issue in issues:
        key = (issue.severity, issue.path, issue.message)
        if key not in seen:
            seen.add(key)
            unique.append(issue)
    return unique


def validate_resource(resource: dict[str, Any], profiles: list[str] | None = None) -> list[Issue]:
    """Validate ``resource`` against ``profiles`` (default: its ``meta.profile``) and the base
    R4 definition of its type. Resources inside it (Bundle entries, contained) are validated
    against their own ``meta.profile`` and base type, with paths such as
    ``Bundle.entry[2].resource.code``."""
    run = _Run(resource)
    run.validate(resource, profiles, None)
    return _unique(run.issues)
