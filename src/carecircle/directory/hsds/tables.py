"""The HSDS tables CareCircle reads and writes, and the rules their values follow.

Each HSDS table is a model whose columns carry the HSDS field names (see ``models``). The
official HSDS 3.0 datapackage (beside the repository, in ``shared/standards/hsds``) says each
table's fields, types and required columns; HSDS 3.1's ``unit`` and ``service_capacity`` are
described from their 3.1 JSON schemas. The official JSON schemas validate JSON objects.
"""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from carecircle.directory import models as m

# --- where the official files are ---------------------------------------------------------------


def hsds_dir() -> Path:
    """The official HSDS files: ``../shared/standards/hsds`` beside the repository, or
    ``CARECIRCLE_HSDS_DIR``."""
    return _hsds_dir(os.environ.get("CARECIRCLE_HSDS_DIR"), str(settings.PROJECT_DIR))


@cache
def _hsds_dir(configured: str | None, project_dir: str) -> Path:
    path = (
        Path(configured)
        if configured
        else Path(project_dir).parent / "shared" / "standards" / "hsds"
    )
    if not (path / "3.0" / "datapackage.json").is_file():
        raise ImproperlyConfigured(
            f"The official HSDS files are missing: expected {path}/3.0/datapackage.json (put the "
            "shared standards folder beside the repository or set CARECIRCLE_HSDS_DIR)"
        )
    return path


# --- the tables ---------------------------------------------------------------------------------

#: HSDS table -> model. The 3.0 tables, plus 3.1's unit and service_capacity.
MODELS: dict[str, type[models.Model]] = {
    "organization": m.Organization,
    "program": m.Program,
    "service": m.Service,
    "attribute": m.Attribute,
    "service_at_location": m.ServiceAtLocation,
    "location": m.Location,
    "phone": m.Phone,
    "contact": m.Contact,
    "address": m.Address,
    "schedule": m.Schedule,
    "funding": m.Funding,
    "service_area": m.ServiceArea,
    "required_document": m.RequiredDocument,
    "language": m.Language,
    "accessibility": m.Accessibility,
    "taxonomy_term": m.TaxonomyTerm,
    "metadata": m.Metadata,
    "meta_table_description": m.MetaTableDescription,
    "cost_option": m.CostOption,
    "organization_identifier": m.OrganizationIdentifier,
    "taxonomy": m.Taxonomy,
    "unit": m.Unit,
    "service_capacity": m.ServiceCapacity,
}
#: Tables that 3.0's datapackage does not describe: their CSV form comes from 3.1's schemas.
HSDS_31_PATHS = {"unit": "units.csv", "service_capacity": "service_capacity.csv"}
#: The order rows are written in: what is referred to before what refers to it.
WRITE_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "program",
    "service",
    "location",
    "service_at_location",
    "contact",
    "phone",
    "address",
    "schedule",
    "service_area",
    "language",
    "accessibility",
    "cost_option",
    "funding",
    "required_document",
    "organization_identifier",
    "unit",
    "service_capacity",
    "attribute",
    "metadata",
    "meta_table_description",
)
#: What a top-level JSON object can be.
TOP_LEVEL = (
    "service_at_location",
    "taxonomy_term",
    "taxonomy",
    "organization",
    "service",
    "location",
)


@dataclass(frozen=True)
class FieldSpec:
    """One HSDS field of a table and how it is stored."""

    name: str  # the HSDS name, also the database column
    attname: str  # the model attribute
    kind: str  # "uuid", "string", "number", "date", "time" or "datetime"
    required: bool  # required in the tabular form
    enum: tuple[str, ...] = ()
    target: str | None = None  # the table a reference points at
    strict: bool = False  # a reference that must resolve
    as_datetime: bool = False  # stored in a DateTimeField


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str  # the CSV file name in a datapackage
    model: type[models.Model]
    fields: dict[str, FieldSpec]  # in the datapackage's order
    resource: dict[str, Any]  # the datapackage resource that describes it
    required_on_create: tuple[str, ...]  # fields a new row cannot do without
    nested_links: tuple[str, ...]  # "attributes" and/or "metadata", as its JSON schema allows


