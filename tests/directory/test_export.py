"""Exporting HSDS 3.0: a streamed JSON array of every service and a CSV datapackage; what
public exports leave out."""

from __future__ import annotations

import csv
import gc
import io
import json
import tracemalloc
import types
import uuid
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from carecircle.cli import cli
from carecircle.directory import models as m
from carecircle.directory.hsds.datapackage import datapackage_write
from carecircle.directory.hsds.exporter import hsds_export, services_json_stream
from carecircle.directory.hsds.importer import hsds_dir, hsds_import

pytestmark = pytest.mark.django_db

SECRET_STREET = "12 Quiet Lane"


def make_services(count: int, organization: m.Organization, location: m.Location) -> None:
    """``count`` services, each at ``location`` with a phone and weekly hours."""
    services = [
        m.Service(id=uuid.uuid4(), organization=organization, name=f"Service {i}", status="active")
        for i in range(count)
    ]
    m.Service.objects.bulk_create(services)
    sals = [m.ServiceAtLocation(id=uuid.uuid4(), service=s, location=location) for s in services]
    m.ServiceAtLocation.objects.bulk_create(sals)
    m.Phone.objects.bulk_create(
        m.Phone(id=uuid.uuid4(), service=s, number=f"+1 613 555 {i:04d}")
        for i, s in enumerate(services)
    )
    m.Schedule.objects.bulk_create(
        m.Schedule(
            id=uuid.uuid4(),
            service=s,
            freq="WEEKLY",
            byday="MO,TU",
            opens_at="09:00",
            closes_at="17:00",
        )
        for s in services
    )


@pytest.fixture
def place() -> tuple[m.Organization, m.Location]:
    organization = m.Organization.objects.create(name="Riverbend Health", description="Clinics")
    location = m.Location.objects.create(organization=organization, name="Main clinic")
    return organization, location


@pytest.fixture
def shelter() -> m.Location:
    """A confidential location (a shelter for survivors of violence) with one service."""
    organization = m.Organization.objects.create(name="Safe Harbour", description="Shelter")
    location = m.Location.objects.create(
        organization=organization,
        name="Safe Harbour house",
        is_confidential=True,
        latitude=45.42,
        longitude=-75.69,
        transportation="Bus 7 to Quiet Lane",
    )
    m.Address.objects.create(
        location=location,
        address_1=SECRET_STREET,
        city="Riverbend",
        state_province="ON",
        postal_code="K1A 0B1",
        country="CA",
        address_type="physical",
    )
    m.Phone.objects.create(location=location, number="+1 613 555 0199")
    m.Metadata.objects.create(
        resource_id=location.id,
        resource_type="location",
        last_action_date="2024-01-01T00:00:00.000000Z",
        last_action_type="update",
        field_name="latitude",
        previous_value="45.41",
        replacement_value="45.42",
        updated_by="cora",
    )
    service = m.Service.objects.create(organization=organization, name="Emergency beds")
    m.ServiceAtLocation.objects.create(service=service, location=location)
    return location


# --- the JSON stream ----------------------------------------------------------------------------


def test_the_json_export_is_a_stream_of_every_service(
    place: tuple[m.Organization, m.Location],
) -> None:
    make_services(7, *place)
    stream = services_json_stream(chunk_size=3, buffer_size=1)
    assert isinstance(stream, types.GeneratorType)
    chunks = list(stream)
    assert len(chunks) > 7  # written object by object, not built whole
    services = json.loads(b"".join(chunks))
    assert len(services) == 7
    assert {s["name"] for s in services} == {f"Service {i}" for i in range(7)}
    assert all(s["organization"]["name"] == "Riverbend Health" for s in services)
    assert all(len(s["service_at_locations"]) == 1 for s in services)


def test_an_empty_directory_exports_an_empty_array() -> None:
    assert json.loads(b"".join(services_json_stream())) == []


def _peak(chunk_size: int) -> int:
    """The most memory the export held at once."""
    gc.collect()
    gc.freeze()  # the export's collections then skip the test runner's own objects: quicker
    tracemalloc.start()
    try:
        for _chunk in services_json_stream(chunk_size=chunk_size):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.unfreeze()


def test_the_json_export_streams_in_constant_memory(
    place: tuple[m.Organization, m.Location],
) -> None:
    # Small numbers keep it quick (tracing allocations is slow), and so the chunks are small:
    # 2 chunks against 20.
    make_services(20, *place)
    _peak(10)  # warm up: imports, caches, compiled queries
    small = _peak(10)
    make_services(180, *place)
    large = _peak(10)
    # Ten times the services; the memory held at once stays a chunk or two's worth.
    assert large < 1.3 * small, (small, large)


# --- what a public export leaves out ------------------------------------------------------------


def test_an_operator_export_keeps_a_confidential_address(shelter: m.Location) -> None:
    text = b"".join(services_json_stream()).decode()
    assert SECRET_STREET in text


def test_a_public_json_export_hides_a_confidential_location(shelter: m.Location) -> None:
    text = b"".join(services_json_stream(public=True)).decode()
    assert SECRET_STREET not in text
    assert "45.42" not in text
    assert "Quiet Lane" not in text
    service = json.loads(text)[0]
    location = service["service_at_locations"][0]["location"]
    assert location["name"] == "Safe Harbour house"
    assert location["phones"][0]["number"] == "+1 613 555 0199"


def _tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode(), newline="")))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_a_public_datapackage_hides_a_confidential_location(shelter: m.Location) -> None:
    private, public = io.BytesIO(), io.BytesIO()
    datapackage_write(private)
    datapackage_write(public, public=True)
    kept, hidden = _tables(private.getvalue()), _tables(public.getvalue())
    assert [a["address_1"] for a in kept["addresses.csv"]] == [SECRET_STREET]
    assert hidden["addresses.csv"] == []
    assert len(kept["metadata.csv"]) == 1
    assert hidden["metadata.csv"] == []
    (location,) = hidden["locations.csv"]
    assert location["name"] == "Safe Harbour house"
    assert location["latitude"] == location["longitude"] == location["transportation"] == ""
    assert [p["number"] for p in hidden["phones.csv"]] == ["+1 613 555 0199"]
    assert SECRET_STREET.encode() not in public.getvalue()


# --- the command --------------------------------------------------------------------------------


def test_the_export_command_writes_json_and_a_datapackage(tmp_path: Path) -> None:
    assert hsds_import(hsds_dir() / "3.0" / "examples" / "service_full.json").ok
    out = tmp_path / "services.json"
    result = CliRunner().invoke(cli, ["directory", "export", "--format", "json", "--output", out])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 service(s)" in result.stdout
    assert json.loads(out.read_text())[0]["name"] == "Community Counselling"
    package = tmp_path / "directory.zip"
    args = ["directory", "export", "--format", "datapackage", "--output", str(package)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "services.csv" in zipfile.ZipFile(package).namelist()


def test_the_export_command_public_flag(shelter: m.Location, tmp_path: Path) -> None:
    out = tmp_path / "public.json"
    args = ["directory", "export", "--output", str(out), "--public"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert SECRET_STREET not in out.read_text()


def test_export_to_standard_output() -> None:
    result = CliRunner().invoke(cli, ["directory", "export", "--output", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_export_rejects_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format must be one of json, datapackage"):
        hsds_export(fmt="xml", output=tmp_path / "x")
