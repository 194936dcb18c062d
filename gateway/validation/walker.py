"""Walking a JSON resource along a StructureDefinition's element tree, collecting issues."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from gateway.validation import (
    invariants,
    patterns,
    primitives,
    references,
    slicing,
    structure,
    terminology,
)
from gateway.validation.issues import Issue, Severity
from gateway.validation.slicing import Item
from gateway.validation.structure import UNBOUNDED, Constraint, ElementDef, TypeRef

NestedResource = Callable[[dict[str, Any], str], None]
ProfileCheck = Callable[[Any, str], bool]
_KeyMap = dict[str, tuple[ElementDef, str]]
_KEY_MAPS: dict[int, tuple[dict[str, ElementDef], _KeyMap]] = {}
_NON_TYPES = frozenset({"BackboneElement", "Element"})


def _capitalized(code: str) -> str:
    return code[:1].upper() + code[1:]


def _node_type(node: ElementDef) -> str:
    if node.types:
        return node.types[0].code
    target = node.reference_target
    return target.types[0].code if target is not None and target.types else "BackboneElement"


def _key_map(children: dict[str, ElementDef]) -> _KeyMap:
    """JSON property name -> (element, type); ``valueQuantity`` -> (value[x], Quantity)."""
    cached = _KEY_MAPS.get(id(children))
    if cached is not None:
        return cached[1]
    keys: _KeyMap = {}
    for name, child in children.items():
        if child.is_choice:
            for ref in child.types:
                keys[name[:-3] + _capitalized(ref.code)] = (child, ref.code)
        else:
            keys[name] = (child, _node_type(child))
    _KEY_MAPS[id(children)] = (children, keys)
    return keys


@functools.cache
def _type_constraints(type_code: str) -> tuple[Constraint, ...]:
    tree = structure.type_tree(type_code)
    return tree.root.constraints if tree is not None else ()


def _is_resource_type(type_code: str) -> bool:
    if type_code == "Resource":
        return True
    tree = structure.type_tree(type_code) if type_code[:1].isupper() else None
    return tree is not None and tree.kind == "resource"


class Walker:
    """Validates one resource against one profile; issues go to ``issues``."""

    def __init__(
        self,
        profile: str,
        resource: dict[str, Any],
        issues: list[Issue],
        local_targets: Mapping[str, str],
        nested: NestedResource,
        conforms: ProfileCheck,
    ) -> None:
        self.profile = profile
        self.resource = resource
        self.issues = issues
        self.local_targets = local_targets
        self.nested = nested
        self.conforms = conforms

    def _issue(self, severity: Severity, path: str, message: str) -> None:
        self.issues.append(Issue(severity, path, message, self.profile))

    def walk(self, tree: structure.StructureTree, path: str) -> None:
        self._constraints(tree.root.constraints, self.resource, tree.type, path)
        self._children(tree.root.children, self.resource, path, is_resource=True)

    # -- objects and their properties -------------------------------------------------
    def _children(
        self,
        children: dict[str, ElementDef],
        obj: dict[str, Any],
        path: str,
        *,
        is_resource: bool = False,
    ) -> None:
        keys = _key_map(children)
        grouped: dict[str, list[Item]] = {}
        for key in obj:
            if key == "resourceType" and is_resource:
                continue
            name = key[1:] if key.startswith("_") else key
            if key.startswith("_") and name in obj:
                continue  # handled together with its value
            entry = keys.get(name)
            if entry is None:
                self._unknown(children, path, key)
                continue
            child, type_code = entry
            extra = obj.get("_" + name)
            base = obj.get(name)
            grouped.setdefault(child.name, []).extend(
                self._items(child, name, base, extra, type_code, path)
            )
        for child in children.values():
            self._element(child, grouped.get(child.name, []), f"{path}.{child.name}")

    def _unknown(self, children: dict[str, ElementDef], path: str, key: str) -> None:
        for child in children.values():
            prefix = child.name[:-3]
            if child.is_choice and key.startswith(prefix) and key[len(prefix) :][:1].isupper():
                allowed = ", ".join(child.type_codes())
                self._issue(
                    "error",
                    f"{path}.{key}",
                    f"type {key[len(prefix) :]} is not allowed for {child.name}"
                    f" (allowed: {allowed})",
                )
                return
        self._issue("error", f"{path}.{key}", f"unknown element '{key}'")

    def _items(
        self, child: ElementDef, key: str, value: Any, extra: Any, type_code: str, path: str
    ) -> list[Item]:
        if child.is_array:
            if value is not None and not isinstance(value, list):
                self._issue("error", f"{path}.{key}", f"{key} must be a JSON array")
                value = [value]
            values = value if value is not None else []
            extras = extra if isinstance(extra, list) else []
            count = max(len(values), len(extras))
            return [
                Item(
                    values[i] if i < len(values) else None,
                    extras[i] if i < len(extras) else None,
                    type_code,
                    f"{path}.{key}[{i}]",
                )
                for i in range(count)
            ]
        if isinstance(value, list):
            self._issue("error", f"{path}.{key}", f"{key} must not be an array (max 1)")
            return [Item(v, None, type_code, f"{path}.{key}[{i}]") for i, v in enumerate(value)]
        return [Item(value, extra, type_code, f"{path}.{key}")]

    # -- elements: cardinality and slicing ------------------------------------------------
    def _element(self, node: ElementDef, items: list[Item], path: str) -> None:
        count = len(items)
        if count < node.min:
            self._issue(
                "error", path, f"{node.label}: minimum required = {node.min}, found {count}"
            )
        if node.max != UNBOUNDED and count > node.max:
            self._issue("error", path, f"{node.label}: maximum allowed = {node.max}, found {count}")
        if node.slicing is None or not node.slices:
            for item in items:
                self._one(node, item)
            return
        groups, unmatched = slicing.assign(node, items, self._item_conforms)
        for slice_node, group in zip(node.slices, groups, strict=True):
            self._element(slice_node, group, path)
        for item in unmatched:
            if node.slicing.rules == "closed":
                self._issue(
                    "error",
                    item.path,
                    f"does not match any slice of {node.label} (closed slicing)",
                )
            else:
                self._one(node, item)

    def _item_conforms(self, item: Item, profile: str) -> bool:
        return self.conforms(item.value, profile)

    # -- one value --------------------------------------------------------------------
    def _one(self, node: ElementDef, item: Item) -> None:
        target = node.reference_target
        definition = target if target is not None and not node.types else node
        allowed = definition.type_codes()
        if allowed and item.type not in allowed:
            self._issue(
                "error",
                item.path,
                f"type {item.type} is not allowed for {node.label} (allowed: {', '.join(allowed)})",
            )
            return
        ref = next((t for t in definition.types if t.code == item.type), None)
        if primitives.is_primitive(item.type):
            self._primitive(node, item)
        elif not isinstance(item.value, dict):
            self._issue("error", item.path, f"{node.label} must be a JSON object")
        elif _is_resource_type(item.type):
            self.nested(item.value, item.path)
        else:
            self._complex(node, definition, ref, item)

    def _primitive(self, node: ElementDef, item: Item) -> None:
        value = item.value
        if value is None:
            if item.extra is None:
                self._issue("error", item.path, "primitive value has no value and no extension")
        else:
            problem = primitives.check(item.type, value)
            if problem is not None:
                self._issue("error", item.path, problem)
                return
            self._fixed_pattern(node, item)
            self._binding(node, item)
        if isinstance(item.extra, dict):
            tree = structure.type_tree(item.type)
            if tree is not None:
                self._children(tree.root.children, item.extra, item.path)

    def _complex(
        self, node: ElementDef, definition: ElementDef, ref: TypeRef | None, item: Item
    ) -> None:
        value: dict[str, Any] = item.value
        if not any(key != "id" for key in value):
            self._issue("error", item.path, "element has no value and no children (ele-1)")
            return
        self._fixed_pattern(node, item)
        self._binding(node, item)
        if item.type == "Reference" and ref is not None and ref.target_profiles:
            problem = references.problem(ref.target_profiles, value, self.local_targets)
            if problem is not None:
                self._issue("error", item.path, problem)
        if item.type == "Extension":
            self._extension_shape(item)
        type_path = definition.path if item.type in _NON_TYPES else item.type
        constraints = node.constraints + tuple(
            c for c in _type_constraints(item.type) if c not in node.constraints
        )
        self._constraints(constraints, value, type_path, item.path)
        profiles = list(ref.profiles) if ref is not None else []
        if item.type == "Extension" and not profiles and isinstance(value.get("url"), str):
            profiles = [value["url"]]
        trees = [t for t in map(structure.tree, profiles) if t is not None]
        if definition.children:
            self._children(definition.children, value, item.path)
        elif not trees:
            tree = structure.type_tree(item.type)
            if tree is not None:
                self._children(tree.root.children, value, item.path)
        for tree in trees:
            self._constraints(tree.root.constraints, value, type_path, item.path)
            self._children(tree.root.children, value, item.path)

    def _extension_shape(self, item: Item) -> None:
        has_value = any(key.startswith("value") for key in item.value)
        if has_value == ("extension" in item.value):
            self._issue(
                "error",
                item.path,
                "an extension must have either extensions or a value[x], not both (ext-1)",
            )

    # -- value rules ------------------------------------------------------------------
    def _fixed_pattern(self, node: ElementDef, item: Item) -> None:
        if node.fixed is not None and not patterns.equals(item.value, node.fixed[1]):
            self._issue(
                "error",
                item.path,
                f"value must be exactly {json.dumps(node.fixed[1])} ({node.fixed[0]})",
            )
        if node.pattern is not None and not patterns.contains(item.value, node.pattern[1]):
            self._issue(
                "error",
                item.path,
                f"value must match {json.dumps(node.pattern[1])} ({node.pattern[0]})",
            )

    def _binding(self, node: ElementDef, item: Item) -> None:
        strength, value_set = node.binding_strength, node.binding_value_set
        if strength not in ("required", "extensible") or value_set is None:
            return
        value = item.value
        if item.type == "code" and isinstance(value, str):
            answer = terminology.member(value_set, None, value)
            shown = value
        elif item.type == "Coding":
            answer = terminology.coding_member(value_set, value)
            shown = f"{value.get('system')}#{value.get('code')}"
        elif item.type == "CodeableConcept":
            answer = terminology.concept_member(value_set, value)
            shown = ", ".join(
                f"{c.get('system')}#{c.get('code')}"
                for c in value.get("coding", [])
                if isinstance(c, dict)
            )
        else:
            return
        if answer is False:
            severity: Severity = "error" if strength == "required" else "warning"
            self._issue(
                severity,
                item.path,
                f"{shown} is not in the {strength} value set {value_set}",
            )

    def _constraints(
        self, constraints: tuple[Constraint, ...], focus: Any, type_path: str, path: str
    ) -> None:
        for constraint in constraints:
            if not invariants.applies(constraint) or constraint.expression is None:
                continue
            if invariants.trivially_holds(constraint, focus):
                continue
            if invariants.holds(constraint.expression, focus, type_path, self.resource) is False:
                severity: Severity = "warning" if constraint.severity == "warning" else "error"
                self._issue(severity, path, f"{constraint.key}: {constraint.human}")
