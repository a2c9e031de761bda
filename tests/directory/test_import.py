"""Importing HSDS 3.0: by id, idempotent, all or nothing, with a report naming file, row and
field of every problem."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from carecircle.cli import cli
from carecircle.directory import models as m
from carecircle.directory.hsds.importer import (
    MODELS,
    ImportReport,
    hsds_dir,
    hsds_import,
    hsds_import_data,
)

pytestmark = pytest.mark.django_db

SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
MISSING_ID = "00000000-0000-4000-8000-000000000001"


def examples() -> Path:
    return hsds_dir() / "3.0" / "examples"


def service_full() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((examples() / "service_full.json").read_text())
    return data


def everything() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every directory table, every column."""
    return {
        name: sorted(model._default_manager.values_list(), key=str)
        for name, model in MODELS.items()
    } | {"opening_interval": sorted(m.OpeningInterval.objects.values_list(), key=str)}


def counts() -> dict[str, int]:
    return {name: model._default_manager.count() for name, model in MODELS.items()}


def imported(data: Any, name: str = "service_full.json") -> ImportReport:
    report = hsds_import_data(data, file_name=name)
    assert report.ok, report.lines()
    return report


# --- by id, idempotent --------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing() -> None:
    first = hsds_import(examples() / "service_full.json")
    assert first.ok
    assert first.created["service"] == 1
    assert first.created["phone"] == 1
    before = everything()
    second = hsds_import(examples() / "service_full.json")
    assert second.ok
    assert not second.created
    assert not second.updated
    assert second.unchanged["service"] == 1
    assert everything() == before


def test_a_changed_field_updates_the_row_and_keeps_history() -> None:
    imported(service_full())
    data = service_full()
    data["name"] = "Community Counselling (evenings)"
    data["minimum_age"] = 16
    data["cost_options"][0]["amount"] = 40.5
    before = counts()
    report = imported(data)
    assert report.updated == {"service": 1, "cost_option": 1}
    service = m.Service.objects.get()
    assert service.name == "Community Counselling (evenings)"
    assert service.minimum_age == 16
    history = m.Metadata.objects.filter(updated_by="import:service_full.json")
    assert sorted(
        (h.resource_type, h.field_name, h.previous_value, h.replacement_value) for h in history
    ) == [
        ("cost_option", "amount", "35", "40.5"),
        ("service", "minimum_age", "12", "16"),
        ("service", "name", "Community Counselling", "Community Counselling (evenings)"),
    ]
    assert {h.last_action_type for h in history} == {"update"}
    assert {str(h.resource_id) for h in history if h.resource_type == "service"} == {SERVICE_ID}
    assert counts() == before | {"metadata": before["metadata"] + 3}
    # Again: nothing more to say.
    again = imported(data)
    assert not again.updated
    assert counts()["metadata"] == before["metadata"] + 3


def test_a_left_out_field_is_kept_and_null_clears_it() -> None:
    imported(service_full())
    data = service_full()
    del data["alert"]
    data["alternate_name"] = None
    report = imported(data)
    assert report.updated == {"service": 1}
    service = m.Service.objects.get()
    assert service.alert is not None
    assert service.alternate_name is None


def test_a_dry_run_checks_everything_and_writes_nothing() -> None:
    before = everything()
    report = hsds_import(examples() / "service_full.json", dry_run=True)
    assert report.ok
    assert report.created["service"] == 1
    assert "dry run, nothing written" in report.summary()
    assert everything() == before


def test_embedded_taxonomy_terms_are_imported_with_their_taxonomy() -> None:
    imported(service_full())
    attribute = m.Attribute.objects.select_related("taxonomy_term__taxonomy_detail").get()
    assert str(attribute.link_id) == SERVICE_ID
    assert attribute.taxonomy_term.name == "name"
    assert attribute.taxonomy_term.taxonomy_detail is not None
    assert str(attribute.taxonomy_term.taxonomy_detail.id) == "5c4d79d7-cc55-470e-9f1f-8cad074e4892"


def test_one_phone_nested_in_many_places_is_one_row_with_every_parent() -> None:
    imported(service_full())
    phone = m.Phone.objects.get()
    assert str(phone.service_id) == SERVICE_ID
    assert str(phone.location_id) == "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    assert str(phone.organization_id) == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert str(phone.contact_id) == "1e7efce3-639b-4880-940c-b95cd30cdb50"
    assert str(phone.service_at_location_id) == "e94c9f38-1e8f-4564-91d4-d53501ab1765"


def test_an_optional_reference_outside_the_data_is_kept_with_a_warning() -> None:
    report = imported(service_full())
    assert str(m.Organization.objects.get().parent_organization_id) == (
        "cd09a387-91f4-4555-94ec-e799c35344cd"
    )
    assert (
        "service_full.json: organization/parent_organization_id: organization "
        "cd09a387-91f4-4555-94ec-e799c35344cd is in neither this file nor the directory: "
        "kept as given"
    ) in [str(w) for w in report.warnings]


