"""The HSDS CSV datapackage: one CSV file per table and a ``datapackage.json`` that describes
them (Frictionless Data's Tabular Data Package), in a folder or a zip.

Reading checks each CSV's header against the table schema its ``datapackage.json`` declares
(unknown tables and columns, missing required columns) and each row's cells (required,
UUIDs, numbers, dates, times, allowed values), naming the file, CSV line and column of every
problem; rows become the same records a JSON import makes (see ``importer``). Writing streams
every table from the database into a zip, a chunk of rows at a time.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any

from carecircle.directory import models as m
from carecircle.directory.hsds.importer import Origin, Progress, Record, Rows
from carecircle.directory.hsds.tables import (
    HSDS_31_PATHS,
    WRITE_ORDER,
    FieldSpec,
    TableSpec,
    convert,
    kind_of,
    official_datapackage,
    tables,
    text_value,
)

DESCRIPTOR = "datapackage.json"


# --- reading ------------------------------------------------------------------------------------


class _Package:
    """A datapackage's files, by their path relative to ``datapackage.json``."""

    def __init__(self, label: str, files: dict[str, Any], folder: Path | None = None) -> None:
        self.label = label
        self.files = files  # relative posix path -> Path (folder) or ZipInfo (zip)
        self.folder = folder
        self.zip: zipfile.ZipFile | None = None

    def read(self, name: str) -> bytes:
        where = self.files[name]
        if self.zip is not None:
            return self.zip.read(where)
        return Path(where).read_bytes()

    def where(self, name: str) -> str:
        """How a report names a file of the package."""
        return f"{self.label}/{name}"


def _open(path: Path) -> _Package:
    if path.is_dir():
        found = {p.relative_to(path).as_posix(): p for p in sorted(path.rglob("*")) if p.is_file()}
        return _Package(path.name, dict(found), folder=path)
    archive = zipfile.ZipFile(path)
    names = [info for info in archive.infolist() if not info.is_dir()]
    # Zipped folders are common: the package's root is where datapackage.json is.
    roots = sorted(
        (str(PurePosixPath(i.filename).parent) for i in names if i.filename.endswith(DESCRIPTOR)),
        key=len,
    )
    root = roots[0] if roots else ""
    prefix = "" if root in ("", ".") else root + "/"
    files: dict[str, Any] = {
        info.filename[len(prefix) :]: info for info in names if info.filename.startswith(prefix)
    }
    package = _Package(path.name, files)
    package.zip = archive
    return package


def _descriptor(package: _Package, rows: Rows) -> dict[str, Any] | None:
    report = rows.report
    if DESCRIPTOR not in package.files:
        report.warn(
            package.where(DESCRIPTOR),
            None,
            "",
            "is missing: the CSV files are read as the official HSDS 3.0 tables",
        )
        return official_datapackage()
    raw = package.read(DESCRIPTOR)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        data = _followed_link(package, raw)
        if data is None:
            report.error(package.where(DESCRIPTOR), None, "", f"is not valid JSON: {exc}")
            return None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        report.error(package.where(DESCRIPTOR), None, "resources", "must be a list of tables")
        return None
    return data


def _followed_link(package: _Package, raw: bytes) -> Any:
    """A symbolic link that git checked out as a file holding its target's path (the official
    example's datapackage.json is one): follow it when it stays a readable JSON file."""
    if package.folder is None or len(raw) > 512:
        return None
    try:
        target = (package.folder / raw.decode("utf-8").strip()).resolve()
        if target.suffix != ".json" or not target.is_file():
            return None
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@dataclass
class _Table:
    spec: TableSpec
    name: str  # the CSV file's path in the package
    declared: dict[str, Mapping[str, Any]] = field(default_factory=dict)


def _tables_of(descriptor: dict[str, Any], package: _Package, rows: Rows) -> list[_Table]:
    report = rows.report
    specs = tables()
    where = package.where(DESCRIPTOR)
    found: dict[str, _Table] = {}
    listed: set[str] = set()
    for index, resource in enumerate(descriptor["resources"]):
        at = f"resources/{index}"
        if not isinstance(resource, dict):
            report.error(where, None, at, "must be an object describing a table")
            continue
        name, path = resource.get("name"), resource.get("path")
        if not isinstance(path, str) or not path:
            report.error(where, None, f"{at}/path", "must name the table's CSV file")
            continue
        listed.add(path)
        if name not in specs:
            report.error(
                where,
                None,
                f"{at}/name",
                f"unknown table {name!r}: CareCircle reads the HSDS 3.0 tables "
                "and 3.1's unit and service_capacity",
            )
            continue
        if name in found:
            report.error(where, None, f"{at}/name", f"table {name!r} is described twice")
            continue
        if path not in package.files:
            report.warn(where, None, f"{at}/path", f"{path} is listed but not in the package")
            continue
        schema = resource.get("schema")
        declared_fields = schema.get("fields") if isinstance(schema, dict) else None
        if schema is not None and not isinstance(declared_fields, list):
            report.error(where, None, f"{at}/schema/fields", "must be a list of fields")
            continue
        declared: dict[str, Mapping[str, Any]] = {
            str(desc["name"]): desc
            for desc in declared_fields or specs[name].resource["schema"]["fields"]
            if isinstance(desc, dict) and "name" in desc
        }
        found[name] = _Table(specs[name], path, declared)
    for path in sorted(package.files):
        if path.lower().endswith(".csv") and path not in listed:
            report.error(
                package.where(path),
                None,
                "",
                "unknown table: datapackage.json does not describe it",
            )
    return [found[name] for name in WRITE_ORDER if name in found]


