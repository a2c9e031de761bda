"""The official HSDS 3.0 examples import, and export back equal.

"Equal" normalises only what HSDS leaves free: key order, the order of lists (compared by
id), how a date-time or a number is written (``2023-03-15T10:30:45.123Z`` and
``...45.123000+00:00``; ``12`` and ``12.0``), and whether a nested object repeats a
reference its nesting already states (a phone inside a service may say ``service_id``). Every
other key and value must come back exactly.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from carecircle.directory import models as m
from carecircle.directory.hsds import serialize as s
from carecircle.directory.hsds.datapackage import datapackage_write, export_tables, table_rows
from carecircle.directory.hsds.exporter import services_json_stream
from carecircle.directory.hsds.importer import (
    MODELS,
    NESTED,
    ImportReport,
    JsonReader,
    Rows,
    hsds_dir,
    hsds_import,
    hsds_import_data,
    tables,
)

pytestmark = pytest.mark.django_db

#: Every official example; a missing one fails its test (they are required, never skipped).
JSON_EXAMPLES = (
    "base.json",
    "location.json",
    "organization_full.json",
    "organization_list.json",
    "service_at_location_full.json",
    "service_at_location_list.json",
    "service_full.json",
    "service_list.json",
    "tabular.json",
    "taxonomy.json",
    "taxonomy_list.json",
    "taxonomy_term.json",
    "taxonomy_term_list.json",
)


def examples() -> Path:
    return hsds_dir() / "3.0" / "examples"


def load(name: str) -> Any:
    return json.loads((examples() / name).read_text(encoding="utf-8"))


def test_every_official_example_is_covered() -> None:
    on_disk = {p.name for p in examples().glob("*.json")}
    assert on_disk == set(JSON_EXAMPLES)
    assert (examples() / "csv" / "services.csv").is_file()


# --- normalising --------------------------------------------------------------------------------


def facts(document: Any, file: str) -> dict[tuple[str, uuid.UUID], dict[str, Any]]:
    """What a document says, row by row, as the importer reads it (no database)."""
    report = ImportReport(source=file)
    rows = Rows(report)
    JsonReader(rows, file).document(document)
    assert report.ok, report.lines()
    # Defaults are what nesting states too (a program inside a service is its organization's).
    return {key: {**record.defaults, **record.values} for key, record in rows.records.items()}


def _scalar(table: str, key: str, value: Any) -> Any:
    spec = tables()[table].fields.get(key)
    if spec is None or value is None:
        return value
    if spec.kind == "number":
        return float(value)
    if spec.kind == "datetime":
        return datetime.fromisoformat(str(value))
    if spec.kind == "uuid":
        return uuid.UUID(str(value))
    return value


def normal(
    node: Any, table: str, source: Any, said: dict[tuple[str, uuid.UUID], dict[str, Any]]
) -> Any:
    """``node`` (exported) normalised against ``source``: references the source leaves to its
    nesting are dropped when the source states the same reference."""
    if isinstance(node, list):
        by_id = {str(item.get("id")): item for item in source or [] if isinstance(item, dict)}
        items = [normal(item, table, by_id.get(str(item.get("id"))), said) for item in node]
        return sorted(items, key=lambda item: str(item.get("id")))
    if not isinstance(node, dict):
        return node
    source = source if isinstance(source, dict) else {}
    key_id = uuid.UUID(str(node["id"])) if "id" in node else None
    nested = NESTED.get(table, {})
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in nested:
            out[key] = normal(value, nested[key][0], source.get(key), said)
        elif key in ("attributes", "metadata"):
            child = "attribute" if key == "attributes" else "metadata"
            out[key] = normal(value, child, source.get(key), said)
        else:
            if key not in source and key.endswith("_id") and key_id is not None:
                stated = said.get((table, key_id), {}).get(key)
                if stated is not None and stated == uuid.UUID(str(value)):
                    continue  # the source says it by nesting
            out[key] = _scalar(table, key, value)
    return out


def assert_equal_hsds(source: Any, exported: Any, table: str, file: str) -> None:
    said = facts(source, file)
    assert said == facts(exported, file), "the export does not say the same rows"
    assert normal(exported, table, source, said) == normal(source, table, source, said)


# --- JSON examples ------------------------------------------------------------------------------


def _only(model: type[Any]) -> Any:
    return model.objects.get()


EXPORT: dict[str, tuple[str, Callable[[], Any]]] = {
    "service_full.json": (
        "service",
        lambda: s.service_dict(s.prefetch_service(m.Service.objects.all()).get(), public=False),
    ),
    "organization_full.json": (
        "organization",
        lambda: s.organization_dict(
            s.prefetch_organization(m.Organization.objects.all(), services="full").get(),
            services="full",
            public=False,
        ),
    ),
    "service_at_location_full.json": (
        "service_at_location",
        lambda: s.service_at_location_dict(
            s.prefetch_service_at_location(m.ServiceAtLocation.objects.all()).get(), public=False
        ),
    ),
    "location.json": (
        "location",
        lambda: s.location_dict(s.prefetch_location(m.Location.objects.all()).get(), public=False),
    ),
    "taxonomy.json": ("taxonomy", lambda: s.taxonomy_dict(_only(m.Taxonomy))),
    "taxonomy_term.json": (
        "taxonomy_term",
        lambda: s.taxonomy_term_dict(
            m.TaxonomyTerm.objects.select_related("taxonomy_detail").get()
        ),
    ),
}
LISTS: dict[str, tuple[str, Callable[[], list[Any]]]] = {
    "service_list.json": (
        "service",
        lambda: [
            s.service_dict(x, full=False, public=False)
            for x in s.prefetch_service(m.Service.objects.all(), full=False)
        ],
    ),
    "organization_list.json": (
        "organization",
        lambda: [s.organization_dict(x, full=False) for x in m.Organization.objects.all()],
    ),
    "service_at_location_list.json": (
        "service_at_location",
        lambda: [
            s.service_at_location_dict(x, full=False, public=False)
            for x in s.prefetch_service_at_location(m.ServiceAtLocation.objects.all(), full=False)
        ],
    ),
    "taxonomy_list.json": (
        "taxonomy",
        lambda: [s.taxonomy_dict(x) for x in m.Taxonomy.objects.all()],
    ),
    "taxonomy_term_list.json": (
        "taxonomy_term",
        lambda: [
            s.taxonomy_term_dict(x)
            for x in m.TaxonomyTerm.objects.select_related("taxonomy_detail")
        ],
    ),
}


def _import_cleanly(path: Path) -> ImportReport:
    report = hsds_import(path)
    assert report.ok, report.lines()
    return report


@pytest.mark.parametrize("name", sorted(EXPORT))
def test_an_official_object_example_imports_and_exports_back_equal(name: str) -> None:
    _import_cleanly(examples() / name)
    table, export = EXPORT[name]
    assert_equal_hsds(load(name), export(), table, name)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_an_official_list_example_imports_and_exports_back_equal(name: str) -> None:
    _import_cleanly(examples() / name)
    table, export = LISTS[name]
    source = load(name)
    # The page wrapper (total_items, page_number...) describes a page, not the data.
    assert_equal_hsds(source["contents"], export(), table, name)


def test_the_api_root_example_imports_as_nothing() -> None:
    report = _import_cleanly(examples() / "base.json")
    assert not report.created
    assert [str(w) for w in report.warnings] == [
        "base.json: an HSDS API root document (version and profile): there is nothing to import"
    ]


# --- the tabular forms --------------------------------------------------------------------------


def _cell(table: str, column: str, value: Any) -> Any:
    """A tabular value as data: CSV text and tabular JSON's typed values compare equal."""
    if value in ("", None):
        return None
    spec = tables()[table].fields[column]
    if spec.kind == "number":
        return float(value)
    if spec.kind == "datetime":
        return datetime.fromisoformat(str(value))
    if spec.kind == "uuid":
        return uuid.UUID(str(value))
    return str(value)