def test_the_search_document_is_rebuilt_after_an_import() -> None:
    imported(service_full())
    assert "Community Counselling" in m.Service.objects.get().search_document


# --- bad JSON -----------------------------------------------------------------------------------


def _fails(data: Any, name: str = "service_full.json") -> list[str]:
    before = everything()
    report = hsds_import_data(data, file_name=name)
    assert not report.ok
    assert everything() == before
    return report.lines()


def test_bad_json_values_are_named_by_their_path_and_nothing_is_written() -> None:
    imported(service_full())
    data = service_full()
    data["minimum_age"] = "twelve"
    data["phones"][0]["id"] = "not-a-uuid"
    data["status"] = "open"
    data["last_modified"] = "2023-03-15T10:30:45"
    data["service_at_locations"][0]["schedules"][0]["opens_at"] = "10 am"
    del data["service_at_locations"][0]["location"]["addresses"][0]["city"]
    assert _fails(data) == [
        "service_full.json: status: must be one of 'active', 'inactive', 'defunct', "
        "'temporarily closed', not 'open'",
        "service_full.json: minimum_age: must be a number, not a string",
        "service_full.json: last_modified: needs a time zone (e.g. Z or +02:00): "
        "'2023-03-15T10:30:45'",
        "service_full.json: phones/0/id: is not a UUID: 'not-a-uuid'",
        "service_full.json: service_at_locations/0/location/addresses/0/city: is required",
        "service_full.json: service_at_locations/0/schedules/0/opens_at: is not a time "
        "(HH:MM or HH:MM:SS): '10 am'",
    ]
    assert m.Service.objects.get().minimum_age == 12


def test_a_row_in_a_list_is_named_by_its_index() -> None:
    page = json.loads((examples() / "service_list.json").read_text())
    second = copy.deepcopy(page["contents"][0])
    second["id"] = "5b0c0b47-4c5c-4d0e-9f43-0a1f1c1d2e3f"
    second["name"] = 7
    page["contents"].append(second)
    assert _fails(page, "service_list.json") == [
        "service_list.json:1: name: must be a string, not a number"
    ]


def test_one_row_said_two_ways_in_one_file_is_an_error() -> None:
    data = service_full()
    data["organization"]["phones"][0]["number"] = "+1 555 0100"
    assert _fails(data) == [
        "service_full.json: organization/phones/0/number: phone "
        "1554f2e2-a373-45db-a3fa-9fc48a61c15e is also given at service_full.json at "
        "organization/contacts/0/phones/0 with number '\"+44 1234 234567\"', here '+1 555 0100'"
    ]


def test_a_required_reference_to_nothing_is_an_error() -> None:
    sal = {"id": "9f0b8a56-3c1e-4a44-9c3c-1e2d3f4a5b6c", "service_id": SERVICE_ID}
    sal["location_id"] = MISSING_ID
    assert _fails(sal, "service_at_location.json") == [
        f"service_at_location.json: service_id: no service with id {SERVICE_ID} in this file "
        "or the directory",
        f"service_at_location.json: location_id: no location with id {MISSING_ID} in this file "
        "or the directory",
    ]


def test_an_unreadable_json_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "service_full.json"
    path.write_text('{"id": "x",}')
    report = hsds_import(path)
    assert report.lines() == [
        "service_full.json: line 1 column 12: is not valid JSON: Expecting property name "
        "enclosed in double quotes"
    ]


def test_a_json_object_of_unknown_kind_is_an_error() -> None:
    assert _fails({"id": SERVICE_ID, "name": "x", "description": "y"}, "data.json") == [
        "data.json: cannot tell which HSDS object this is; name the file after it (location, "
        "organization, service, service_at_location, taxonomy, taxonomy_term) or give its kind"
    ]
    report = hsds_import_data(
        {"id": SERVICE_ID, "name": "x", "description": "y"}, file_name="data.json", kind="taxonomy"
    )
    assert report.ok
    assert report.created == {"taxonomy": 1}


# --- bad datapackages ---------------------------------------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the official CSV example, its datapackage.json a real file."""
    folder = tmp_path / "package"
    shutil.copytree(examples() / "csv", folder)
    (folder / "datapackage.json").write_text(
        (hsds_dir() / "3.0" / "datapackage.json").read_text(encoding="utf-8")
    )
    return folder


@pytest.fixture
def loaded() -> dict[str, list[tuple[Any, ...]]]:
    """The directory already holds the example rows a bad package would change."""
    imported(service_full())
    return everything()


def edit_csv(path: Path, edit: Any) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    edit(rows)
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def fails_and_changes_nothing(path: Path, before: dict[str, Any]) -> list[str]:
    report = hsds_import(path)
    assert not report.ok
    assert not report.created
    assert not report.updated
    assert everything() == before
    return report.lines()


def test_the_clean_package_imports(package: Path, loaded: dict[str, Any]) -> None:
    report = hsds_import(package)
    assert report.ok, report.lines()


