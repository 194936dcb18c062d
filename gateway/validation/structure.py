"""StructureDefinition snapshots as trees of element definitions (children and slices)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from gateway.validation import store

UNBOUNDED = -1
FHIRPATH_STRING = "http://hl7.org/fhirpath/System.String"


@dataclass(frozen=True, slots=True)
class TypeRef:
    code: str
    profiles: tuple[str, ...] = ()
    target_profiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Constraint:
    key: str
    severity: str
    human: str
    expression: str | None
    best_practice: bool


@dataclass(frozen=True, slots=True)
class Discriminator:
    type: str
    path: str


@dataclass(frozen=True, slots=True)
class Slicing:
    discriminators: tuple[Discriminator, ...]
    rules: str


@dataclass(eq=False, slots=True)
class ElementDef:
    """One snapshot element; ``children`` by name (``value[x]``), ``slices`` in order."""

    id: str
    path: str
    name: str
    min: int
    max: int
    is_array: bool
    types: tuple[TypeRef, ...]
    fixed: tuple[str, Any] | None
    pattern: tuple[str, Any] | None
    binding_strength: str | None
    binding_value_set: str | None
    constraints: tuple[Constraint, ...]
    slicing: Slicing | None
    slice_name: str | None
    content_reference: str | None
    children: dict[str, ElementDef] = field(default_factory=dict)
    slices: list[ElementDef] = field(default_factory=list)
    reference_target: ElementDef | None = None

    @property
    def is_choice(self) -> bool:
        return self.name.endswith("[x]")

    @property
    def label(self) -> str:
        """Name for messages: ``extension:GatewayDevice`` or ``code``."""
        return f"{self.name}:{self.slice_name}" if self.slice_name else self.name

    def type_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)


@dataclass(eq=False, slots=True)
class StructureTree:
    url: str
    type: str
    kind: str
    root: ElementDef
    by_id: dict[str, ElementDef]


def _max(value: str | None) -> int:
    if value is None or value == "*":
        return UNBOUNDED
    return int(value)


def _prefixed(element: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for key, value in element.items():
        if key.startswith(prefix):
            return key, value
    return None


def _element(raw: dict[str, Any]) -> ElementDef:
    element_id: str = raw["id"]
    last = element_id.rsplit(".", 1)[-1]
    name, _, slice_name = last.partition(":")
    binding = raw.get("binding") or {}
    slicing = raw.get("slicing")
    max_value = _max(raw.get("max"))
    base_max = (raw.get("base") or {}).get("max", raw.get("max"))
    return ElementDef(
        id=element_id,
        path=raw["path"],
        name=name,
        min=int(raw.get("min", 0)),
        max=max_value,
        is_array=base_max != "1" and base_max != "0",
        types=tuple(
            TypeRef(
                code=t["code"],
                profiles=tuple(t.get("profile", ())),
                target_profiles=tuple(t.get("targetProfile", ())),
            )
            for t in raw.get("type", ())
        ),
        fixed=_prefixed(raw, "fixed"),
        pattern=_prefixed(raw, "pattern"),
        binding_strength=binding.get("strength"),
        binding_value_set=binding.get("valueSet"),
        constraints=tuple(
            Constraint(
                key=c["key"],
                severity=c.get("severity", "error"),
                human=c.get("human", ""),
                expression=c.get("expression"),
                best_practice=bool(c.get("bestPractice")),
            )
            for c in raw.get("constraint", ())
        ),
        slicing=Slicing(
            discriminators=tuple(
                Discriminator(d["type"], d["path"]) for d in slicing.get("discriminator", ())
            ),
            rules=slicing.get("rules", "open"),
        )
        if slicing
        else None,
        slice_name=slice_name or None,
        content_reference=raw.get("contentReference"),
    )


def build_tree(definition: dict[str, Any]) -> StructureTree:
    """Link the snapshot's elements by id: ``a.b:s`` is a slice of ``a.b``, ``a.b:s/t`` of
    ``a.b:s`` (re-slicing), and ``a.b:s.c`` a child of that slice."""
    elements = definition["snapshot"]["element"]
    by_id: dict[str, ElementDef] = {}
    root: ElementDef | None = None
    for raw in elements:
        node = _element(raw)
        by_id[node.id] = node
        if "." not in node.id:
            root = node
            continue
        parent_id = node.id.rsplit(".", 1)[0]
        if node.slice_name is None:
            parent = by_id.get(parent_id)
            if parent is not None:
                parent.children[node.name] = node
            continue
        owner_slice = node.slice_name.rpartition("/")[0]
        owner_id = f"{parent_id}.{node.name}" + (f":{owner_slice}" if owner_slice else "")
        owner = by_id.get(owner_id)
        if owner is not None:
            owner.slices.append(node)
    for node in by_id.values():
        if node.content_reference:
            node.reference_target = by_id.get(node.content_reference.partition("#")[2])
    if root is None:
        raise ValueError(f"{definition.get('url')}: snapshot has no root element")
    _resource_id_is_an_id(definition, root)
    return StructureTree(
        url=definition["url"],
        type=definition["type"],
        kind=definition.get("kind", ""),
        root=root,
        by_id=by_id,
    )


def _resource_id_is_an_id(definition: dict[str, Any], root: ElementDef) -> None:
    r"""``Resource.id`` is of FHIR type ``id`` (``[A-Za-z0-9\-.]{1,64}``), though snapshots give
    it the FHIRPath ``System.String`` of every element id (their ``structuredefinition-fhir-type``
    extension, which tells them apart, is not kept in the definitions shipped here)."""
    node = root.children.get("id")
    if (
        definition.get("kind") == "resource"
        and node is not None
        and node.type_codes() == (FHIRPATH_STRING,)
    ):
        node.types = (TypeRef("id"),)


@functools.cache
def tree(url: str) -> StructureTree | None:
    """The element tree of the StructureDefinition ``url`` (version ignored), or None."""
    definition = store.load(url)
    if definition is None or definition.get("resourceType") != "StructureDefinition":
        return None
    return build_tree(definition)


def type_tree(type_code: str) -> StructureTree | None:
    return tree(store.type_url(type_code))
