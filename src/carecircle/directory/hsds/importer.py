"""Import Open Referral HSDS 3.0 data: JSON documents and CSV datapackages, all or nothing.

An import reads, checks, then writes:

1. A reader turns the file into :class:`Record` s, one per HSDS row (a table, an id and the
   fields the file gives), flattening nested JSON and noting the references that nesting
   implies (a phone inside a service has that ``service_id``). Values are checked as they are
   read: against the official JSON schema (JSON) or the datapackage's table schema (CSV), and
   by CareCircle's own rules (UUIDs, numbers, dates and times must parse).
2. Records of the same row merge (the official examples nest one phone under a service, its
   location, its organization and a contact); conflicting values are an error.
3. References are looked up in the file and in the directory. A required reference that
   resolves nowhere is an error; an optional one (``parent_organization_id``...) may name a
   row outside this data set, as HSDS exchanges allow, and is kept as given with a warning.
4. If anything is wrong, :class:`ImportReport` names the file, row and field of every problem
   and nothing is written. Otherwise one transaction creates new rows and updates changed ones
   by id, writing an HSDS ``metadata`` row per changed field; unchanged rows are not touched,
   so importing the same file twice changes nothing.

A field the file leaves out is left as it is; ``null`` in JSON or an empty CSV cell clears it.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import DatabaseError, models, transaction
from django.utils import timezone
from jsonschema.exceptions import ValidationError as SchemaError

from carecircle.directory import models as m
from carecircle.directory.hsds.tables import (
    HSDS_31_PATHS,
    MODELS,
    TOP_LEVEL,
    WRITE_ORDER,
    FieldSpec,
    TableSpec,
    convert,
    hsds_dir,
    json_type,
    official_datapackage,
    tables,
    text_value,
    validators,
)

__all__ = [
    "HSDS_31_PATHS",
    "MODELS",
    "WRITE_ORDER",
    "FieldSpec",
    "ImportReport",
    "Problem",
    "TableSpec",
    "convert",
    "hsds_dir",
    "hsds_import",
    "hsds_import_data",
    "official_datapackage",
    "tables",
    "text_value",
]


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about a file: where it is and what it is."""

    file: str
    row: int | None  # the CSV line, or the index of the object in a JSON list
    field: str  # a column, or a path inside the JSON object ("phones/0/number")
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


MAX_PROBLEMS = 1000