def kind_of(desc: Mapping[str, Any]) -> str:
    """The kind of value a datapackage field declares."""
    kind = desc.get("type", "string")
    fmt = desc.get("format")
    if kind == "string" and fmt == "uuid":
        return "uuid"
    if kind == "string" and fmt == "date-time":
        return "datetime"
    if kind in ("number", "integer"):
        return "number"
    if kind in ("date", "time", "datetime"):
        return str(kind)
    return "string"


def _resource_from_schema(schema: Mapping[str, Any], name: str, path: str) -> dict[str, Any]:
    """A datapackage resource for a 3.1 table, from its JSON schema (3.1-dev's own
    datapackage describes these tables only in part)."""
    required = set(schema.get("required", ())) | {"id"}
    fields: list[dict[str, Any]] = []
    foreign_keys: list[dict[str, Any]] = []
    for prop_name, prop in schema["properties"].items():
        if "$ref" in prop or prop.get("type") in ("array", "object"):
            if "$ref" in prop and f"{prop_name}_id" in schema["properties"]:
                required.add(f"{prop_name}_id")  # "unit" is required: so is unit_id in a table
            continue
        desc: dict[str, Any] = {
            "name": prop_name,
            "type": "datetime" if prop.get("format") == "date-time" else prop.get("type"),
            "title": prop.get("title", prop_name),
            "description": prop.get("description", ""),
        }
        if prop.get("format") and prop.get("format") != "date-time":
            desc["format"] = prop["format"]
        desc["constraints"] = {"unique": prop_name == "id"}
        fields.append(desc)
        if prop_name.endswith("_id") and prop_name[:-3] in MODELS:
            foreign_keys.append(
                {"fields": prop_name, "reference": {"resource": prop_name[:-3], "fields": "id"}}
            )
    if name == "service_capacity":
        required.add("service_id")  # implied by nesting in JSON, a column in a table
    for desc in fields:
        desc["constraints"]["required"] = desc["name"] in required
    resource: dict[str, Any] = {
        "name": name,
        "path": path,
        "description": schema.get("description", ""),
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": {"primaryKey": "id", "fields": fields},
    }
    if foreign_keys:
        resource["schema"]["foreignKeys"] = foreign_keys
    return resource


@cache
def _load_tables(root: str) -> dict[str, TableSpec]:
    base = Path(root)
    package = json.loads((base / "3.0" / "datapackage.json").read_text(encoding="utf-8"))
    resources: dict[str, dict[str, Any]] = {r["name"]: r for r in package["resources"]}
    schemas = _json_schemas(root)
    for name, path in HSDS_31_PATHS.items():
        resources[name] = _resource_from_schema(schemas[name], name, path)
    table_of = {model: table for table, model in MODELS.items()}
    out: dict[str, TableSpec] = {}
    for name, model in MODELS.items():
        resource = resources[name]
        columns = {f.column: f for f in model._meta.concrete_fields}
        specs: dict[str, FieldSpec] = {}
        for desc in resource["schema"]["fields"]:
            column = columns.get(desc["name"])
            if column is None:
                raise ImproperlyConfigured(
                    f"directory.{model.__name__} has no column for HSDS {name}.{desc['name']}"
                )
            constraints = desc.get("constraints") or {}
            related = column.related_model if column.is_relation else None
            specs[desc["name"]] = FieldSpec(
                name=desc["name"],
                attname=column.attname,
                kind=kind_of(desc),
                required=bool(constraints.get("required")),
                enum=tuple(constraints.get("enum") or ()),
                target=table_of.get(related) if isinstance(related, type) else None,
                strict=bool(getattr(column, "db_constraint", False)) if related else False,
                as_datetime=isinstance(column, models.DateTimeField),
            )
        required = tuple(
            f.column
            for f in model._meta.concrete_fields
            if f.column in specs and not f.primary_key and not f.null and not f.has_default()
        )
        properties = schemas[name].get("properties", {})
        links = tuple(key for key in ("attributes", "metadata") if key in properties)
        out[name] = TableSpec(
            name=name,
            path=resource["path"],
            model=model,
            fields=specs,
            resource=resource,
            required_on_create=required,
            nested_links=links,
        )
    return out