def _table(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = [
        {k: _cell(table, k, v) for k, v in row.items() if _cell(table, k, v) is not None}
        for row in rows
    ]
    return sorted(cleaned, key=lambda row: str(row["id"]))


def _read_csv(data: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_the_official_csv_datapackage_imports_and_exports_back_equal() -> None:
    source = examples() / "csv"
    _import_cleanly(source)
    buffer = io.BytesIO()
    datapackage_write(buffer)
    by_path = {spec.path: spec.name for spec in tables().values()}
    with zipfile.ZipFile(buffer) as archive:
        names = set(archive.namelist())
        assert names == {p.name for p in source.iterdir()}
        descriptor = json.loads(archive.read("datapackage.json"))
        official = json.loads((hsds_dir() / "3.0" / "datapackage.json").read_text())
        assert descriptor == official
        for path in sorted(source.glob("*.csv")):
            header, expected = _read_csv(path.read_text(encoding="utf-8"))
            out_header, got = _read_csv(archive.read(path.name).decode("utf-8"))
            table = by_path[path.name]
            assert out_header == header, path.name
            assert _table(table, got) == _table(table, expected), path.name


def test_the_official_tabular_json_imports_and_exports_back_equal() -> None:
    _import_cleanly(examples() / "tabular.json")
    source = load("tabular.json")
    specs = {spec.path: spec for spec in tables().values()}
    for path, expected in source.items():
        spec = specs[path]
        header = list(spec.fields)
        got = [dict(zip(header, cells, strict=True)) for cells in table_rows(spec)]
        assert _table(spec.name, got) == _table(spec.name, expected), path


# --- whole-directory round trips ----------------------------------------------------------------


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every HSDS value of every row (CareCircle's own columns left out)."""
    out = {}
    for name, spec in tables().items():
        attnames = [f.attname for f in spec.fields.values()]
        out[name] = sorted(spec.model._default_manager.values_list(*attnames), key=str)
    return out


def wipe() -> None:
    for model in MODELS.values():
        model._default_manager.all().delete()
    assert not any(snapshot().values())


def test_the_json_export_imports_back_to_the_same_rows(tmp_path: Path) -> None:
    for name in ("service_full.json", "organization_full.json"):
        _import_cleanly(examples() / name)
    before = snapshot()
    path = tmp_path / "services.json"
    path.write_bytes(b"".join(services_json_stream()))
    wipe()
    report = _import_cleanly(path)
    assert snapshot() == before
    again = _import_cleanly(path)
    assert not again.created
    assert not again.updated
    assert sum(again.unchanged.values()) == sum(report.created.values())


def test_the_datapackage_export_imports_back_to_the_same_rows(tmp_path: Path) -> None:
    _import_cleanly(examples() / "csv")
    _import_cleanly(examples() / "service_full.json")
    before = snapshot()
    package = tmp_path / "directory.zip"
    datapackage_write(package)
    wipe()
    _import_cleanly(package)
    assert snapshot() == before
    again = _import_cleanly(package)
    assert not again.created
    assert not again.updated


def test_capacities_travel_in_json_and_in_the_datapackage(tmp_path: Path) -> None:
    service = load("service_full.json")
    service["capacities"] = [
        {
            "id": "6a1e4a40-3f7e-4d7c-9c55-0d0e1f2a3b4c",
            "available": 3,
            "maximum": 10,
            "updated": "2024-05-01T09:30:00Z",
            "unit": {"id": "0b7c2f0e-5d43-4c1b-8a57-3a2d6f9e8c71", "name": "beds"},
        }
    ]
    report = hsds_import_data(service, file_name="service_full.json")
    assert report.ok, report.lines()
    assert report.created["service_capacity"] == 1
    assert report.created["unit"] == 1
    exported = s.service_dict(s.prefetch_service(m.Service.objects.all()).get(), public=False)
    assert_equal_hsds(service, exported, "service", "service_full.json")
    assert {spec.name for spec in export_tables()} >= {"unit", "service_capacity"}
    before = snapshot()
    package = tmp_path / "directory.zip"
    datapackage_write(package)
    wipe()
    _import_cleanly(package)
    assert snapshot() == before
