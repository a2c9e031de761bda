"""Test support for the HSDS API: the official 3.0 schemas as a validator, and the official
examples loaded as directory rows.

The official files live beside the repository (``../shared/standards/hsds``, or
``CARECIRCLE_HSDS_DIR``; see ``importer.hsds_dir``). They are required: a missing file fails
the test, never skips it.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Model
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from carecircle.directory import models as m
from carecircle.directory.hsds.importer import hsds_dir

#: The base the official OpenAPI uses for its $refs.
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
#: Schemas the OpenAPI names but 3.0 does not ship compiled: their uncompiled originals are
#: the same objects with $refs.
COMPILED_ALIASES = {
    "compiled/service.json": "service.json",
    "compiled/organization.json": "organization.json",
}


def schema_dir() -> Path:
    return hsds_dir() / "3.0" / "schema"


def example(name: str) -> Any:
    return json.loads((hsds_dir() / "3.0" / "examples" / name).read_text())


@cache
def registry() -> Registry:
    resources: list[tuple[str, Resource]] = []
    root = schema_dir()
    for path in sorted(root.glob("*.json")) + sorted((root / "compiled").glob("*.json")):
        relative = path.relative_to(root).as_posix()
        contents = json.loads(path.read_text())
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        resources.append((SCHEMA_BASE + relative, resource))
    for alias, original in COMPILED_ALIASES.items():
        pointer = {"$ref": SCHEMA_BASE + original}
        resources.append((SCHEMA_BASE + alias, DRAFT202012.create_resource(pointer)))
    return Registry().with_resources(resources)


def validator(ref: str) -> Draft202012Validator:
    """A validator for ``ref``: a schema file name (``service.json``, ``compiled/...``) or an
    OpenAPI pointer (``openapi.json#/paths/...``)."""
    return Draft202012Validator(
        {"$ref": SCHEMA_BASE + ref}, registry=registry(), format_checker=FormatChecker()
    )


def assert_valid(instance: Any, ref: str) -> None:
    errors = sorted(validator(ref).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
        raise AssertionError(f"not valid against {ref}:\n" + "\n".join(lines[:20]))


def _pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_ref(path: str) -> str:
    """The OpenAPI 200 response schema of ``GET path`` (as in the official openapi.json)."""
    return (
        f"openapi.json#/paths/{_pointer(path)}/get/responses/200/content/"
        f"{_pointer('application/json')}/schema"
    )


# --- loading the official examples -------------------------------------------------------------

#: Nested HSDS key -> model.
CHILD_MODELS: dict[str, type[Model]] = {
    "phones": m.Phone,
    "languages": m.Language,
    "schedules": m.Schedule,
    "service_areas": m.ServiceArea,
    "service_at_locations": m.ServiceAtLocation,
    "funding": m.Funding,
    "cost_options": m.CostOption,
    "required_documents": m.RequiredDocument,
    "contacts": m.Contact,
    "attributes": m.Attribute,
    "metadata": m.Metadata,
    "locations": m.Location,
    "addresses": m.Address,
    "accessibility": m.Accessibility,
    "programs": m.Program,
    "organization_identifiers": m.OrganizationIdentifier,
    "services": m.Service,
}
#: Nested single objects: key -> (model, the parent's field that points at it).
PARENT_OF: dict[str, tuple[type[Model], str]] = {
    "organization": (m.Organization, "organization_id"),
    "program": (m.Program, "program_id"),
    "location": (m.Location, "location_id"),
    "service": (m.Service, "service_id"),
    "taxonomy_term": (m.TaxonomyTerm, "taxonomy_term_id"),
    "taxonomy_detail": (m.Taxonomy, "taxonomy_detail_id"),
}
ENTITY: dict[type[Model], str] = {
    m.Service: "service",
    m.Organization: "organization",
    m.Location: "location",
    m.ServiceAtLocation: "service_at_location",
    m.Contact: "contact",
    m.Phone: "phone",
}
ORDER: list[type[Model]] = [
    m.Taxonomy,
    m.TaxonomyTerm,
    m.Organization,
    m.Program,
    m.Service,
    m.Location,
    m.ServiceAtLocation,
    m.Address,
    m.Contact,
    m.Phone,
    m.Schedule,
    m.ServiceArea,
    m.Language,
    m.Accessibility,
    m.CostOption,
    m.Funding,
    m.RequiredDocument,
    m.OrganizationIdentifier,
    m.Attribute,
    m.Metadata,
]


class ExampleLoader:
    """Rows from nested HSDS JSON, merged by (model, id). A test-only stand-in for the
    importer: it trusts its input and checks nothing."""

    def __init__(self) -> None:
        self.rows: dict[type[Model], dict[str, dict[str, Any]]] = {model: {} for model in ORDER}

    def add(self, model: type[Model], obj: dict[str, Any], link: dict[str, Any]) -> str:
        obj_id = str(obj.get("id") or uuid.uuid4())
        fields = {f.attname: f for f in model._meta.concrete_fields}
        row = self.rows[model].setdefault(obj_id, {"id": obj_id})
        for key, value in obj.items():
            attname = (
                "taxonomy_detail_id" if (model is m.TaxonomyTerm and key == "taxonomy_id") else key
            )
            if attname in fields and not isinstance(value, (dict, list)) and value is not None:
                row[attname] = value
        for key, value in link.items():
            if key in fields:
                row.setdefault(key, value)
        for key, value in obj.items():
            if key in PARENT_OF and isinstance(value, dict):
                child_model, pointer = PARENT_OF[key]
                child_link: dict[str, Any] = {}
                if child_model is m.Program and "organization_id" in row:
                    child_link["organization_id"] = row["organization_id"]
                row[pointer] = self.add(child_model, value, child_link)
            elif key in CHILD_MODELS and isinstance(value, list):
                child_model = CHILD_MODELS[key]
                for child in value:
                    self.add(child_model, child, self._link(model, obj_id, child_model))
        return obj_id

    @staticmethod
    def _link(parent: type[Model], parent_id: str, child: type[Model]) -> dict[str, Any]:
        if child is m.Attribute:
            return {"link_id": parent_id, "link_entity": ENTITY.get(parent, "service")}
        if child is m.Metadata:
            return {"resource_id": parent_id, "resource_type": ENTITY.get(parent, "service")}
        return {f"{ENTITY.get(parent) or parent._meta.model_name}_id": parent_id}

    def save(self) -> None:
        self._stub_dangling_pointers()
        for model in ORDER:
            objs = [model(**row) for row in self.rows[model].values()]
            model._default_manager.bulk_create(objs)

    def _stub_dangling_pointers(self) -> None:
        """The examples point at a parent organization and a parent term they do not hold:
        stand-ins keep the pointers (and the examples' output) as they are."""
        for model in ORDER:
            for row in list(self.rows[model].values()):
                for field in model._meta.concrete_fields:
                    target = getattr(field, "related_model", None)
                    value = row.get(field.attname)
                    if target in self.rows and value is not None:
                        self.rows[target].setdefault(
                            str(value), {"id": str(value), "name": "(elsewhere)", "description": ""}
                        )


def load_examples(*names: str) -> None:
    """Load official examples (``service_full.json``...) into the database."""
    loader = ExampleLoader()
    top = {
        "service_full.json": m.Service,
        "organization_full.json": m.Organization,
        "service_at_location_full.json": m.ServiceAtLocation,
        "location.json": m.Location,
        "taxonomy.json": m.Taxonomy,
        "taxonomy_term.json": m.TaxonomyTerm,
    }
    for name in names:
        loader.add(top[name], example(name), {})
    loader.save()