def tables() -> dict[str, TableSpec]:
    """Every table CareCircle reads and writes, keyed by HSDS table name."""
    return _load_tables(str(hsds_dir()))


def official_datapackage() -> dict[str, Any]:
    """The official HSDS 3.0 datapackage descriptor."""
    path = hsds_dir() / "3.0" / "datapackage.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- JSON schemas -------------------------------------------------------------------------------

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


@cache
def _json_schemas(root: str) -> dict[str, dict[str, Any]]:
    base = Path(root)
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((base / "3.0" / "schema").glob("*.json")):
        if path.name != "openapi.json":
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    for name in HSDS_31_PATHS:
        path = base / "3.1-dev" / "schema" / f"{name}.json"
        out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


@cache
def _validators(root: str) -> dict[str, Draft202012Validator]:
    schemas = _json_schemas(root)
    registry: Registry = Registry().with_resources(
        (
            SCHEMA_BASE + f"{name}.json",
            Resource.from_contents(contents, default_specification=DRAFT202012),
        )
        for name, contents in schemas.items()
    )
    return {
        name: Draft202012Validator({"$ref": SCHEMA_BASE + f"{name}.json"}, registry=registry)
        for name in MODELS
    }


def validators() -> dict[str, Draft202012Validator]:
    """A validator per table, against its official JSON schema."""
    return _validators(str(hsds_dir()))


# --- values -------------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def convert(spec: FieldSpec, raw: Any, *, text: bool) -> Any:
    """``raw`` (a JSON value, or a CSV cell when ``text``) as stored; ValueError says why not."""
    if raw is None:
        return None
    if spec.kind == "integer":  # only a package's own declaration says "integer"
        if isinstance(raw, bool) or not (
            isinstance(raw, int) or (isinstance(raw, str) and re.match(r"^[+-]?\d+$", raw))
        ):
            raise ValueError(f"is not a whole number: {raw!r}")
        return int(raw)
    if spec.kind == "number":
        if text:
            if not isinstance(raw, str) or not _NUMBER.match(raw.strip()):
                raise ValueError(f"is not a number: {raw!r}")
            number = float(raw)
        elif isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ValueError(f"must be a number, not {json_type(raw)} ({json.dumps(raw)})")
        else:
            number = float(raw)
        if not math.isfinite(number):
            raise ValueError(f"is not a finite number: {raw!r}")
        return number
    if not isinstance(raw, str):
        raise ValueError(f"must be a string, not {json_type(raw)} ({json.dumps(raw)})")
    if spec.kind == "uuid":
        if not _UUID.match(raw):
            raise ValueError(f"is not a UUID: {raw!r}")
        return uuid.UUID(raw)
    if spec.kind == "date":
        _check_date(raw)
    elif spec.kind == "time":
        _check_time(raw)
    elif spec.kind == "datetime":
        moment = _parse_datetime(raw)
        if spec.as_datetime:
            return moment
    if spec.enum and raw not in spec.enum:
        choices = ", ".join(repr(choice) for choice in spec.enum)
        raise ValueError(f"must be one of {choices}, not {raw!r}")
    return raw


def _check_date(raw: str) -> None:
    try:
        if not _DATE.match(raw):
            raise ValueError
        date.fromisoformat(raw[:10])
        if len(raw) > 10:
            datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"is not a date (YYYY-MM-DD): {raw!r}") from None


def _check_time(raw: str) -> None:
    try:
        if not _TIME.match(raw):
            raise ValueError
        time.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"is not a time (HH:MM or HH:MM:SS): {raw!r}") from None


def _parse_datetime(raw: str) -> datetime:
    try:
        if not _DATE.match(raw):
            raise ValueError
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"is not a date and time (e.g. 2024-05-01T09:30:00Z): {raw!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"needs a time zone (e.g. Z or +02:00): {raw!r}")
    return moment


def text_value(value: Any) -> str:
    """A stored value as HSDS text (CSV cells, metadata previous/replacement values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)