def test_a_missing_required_column(package: Path, loaded: dict[str, Any]) -> None:
    def drop_name(rows: list[list[str]]) -> None:
        at = rows[0].index("name")
        for row in rows:
            del row[at]

    edit_csv(package / "organizations.csv", drop_name)
    assert fails_and_changes_nothing(package, loaded) == [
        "package/organizations.csv:1: name: required column is missing"
    ]


def test_a_bad_uuid_on_a_line(package: Path, loaded: dict[str, Any]) -> None:
    def add_rows(rows: list[list[str]]) -> None:
        fine = list(rows[1])
        fine[0] = "8d4f6a3e-2b1c-4e5d-9f8a-7b6c5d4e3f2a"
        fine[3] = "An evening group"
        bad = list(rows[1])
        bad[0] = "not-a-uuid"
        rows.extend([fine, bad])

    edit_csv(package / "services.csv", add_rows)
    assert fails_and_changes_nothing(package, loaded) == [
        "package/services.csv:4: id: is not a UUID: 'not-a-uuid'"
    ]


def test_a_reference_to_a_missing_organization(package: Path, loaded: dict[str, Any]) -> None:
    def point_elsewhere(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("organization_id")] = MISSING_ID

    edit_csv(package / "services.csv", point_elsewhere)
    assert fails_and_changes_nothing(package, loaded) == [
        f"package/services.csv:2: organization_id: no organization with id {MISSING_ID} in "
        "this file or the directory"
    ]


def test_a_number_that_is_not_one(package: Path, loaded: dict[str, Any]) -> None:
    def wrong(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("latitude")] = "north"

    edit_csv(package / "locations.csv", wrong)
    assert fails_and_changes_nothing(package, loaded) == [
        "package/locations.csv:2: latitude: is not a number: 'north'"
    ]


def test_a_column_the_package_declares_stricter(package: Path, loaded: dict[str, Any]) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text())
    (services,) = [r for r in descriptor["resources"] if r["name"] == "service"]
    (age,) = [f for f in services["schema"]["fields"] if f["name"] == "minimum_age"]
    age["type"] = "integer"
    (package / "datapackage.json").write_text(json.dumps(descriptor))

    def half(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("minimum_age")] = "12.5"

    edit_csv(package / "services.csv", half)
    assert fails_and_changes_nothing(package, loaded) == [
        "package/services.csv:2: minimum_age: is not a whole number: '12.5'"
    ]


def test_an_unknown_table(package: Path, loaded: dict[str, Any]) -> None:
    (package / "widgets.csv").write_text("id,name\n5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d,x\n")
    assert fails_and_changes_nothing(package, loaded) == [
        "package/widgets.csv: unknown table: datapackage.json does not describe it"
    ]
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "widget", "path": "widgets.csv"})
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    assert fails_and_changes_nothing(package, loaded) == [
        "package/datapackage.json: resources/21/name: unknown table 'widget': CareCircle reads "
        "the HSDS 3.0 tables and 3.1's unit and service_capacity"
    ]


def test_an_unknown_column_and_a_short_row(package: Path, loaded: dict[str, Any]) -> None:
    def extend(rows: list[list[str]]) -> None:
        rows[0].append("colour")
        rows[1].append("blue")
        rows.append(rows[1][:3])

    edit_csv(package / "phones.csv", extend)
    assert fails_and_changes_nothing(package, loaded) == [
        "package/phones.csv:1: colour: unknown column: phone has no such field",
        "package/phones.csv:3: has 3 cells but the header has 11 columns",
    ]


def test_a_malformed_zipped_package(package: Path, loaded: dict[str, Any], tmp_path: Path) -> None:
    def empty_required(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("address_1")] = ""

    edit_csv(package / "addresses.csv", empty_required)
    archive = tmp_path / "riverbend.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in package.iterdir():
            out.write(path, f"riverbend/{path.name}")  # a zipped folder
    assert fails_and_changes_nothing(archive, loaded) == [
        "riverbend.zip/addresses.csv:2: address_1: is required"
    ]


# --- the command --------------------------------------------------------------------------------


def test_the_import_command_reports_and_imports() -> None:
    result = CliRunner().invoke(cli, ["directory", "import", str(examples() / "service_full.json")])
    assert result.exit_code == 0, result.output
    assert "service_full.json: imported." in result.stdout
    assert "service: 1 new" in result.stdout
    assert m.Service.objects.count() == 1


def test_the_import_command_dry_run_writes_nothing() -> None:
    args = ["directory", "import", "--dry-run", str(examples() / "csv")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.stdout
    assert m.Service.objects.count() == 0


def test_the_import_command_lists_each_problem_and_exits_1(package: Path) -> None:
    def wrong(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("latitude")] = "north"

    edit_csv(package / "locations.csv", wrong)
    result = CliRunner().invoke(cli, ["directory", "import", str(package)])
    assert result.exit_code == 1
    assert "package/locations.csv:2: latitude: is not a number: 'north'\n" in result.stderr
    assert "package: 1 problem(s); nothing was imported." in result.stderr
    assert m.Location.objects.count() == 0