@dataclass
class ImportReport:
    """What an import found and did. ``ok`` is False when anything is wrong: then nothing
    was written."""

    source: str
    dry_run: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    more_errors: int = 0  # beyond MAX_PROBLEMS, counted but not kept
    more_warnings: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    _flagged: set[tuple[str, int | None, str]] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and bool(self.created or self.updated)

    def error(self, file: str, row: int | None, field_name: str, message: str) -> None:
        self._flagged.add((file, row, field_name))
        if len(self.errors) >= MAX_PROBLEMS:
            self.more_errors += 1
            return
        self.errors.append(Problem(file, row, field_name, message))

    def warn(self, file: str, row: int | None, field_name: str, message: str) -> None:
        if len(self.warnings) >= MAX_PROBLEMS:
            self.more_warnings += 1
            return
        self.warnings.append(Problem(file, row, field_name, message))

    def flagged(self, file: str, row: int | None, field_name: str) -> bool:
        return (file, row, field_name) in self._flagged

    def lines(self) -> list[str]:
        """Every error, one line each: ``file:row: field: message``."""
        out = [str(p) for p in self.errors]
        if self.more_errors:
            out.append(f"... and {self.more_errors} more error(s)")
        return out

    def warning_lines(self) -> list[str]:
        out = [str(p) for p in self.warnings]
        if self.more_warnings:
            out.append(f"... and {self.more_warnings} more warning(s)")
        return out

    def summary(self) -> str:
        if not self.ok:
            count = len(self.errors) + self.more_errors
            return f"{self.source}: {count} problem(s); nothing was imported."
        parts = []
        for table in WRITE_ORDER:
            counts = [
                f"{n} {label}"
                for n, label in (
                    (self.created[table], "new"),
                    (self.updated[table], "updated"),
                    (self.unchanged[table], "unchanged"),
                )
                if n
            ]
            if counts:
                parts.append(f"{table}: {', '.join(counts)}")
        done = "checked (dry run, nothing written)" if self.dry_run else "imported"
        body = "; ".join(parts) if parts else "no HSDS rows"
        return f"{self.source}: {done}. {body}."


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a record was read: a file, a row, and for JSON the path to the object."""

    file: str
    row: int | None
    path: str = ""  # JSON: from the row's object to this one ("service_at_locations/0")
    csv: bool = False

    def at(self, name: str) -> str:
        if self.csv or not self.path:
            return name
        return f"{self.path}/{name}" if name else self.path

    def describe(self) -> str:
        if self.csv:
            return f"{self.file} line {self.row}"
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where} at {self.path}" if self.path else where


@dataclass
class Record:
    """One HSDS row as read: the fields the file gives, already converted."""

    table: str
    id: uuid.UUID
    values: dict[str, Any]
    origin: Origin
    defaults: dict[str, Any] = field(default_factory=dict)  # used only to create the row
    bad: set[str] = field(default_factory=set)  # fields reported as wrong already


class Rows:
    """The records of one import, merged by (table, id), and its report."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.records: dict[tuple[str, uuid.UUID], Record] = {}

    def error(self, origin: Origin, name: str, message: str) -> None:
        self.report.error(origin.file, origin.row, origin.at(name), message)

    def warn(self, origin: Origin, name: str, message: str) -> None:
        self.report.warn(origin.file, origin.row, origin.at(name), message)

    def add(self, record: Record) -> None:
        key = (record.table, record.id)
        known = self.records.get(key)
        if known is None:
            self.records[key] = record
            return
        for name, value in record.values.items():
            if name not in known.values:
                known.values[name] = value
            elif known.values[name] != value:
                self.error(
                    record.origin,
                    name,
                    f"{record.table} {record.id} is also given at {known.origin.describe()} "
                    f"with {name} {_show(known.values[name])}, here {_show(value)}",
                )
        for name, value in record.defaults.items():
            known.defaults.setdefault(name, value)
        known.bad |= record.bad

    def by_table(self) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = defaultdict(list)
        for record in self.records.values():
            out[record.table].append(record)
        return out


def _show(value: Any) -> str:
    if value is None:
        return "empty"
    return repr(text_value(value))


# --- reading JSON -------------------------------------------------------------------------------