def read_datapackage(path: Path, rows: Rows) -> None:
    """Read a datapackage (a folder or a zip) into ``rows``."""
    try:
        package = _open(path)
    except (OSError, zipfile.BadZipFile) as exc:
        rows.report.error(path.name, None, "", f"cannot be read as a datapackage: {exc}")
        return
    try:
        descriptor = _descriptor(package, rows)
        if descriptor is None:
            return
        for table in _tables_of(descriptor, package, rows):
            _read_csv(package, table, rows)
    finally:
        if package.zip is not None:
            package.zip.close()


def _read_csv(package: _Package, table: _Table, rows: Rows) -> None:
    report = rows.report
    spec = table.spec
    file = package.where(table.name)
    try:
        text = package.read(table.name).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.error(file, None, "", f"is not UTF-8 text (byte {exc.start})")
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        report.error(file, None, "", "is empty: its first line must name the columns")
        return
    except csv.Error as exc:
        report.error(file, 1, "", f"is not valid CSV: {exc}")
        return
    usable: dict[int, str] = {}
    seen: set[str] = set()
    for index, column in enumerate(header):
        if column in seen:
            report.error(file, 1, column, "is in the header twice")
        elif column not in spec.fields:
            report.error(file, 1, column, f"unknown column: {spec.name} has no such field")
        elif column not in table.declared:
            report.error(file, 1, column, f"is not in datapackage.json's schema for {spec.name}")
        else:
            usable[index] = column
        seen.add(column)
    required = {
        name
        for name, desc in table.declared.items()
        if isinstance(desc.get("constraints"), dict) and desc["constraints"].get("required")
    } | {"id"}
    for column in sorted(required - seen, key=list(table.declared).index):
        report.error(file, 1, column, "required column is missing")
    if "id" not in usable.values():
        return
    enums = {
        name: tuple(desc["constraints"]["enum"])
        for name, desc in table.declared.items()
        if isinstance(desc.get("constraints"), dict) and desc["constraints"].get("enum")
    }
    # The package may declare a column stricter than HSDS does ("integer" for a number): the
    # cell must then meet both.
    declared_specs = {
        name: _declared_spec(spec.fields[name], table.declared[name]) for name in usable.values()
    }
    first_line: dict[uuid.UUID, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.error(file, line, "", f"is not valid CSV: {exc}")
            return
        if not cells:
            continue  # a blank line
        if len(cells) != len(header):
            report.error(
                file, line, "", f"has {len(cells)} cells but the header has {len(header)} columns"
            )
            continue
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for index, column in usable.items():
            cell = cells[index]
            if cell == "":
                if column in required:
                    report.error(file, line, column, "is required")
                    bad.add(column)
                values[column] = None
                continue
            try:
                value = convert(spec.fields[column], cell, text=True)
                declared = declared_specs[column]
                if declared is not None:
                    convert(declared, cell, text=True)
                if column in enums and cell not in enums[column]:
                    choices = ", ".join(repr(c) for c in enums[column])
                    raise ValueError(f"must be one of {choices}, not {cell!r}")
            except ValueError as exc:
                report.error(file, line, column, str(exc))
                bad.add(column)
                continue
            values[column] = value
        record_id = values.get("id")
        if not isinstance(record_id, uuid.UUID):
            continue
        if record_id in first_line:
            earlier = first_line[record_id]
            report.error(file, line, "id", f"{record_id} is already on line {earlier}")
            continue
        first_line[record_id] = line
        rows.add(Record(spec.name, record_id, values, Origin(file, line, csv=True), bad=bad))


def _declared_spec(official: FieldSpec, desc: Mapping[str, Any]) -> FieldSpec | None:
    """How a package's own declaration of a column checks more than HSDS's does, if it does."""
    kind = desc.get("type")
    if kind == "integer":
        return replace(official, kind="integer")
    declared = kind_of(desc)
    if declared == official.kind or declared == "string":
        return None
    return replace(official, kind=declared, as_datetime=False)


def read_tabular_json(data: Mapping[str, Any], rows: Rows, file: str) -> None:
    """The tabular form as JSON (the official ``examples/tabular.json``): CSV file name ->
    list of rows."""
    report = rows.report
    by_path = {spec.path: spec for spec in tables().values()}
    for path, items in data.items():
        where = f"{file}/{path}"
        spec = by_path.get(path)
        if spec is None:
            report.error(where, None, "", "unknown table: not an HSDS table's file name")
            continue
        if not isinstance(items, list):
            report.error(where, None, "", "must be a list of rows")
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                report.error(where, index, "", "must be an object (one row)")
                continue
            values: dict[str, Any] = {}
            bad: set[str] = set()
            for column, raw in item.items():
                field_spec = spec.fields.get(column)
                if field_spec is None:
                    message = f"unknown column: {spec.name} has no such field"
                    report.error(where, index, column, message)
                    continue
                if raw == "" and field_spec.kind != "string":
                    raw = None
                elif field_spec.kind != "number" and isinstance(raw, int | float):
                    # A cell the JSON typed as a number ("10092008082") is still text here.
                    raw = text_value(raw) if not isinstance(raw, bool) else raw
                if raw is None and field_spec.required:
                    report.error(where, index, column, "is required")
                    bad.add(column)
                    continue
                try:
                    values[column] = convert(field_spec, raw, text=False)
                except ValueError as exc:
                    report.error(where, index, column, str(exc))
                    bad.add(column)
            for column, field_spec in spec.fields.items():
                if field_spec.required and column not in item:
                    report.error(where, index, column, "is required")
                    bad.add(column)
            record_id = values.get("id")
            if isinstance(record_id, uuid.UUID):
                origin = Origin(where, index, csv=True)
                rows.add(Record(spec.name, record_id, values, origin, bad=bad))


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hidden:
    """What a public export leaves out: the whereabouts of confidential locations."""

    locations: frozenset[uuid.UUID] = frozenset()
    rows: frozenset[uuid.UUID] = frozenset()  # their addresses and accessibility

    @classmethod
    def for_audience(cls, *, public: bool) -> _Hidden:
        if not public:
            return cls()
        confidential = m.Location.objects.filter(is_confidential=True)
        locations = frozenset(confidential.values_list("id", flat=True))
        if not locations:
            return cls()
        children = set(
            m.Address.objects.filter(location__is_confidential=True).values_list("id", flat=True)
        )
        children.update(
            m.Accessibility.objects.filter(location__is_confidential=True).values_list(
                "id", flat=True
            )
        )
        return cls(locations, frozenset(children))


def table_rows(
    spec: TableSpec, *, public: bool = False, chunk_size: int = 2000, hidden: _Hidden | None = None
) -> Iterator[list[str]]:
    """Every row of ``spec``'s table as CSV cells in the datapackage's column order, by id,
    a chunk at a time. ``public`` leaves out what would find a confidential location."""
    from carecircle.directory.hsds.serialize import CONFIDENTIAL_LOCATION_FIELDS

    if hidden is None:
        hidden = _Hidden.for_audience(public=public)
    names = list(spec.fields)
    attnames = [spec.fields[name].attname for name in names]
    blank = {i for i, name in enumerate(names) if name in CONFIDENTIAL_LOCATION_FIELDS}
    resource = names.index("resource_id") if "resource_id" in names else 0
    query = spec.model._default_manager.order_by("id").values_list(*attnames)
    for values in query.iterator(chunk_size=chunk_size):
        row_id = values[0]
        if hidden.locations:
            if spec.name == "location" and row_id in hidden.locations:
                values = tuple(None if i in blank else v for i, v in enumerate(values))
            elif spec.name in ("address", "accessibility") and row_id in hidden.rows:
                continue
            elif spec.name == "metadata" and (
                values[resource] in hidden.locations or values[resource] in hidden.rows
            ):
                continue  # their history holds old addresses and coordinates
        yield [text_value(value) for value in values]


def export_tables(*, include_31: bool | None = None) -> list[TableSpec]:
    """The tables a datapackage holds: HSDS 3.0's, in the official order, and 3.1's unit and
    service_capacity when the directory has any (or when ``include_31`` says so)."""
    specs = tables()
    order = [r["name"] for r in official_datapackage()["resources"]]
    out = [specs[name] for name in order]
    for name in HSDS_31_PATHS:
        if include_31 or (include_31 is None and specs[name].model._default_manager.exists()):
            out.append(specs[name])
    return out


def datapackage_write(
    target: str | Path | IO[bytes],
    *,
    public: bool = False,
    chunk_size: int = 2000,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the whole directory as an HSDS datapackage zip; returns rows per table."""
    specs = export_tables()
    descriptor = official_datapackage()
    descriptor["resources"] = [spec.resource for spec in specs]
    hidden = _Hidden.for_audience(public=public)
    counts: dict[str, int] = {}
    if progress is not None:
        progress.step("Exporting tables", len(specs))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DESCRIPTOR, json.dumps(descriptor, indent=4, ensure_ascii=False) + "\n")
        for spec in specs:
            count = 0
            with archive.open(spec.path, "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(list(spec.fields))
                for row in table_rows(spec, chunk_size=chunk_size, hidden=hidden):
                    writer.writerow(row)
                    count += 1
                text.flush()
                text.detach()
            counts[spec.name] = count
            if progress is not None:
                progress.advance()
    return counts