ONE, MANY = "one", "many"
#: Nested JSON: table -> key -> (child table, one or many, the reference it implies). For MANY
#: the child refers to the parent (``phone.service_id``); for ONE the parent refers to the
#: child (``service.organization_id``).
NESTED: dict[str, dict[str, tuple[str, str, str]]] = {
    "service": {
        "organization": ("organization", ONE, "organization_id"),
        "program": ("program", ONE, "program_id"),
        "phones": ("phone", MANY, "service_id"),
        "schedules": ("schedule", MANY, "service_id"),
        "service_areas": ("service_area", MANY, "service_id"),
        "service_at_locations": ("service_at_location", MANY, "service_id"),
        "languages": ("language", MANY, "service_id"),
        "funding": ("funding", MANY, "service_id"),
        "cost_options": ("cost_option", MANY, "service_id"),
        "required_documents": ("required_document", MANY, "service_id"),
        "contacts": ("contact", MANY, "service_id"),
        "capacities": ("service_capacity", MANY, "service_id"),
    },
    "organization": {
        "funding": ("funding", MANY, "organization_id"),
        "contacts": ("contact", MANY, "organization_id"),
        "phones": ("phone", MANY, "organization_id"),
        "locations": ("location", MANY, "organization_id"),
        "programs": ("program", MANY, "organization_id"),
        "organization_identifiers": ("organization_identifier", MANY, "organization_id"),
        "services": ("service", MANY, "organization_id"),
    },
    "location": {
        "languages": ("language", MANY, "location_id"),
        "addresses": ("address", MANY, "location_id"),
        "contacts": ("contact", MANY, "location_id"),
        "accessibility": ("accessibility", MANY, "location_id"),
        "phones": ("phone", MANY, "location_id"),
        "schedules": ("schedule", MANY, "location_id"),
    },
    "service_at_location": {
        "location": ("location", ONE, "location_id"),
        "service": ("service", ONE, "service_id"),
        "contacts": ("contact", MANY, "service_at_location_id"),
        "phones": ("phone", MANY, "service_at_location_id"),
        "schedules": ("schedule", MANY, "service_at_location_id"),
    },
    "contact": {"phones": ("phone", MANY, "contact_id")},
    "phone": {"languages": ("language", MANY, "phone_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", ONE, "taxonomy_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", ONE, "taxonomy_term_id")},
    "service_capacity": {"unit": ("unit", ONE, "unit_id")},
}
#: Keys only one kind of top-level object has, for files whose name does not say.
_TELLTALE: tuple[tuple[str, frozenset[str]], ...] = (
    ("service", frozenset({"status", "service_at_locations", "program", "capacities"})),
    ("location", frozenset({"location_type", "addresses", "accessibility", "latitude"})),
    ("taxonomy_term", frozenset({"code", "parent_id", "taxonomy_detail", "term_uri"})),
    ("taxonomy", frozenset({"version"})),
    ("service_at_location", frozenset({"location", "service", "location_id", "service_id"})),
    (
        "organization",
        frozenset(
            {
                "website",
                "tax_status",
                "tax_id",
                "year_incorporated",
                "legal_status",
                "logo",
                "parent_organization_id",
                "locations",
                "programs",
                "organization_identifiers",
                "services",
            }
        ),
    ),
)


def _schema_error(error: SchemaError) -> tuple[str, str]:
    """(field path, message) for a JSON schema error, in plain words."""
    path = "/".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        name = missing[0] if missing else ""
        return (f"{path}/{name}" if path else name), "is required"
    if error.validator == "type":
        expected = error.validator_value
        article = "an" if str(expected)[:1] in "aeiou" else "a"
        return path, f"must be {article} {expected}, not {json_type(error.instance)}"
    if error.validator == "enum":
        choices = ", ".join(repr(choice) for choice in error.validator_value)
        return path, f"must be one of {choices}, not {error.instance!r}"
    return path, error.message


class JsonReader:
    """Flattens one JSON document into records."""

    def __init__(self, rows: Rows, file: str) -> None:
        self.rows = rows
        self.file = file
        self.specs = tables()
        self.validators = validators()
        # Identical objects recur (one organization nested in each of its services): their
        # schema errors are worked out once.
        self._checked: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._discard = 0  # > 0 while under an object whose id is unusable
        self._unknown: set[tuple[str, str]] = set()

    def document(self, data: Any, *, kind: str | None = None) -> int:
        """Read a document; returns how many top-level objects it held."""
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            items: list[Any] = data["contents"]
            single = False
        elif isinstance(data, list):
            items = data
            single = False
        elif isinstance(data, dict):
            if data and all(isinstance(key, str) and key.endswith(".csv") for key in data):
                from carecircle.directory.hsds.datapackage import read_tabular_json

                read_tabular_json(data, self.rows, self.file)
                return len(data)
            if "id" not in data and ("openapi_url" in data or "profile" in data):
                self.rows.report.warn(
                    self.file,
                    None,
                    "",
                    "an HSDS API root document (version and profile): there is nothing to import",
                )
                return 0
            items = [data]
            single = True
        else:
            self.rows.report.error(
                self.file,
                None,
                "",
                'must hold an HSDS object, a list of them, or a page ({"contents": [...]})',
            )
            return 0
        hint = kind or _kind_from_name(self.file)
        for index, item in enumerate(items):
            row = None if single else index
            table = hint or _kind_from_keys(item)
            if table is None:
                self.rows.report.error(
                    self.file,
                    row,
                    "",
                    "cannot tell which HSDS object this is; name the file after it "
                    f"({', '.join(sorted(TOP_LEVEL))}) or give its kind",
                )
                continue
            self.node(item, table, row, "", {}, {})
        return len(items)

    def node(
        self,
        obj: Any,
        table: str,
        row: int | None,
        path: str,
        implied: Mapping[str, uuid.UUID],
        defaults: Mapping[str, Any],
    ) -> uuid.UUID | None:
        """Read one object and what it nests; returns its id when usable."""
        origin = Origin(self.file, row, path)
        if not isinstance(obj, dict):
            self.rows.error(origin, "", f"must be an object (a {table}), not {json_type(obj)}")
            return None
        spec = self.specs[table]
        nested = NESTED.get(table, {})
        links = spec.nested_links
        shallow = {
            key: value
            for key, value in obj.items()
            if value is not None and key not in nested and key not in links
        }
        bad: set[str] = set()
        for where, message in self._schema_errors(table, shallow):
            if where in nested and obj.get(where) is not None:
                continue  # a required object nested here ("unit"), read on its own below
            bad.add(where.split("/", 1)[0])
            self.rows.error(origin, where, message)
        values: dict[str, Any] = {}
        for key, raw in obj.items():
            if key in nested or key in links or key in bad:
                continue
            field_spec = spec.fields.get(key)
            if field_spec is None:
                if (table, key) not in self._unknown:
                    self._unknown.add((table, key))
                    self.rows.warn(origin, key, f"is not an HSDS field of {table}: ignored")
                continue
            try:
                values[key] = convert(field_spec, raw, text=False)
            except ValueError as exc:
                bad.add(key)
                self.rows.error(origin, key, str(exc))
        raw_id = values.get("id")
        usable = isinstance(raw_id, uuid.UUID)
        obj_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(int=0)
        if not usable:
            self._discard += 1
        record = Record(table, obj_id, values, origin, bad=bad)
        record.defaults.update(defaults)
        for name, value in implied.items():
            self._refer(record, name, value, name)
        # One-to-one objects first: they give this record its references.
        for key, (child_table, mode, ref) in nested.items():
            if mode == ONE and obj.get(key) is not None:
                child_id = self.node(obj[key], child_table, row, origin.at(key), {}, {})
                if child_id is not None:
                    self._refer(record, ref, child_id, key)
        if usable and not self._discard:
            self.rows.add(record)
        parent = obj_id if usable else None
        for key, (child_table, mode, ref) in nested.items():
            if mode == MANY and obj.get(key) is not None:
                self._many(obj[key], child_table, row, origin.at(key), ref, parent, {})
        if "attributes" in links and obj.get("attributes") is not None:
            self._many(
                obj["attributes"],
                "attribute",
                row,
                origin.at("attributes"),
                "link_id",
                parent,
                {"link_entity": table},
            )
        if "metadata" in links and obj.get("metadata") is not None:
            self._many(
                obj["metadata"],
                "metadata",
                row,
                origin.at("metadata"),
                "resource_id",
                parent,
                {"resource_type": table},
            )
        if table == "service" and isinstance(obj.get("program"), dict) and usable:
            # A program nested in a service is that service's organization's.
            merged = self.rows.records.get(("service", record.id), record).values
            program_id = merged.get("program_id")
            organization_id = merged.get("organization_id")
            program = self.rows.records.get(("program", program_id)) if program_id else None
            if program is not None and organization_id is not None:
                program.defaults.setdefault("organization_id", organization_id)
        if not usable:
            self._discard -= 1
        return obj_id if usable else None

    def _schema_errors(self, table: str, shallow: dict[str, Any]) -> list[tuple[str, str]]:
        key = (table, json.dumps(shallow, sort_keys=True, default=str))
        found = self._checked.get(key)
        if found is None:
            found = [_schema_error(e) for e in self.validators[table].iter_errors(shallow)]
            self._checked[key] = found
        return found

    def _refer(self, record: Record, name: str, value: uuid.UUID, where: str) -> None:
        given = record.values.get(name)
        if name in record.values and given != value:
            self.rows.error(
                record.origin,
                where,
                f"says {name} {_show(given)}, but it is nested in (or holds) {value}",
            )
            return
        record.values[name] = value

    def _many(
        self,
        items: Any,
        table: str,
        row: int | None,
        path: str,
        ref: str,
        parent: uuid.UUID | None,
        defaults: Mapping[str, Any],
    ) -> None:
        origin = Origin(self.file, row, path)
        if not isinstance(items, list):
            message = f"must be a list of {table} objects, not {json_type(items)}"
            self.rows.error(origin, "", message)
            return
        implied = {ref: parent} if parent is not None else {}
        for index, item in enumerate(items):
            self.node(item, table, row, f"{path}/{index}", implied, defaults)


def _kind_from_name(file: str) -> str | None:
    stem = Path(file).name.lower()
    for table in TOP_LEVEL:  # longest names first: service_at_location before service
        if stem.startswith(table):
            return table
    return None


def _kind_from_keys(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    found = [table for table, keys in _TELLTALE if keys & item.keys()]
    return found[0] if found else None


def read_json_file(path: Path, rows: Rows, *, kind: str | None = None) -> int:
    try:
        data = json.loads(path.read_bytes(), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        rows.report.error(path.name, None, "", f"is not UTF-8 text (byte {exc.start})")
        return 0
    except json.JSONDecodeError as exc:
        rows.report.error(
            path.name,
            None,
            f"line {exc.lineno} column {exc.colno}",
            f"is not valid JSON: {exc.msg}",
        )
        return 0
    except ValueError as exc:
        rows.report.error(path.name, None, "", f"is not valid JSON: {exc}")
        return 0
    return JsonReader(rows, path.name).document(data, kind=kind)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# --- checking and writing -----------------------------------------------------------------------


class Progress(Protocol):
    def step(self, label: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


CHUNK = 500


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(model: type[models.Model], ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    found: dict[uuid.UUID, Any] = {}
    for chunk in _chunks(ids):
        found.update(model._default_manager.in_bulk(chunk))
    return found


def _existing_ids(model: type[models.Model], ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in _chunks(ids):
        found.update(model._default_manager.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def _same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return bool(old == new)


def _check(rows: Rows, existing: dict[str, dict[uuid.UUID, Any]]) -> None:
    """Required fields and references, against the file and the directory."""
    report = rows.report
    specs = tables()
    in_file: dict[str, set[uuid.UUID]] = defaultdict(set)
    for table, record_id in rows.records:
        in_file[table].add(record_id)
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for record in rows.records.values():
        spec = specs[record.table]
        creating = record.id not in existing[record.table]
        given = {**record.defaults, **record.values} if creating else record.values
        for name in spec.required_on_create:
            if name in record.bad or report.flagged(
                record.origin.file, record.origin.row, record.origin.at(name)
            ):
                continue
            if creating and given.get(name) is None:
                rows.error(record.origin, name, "is required")
            elif not creating and name in given and given[name] is None:
                rows.error(record.origin, name, "is required: it cannot be cleared")
        for name, value in given.items():
            target = spec.fields[name].target
            if target and value is not None and value not in in_file[target]:
                wanted[target].add(value)
    in_directory = {
        target: _existing_ids(MODELS[target], ids) for target, ids in wanted.items() if ids
    }
    for record in rows.records.values():
        spec = specs[record.table]
        creating = record.id not in existing[record.table]
        given = {**record.defaults, **record.values} if creating else record.values
        for name, value in given.items():
            field_spec = spec.fields[name]
            target = field_spec.target
            if (
                target is None
                or value is None
                or value in in_file[target]
                or value in in_directory.get(target, ())
            ):
                continue
            if field_spec.strict:
                rows.error(
                    record.origin,
                    name,
                    f"no {target} with id {value} in this file or the directory",
                )
            else:
                rows.warn(
                    record.origin,
                    name,
                    f"{target} {value} is in neither this file nor the directory: kept as given",
                )


def _write(
    rows: Rows,
    existing: dict[str, dict[uuid.UUID, Any]],
    *,
    source: str,
    progress: Progress | None,
) -> list[Any]:
    """Create and update rows; returns the objects that changed."""
    from carecircle.directory.services import action_date

    report = rows.report
    specs = tables()
    by_table = rows.by_table()
    stamp = action_date(timezone.now())
    history: list[m.Metadata] = []
    changed: list[Any] = []
    if progress is not None:
        progress.step("Writing", len(rows.records))
    for table in WRITE_ORDER:
        spec = specs[table]
        records = sorted(by_table.get(table, ()), key=lambda r: r.id)
        creates: list[Any] = []
        updates: list[Any] = []
        update_fields: set[str] = set()
        for record in records:
            obj = existing[table].get(record.id)
            if obj is None:
                given = {**record.defaults, **record.values}
                attrs = {spec.fields[name].attname: value for name, value in given.items()}
                attrs["id"] = record.id
                creates.append(spec.model(**attrs))
                continue
            diffs = []
            for name, value in record.values.items():
                if name == "id":
                    continue
                attname = spec.fields[name].attname
                old = getattr(obj, attname)
                if not _same(old, value):
                    diffs.append((name, old, value))
                    setattr(obj, attname, value)
                    update_fields.add(attname)
            if not diffs:
                report.unchanged[table] += 1
                continue
            updates.append(obj)
            if table not in ("metadata", "meta_table_description"):
                history.extend(
                    m.Metadata(
                        resource_id=record.id,
                        resource_type=table,
                        last_action_date=stamp,
                        last_action_type="update",
                        field_name=name,
                        previous_value=text_value(old),
                        replacement_value=text_value(value),
                        updated_by=f"import:{source}",
                    )
                    for name, old, value in diffs
                )
        for batch in _chunks(creates):
            spec.model._default_manager.bulk_create(batch)
            if progress is not None:
                progress.advance(len(batch))
        for batch in _chunks(updates, 200):
            spec.model._default_manager.bulk_update(batch, sorted(update_fields))
            if progress is not None:
                progress.advance(len(batch))
        if progress is not None and report.unchanged[table]:
            progress.advance(report.unchanged[table])
        if creates:
            report.created[table] += len(creates)
        if updates:
            report.updated[table] += len(updates)
        changed.extend(creates)
        changed.extend(updates)
    for batch in _chunks(history):
        m.Metadata.objects.bulk_create(batch)
    return changed


def affected_services(changed: Iterable[Any]) -> set[uuid.UUID]:
    """The services whose search document or opening hours may read what changed."""
    services: set[uuid.UUID] = set()
    locations: set[uuid.UUID] = set()
    sals: set[uuid.UUID] = set()
    organizations: set[uuid.UUID] = set()
    terms: set[uuid.UUID] = set()
    links: set[uuid.UUID] = set()
    for obj in changed:
        if isinstance(obj, m.Service):
            services.add(obj.pk)
        elif isinstance(obj, m.Location):
            locations.add(obj.pk)
        elif isinstance(obj, m.Organization):
            organizations.add(obj.pk)
        elif isinstance(obj, m.TaxonomyTerm):
            terms.add(obj.pk)
        elif isinstance(obj, m.Attribute):
            links.add(obj.link_id)
        for name, bucket in (
            ("service_id", services),
            ("location_id", locations),
            ("service_at_location_id", sals),
        ):
            value = getattr(obj, name, None)
            if value is not None:
                bucket.add(value)
        if isinstance(obj, m.ServiceAtLocation):
            sals.add(obj.pk)
    for chunk in _chunks(sals):
        services.update(
            m.ServiceAtLocation.objects.filter(pk__in=chunk).values_list("service_id", flat=True)
        )
    for chunk in _chunks(locations):
        services.update(
            m.ServiceAtLocation.objects.filter(location_id__in=chunk).values_list(
                "service_id", flat=True
            )
        )
    for chunk in _chunks(organizations):
        services.update(
            m.Service.objects.filter(organization_id__in=chunk).values_list("id", flat=True)
        )
    for chunk in _chunks(terms):
        links.update(
            m.Attribute.objects.filter(taxonomy_term_id__in=chunk).values_list("link_id", flat=True)
        )
    for chunk in _chunks(links):
        services.update(m.Service.objects.filter(pk__in=chunk).values_list("id", flat=True))
    return services


def _rebuild(service_ids: set[uuid.UUID]) -> None:
    from carecircle.directory.services import opening_intervals_rebuild, search_document_rebuild

    for chunk in _chunks(sorted(service_ids), 2000):
        batch = list(m.Service.objects.filter(pk__in=chunk).only("id"))
        opening_intervals_rebuild(services=batch)
        search_document_rebuild(services=batch)


def finish_import(
    rows: Rows, *, source: str, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check what was read and, when nothing is wrong, write it in one transaction."""
    report = rows.report
    if not report.ok:
        return report
    specs = tables()
    if progress is not None:
        progress.step("Checking", len(rows.records))
    by_table = rows.by_table()
    existing = {
        table: _existing(specs[table].model, (r.id for r in by_table.get(table, ())))
        for table in WRITE_ORDER
    }
    _check(rows, existing)
    if progress is not None:
        progress.advance(len(rows.records))
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            changed = _write(rows, existing, source=source, progress=progress)
            if changed and not dry_run:
                _rebuild(affected_services(changed))
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        report.created.clear()
        report.updated.clear()
        report.unchanged.clear()
        report.error(source, None, "", f"the database refused the import, so nothing was: {exc}")
    return report


def hsds_import(
    path: str | Path,
    *,
    dry_run: bool = False,
    kind: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an HSDS JSON file (.json: an object, a list, a page, or tabular JSON) or a CSV
    datapackage (a folder or .zip holding datapackage.json and the tables' CSV files)."""
    path = Path(path)
    report = ImportReport(source=path.name, dry_run=dry_run)
    rows = Rows(report)
    if kind is not None and kind not in TOP_LEVEL:
        raise ValueError(f"kind must be one of {', '.join(TOP_LEVEL)}, not {kind!r}")
    if progress is not None:
        progress.step(f"Reading {path.name}", 1)
    if path.is_dir() or path.suffix.lower() == ".zip":
        from carecircle.directory.hsds.datapackage import read_datapackage

        read_datapackage(path, rows)
    elif path.suffix.lower() == ".json":
        read_json_file(path, rows, kind=kind)
    elif not path.exists():
        report.error(path.name, None, "", "no such file or folder")
    else:
        report.error(
            path.name,
            None,
            "",
            "is not HSDS data: give a .json file, or a CSV datapackage (a folder or a .zip "
            "with datapackage.json)",
        )
    if progress is not None:
        progress.advance(1)
    return finish_import(rows, source=path.name, dry_run=dry_run, progress=progress)


def hsds_import_data(
    data: Any,
    *,
    file_name: str = "data.json",
    kind: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import an already parsed HSDS JSON document (``file_name`` names it in the report)."""
    report = ImportReport(source=file_name, dry_run=dry_run)
    rows = Rows(report)
    JsonReader(rows, file_name).document(data, kind=kind)
    return finish_import(rows, source=file_name, dry_run=dry_run)
