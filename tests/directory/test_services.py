"""Directory writes: who may change a listing, what the history keeps, and the derived tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from carecircle.directory import models as m
from carecircle.directory import services
from carecircle.directory.schedules import Interval, is_open_at
from carecircle.partners.models import Role
from tests.directory.listing_fixtures import Listings, listings, riverbend

__all__ = ["listings", "riverbend"]

pytestmark = pytest.mark.django_db


def history(obj: object) -> list[tuple[str, str, str, str, str]]:
    rows = m.Metadata.objects.filter(resource_id=obj.pk).order_by(  # type: ignore[attr-defined]
        "last_action_date", "field_name"
    )
    return [
        (r.last_action_type, r.field_name, r.previous_value, r.replacement_value, r.updated_by)
        for r in rows
    ]


def snapshot() -> tuple[int, int, int, int]:
    return (
        m.Metadata.objects.count(),
        m.ServiceCapacity.objects.count(),
        m.Unit.objects.count(),
        m.Service.objects.count(),
    )


# --- listing_update ----------------------------------------------------------------------------


def test_listing_update_keeps_one_history_row_per_changed_field(listings: Listings) -> None:
    bridge = listings.bridge
    before = len(history(bridge))
    with time_machine.travel(datetime(2027, 3, 2, 15, 0, tzinfo=UTC), tick=False):
        services.listing_update(
            actor=listings.actor("erin"),
            obj=bridge,
            changes={
                "name": "ED bridge clinic",  # unchanged: no row
                "fees_description": "Free",
                "status": "temporarily closed",
                "alert": "  Closed for renovation until Monday.  ",
            },
        )
    bridge.refresh_from_db()
    assert bridge.status == "temporarily closed"
    assert bridge.alert == "Closed for renovation until Monday."
    assert bridge.last_modified == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
    rows = m.Metadata.objects.filter(resource_id=bridge.pk, last_action_type="update")
    assert {(r.field_name, r.previous_value, r.replacement_value) for r in rows} == {
        ("fees_description", "", "Free"),
        ("status", "active", "temporarily closed"),
        ("alert", "", "Closed for renovation until Monday."),
    }
    assert {r.updated_by for r in rows} == {listings.town.users["erin"].username}
    assert {r.resource_type for r in rows} == {"service"}
    assert {r.last_action_date for r in rows} == {"2027-03-02T15:00:00.000000Z"}
    assert len(history(bridge)) == before + 3


def test_a_coordinator_of_the_partner_can_edit_too(listings: Listings) -> None:
    services.listing_update(
        actor=listings.actor("cora"), obj=listings.kits, changes={"fees_description": "Free"}
    )
    listings.kits.refresh_from_db()
    assert listings.kits.fees_description == "Free"


def test_unchanged_values_write_nothing(listings: Listings) -> None:
    before = snapshot()
    services.listing_update(
        actor=listings.actor("erin"), obj=listings.bridge, changes={"name": " ED bridge clinic "}
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("cora", "a coordinator of another partner"),
        ("alice", "a clinician of the same partner"),
        ("dana", "an analyst"),
    ],
)
def test_someone_else_cannot_update_a_listing(
    listings: Listings, username: str, reason: str
) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.listing_update(
            actor=listings.actor(username), obj=listings.bridge, changes={"name": "Hijacked"}
        )
    listings.bridge.refresh_from_db()
    assert listings.bridge.name == "ED bridge clinic", reason
    assert snapshot() == before


def test_an_admin_of_an_unlinked_organization_cannot_edit(listings: Listings) -> None:
    orphan = m.Organization.objects.create(name="Unlinked", description="No partner")
    service = m.Service.objects.create(organization=orphan, name="Orphan service")
    with pytest.raises(PermissionDenied):
        services.listing_update(actor=listings.actor("erin"), obj=service, changes={"name": "x"})
    with pytest.raises(PermissionDenied):
        services.listing_verify(actor=listings.actor("erin"), service=service)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 501}, "name"),
        ({"status": "open"}, "status"),
        ({"email": "not an address"}, "email"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"minimum_age": -1}, "minimum_age"),
        ({"minimum_age": "twelve"}, "minimum_age"),
        ({"minimum_age": 30, "maximum_age": 18}, "maximum_age"),
        ({"assured_date": "yesterday"}, "assured_date"),
        ({"last_verified_at": "2020-01-01"}, "last_verified_at"),
        ({"organization": None}, "organization"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    listings: Listings, changes: dict[str, object], field: str
) -> None:
    before = snapshot()
    # A good change beside the bad one is not written either.
    with pytest.raises(ValidationError) as caught:
        services.listing_update(
            actor=listings.actor("erin"),
            obj=listings.bridge,
            changes={"fees_description": "Free", **changes},
        )
    assert field in caught.value.message_dict
    listings.bridge.refresh_from_db()
    assert listings.bridge.fees_description is None
    assert snapshot() == before


def test_a_location_time_zone_change_moves_its_opening_hours(listings: Listings) -> None:
    m.Schedule.objects.create(
        service=listings.bridge, freq="DAILY", opens_at="08:00", closes_at="09:00"
    )
    services.opening_intervals_rebuild(services=[listings.bridge])
    eight_thirty_chicago = datetime(2026, 1, 15, 14, 30, tzinfo=UTC)
    assert _open(listings.bridge, eight_thirty_chicago)

    services.listing_update(
        actor=listings.actor("erin"),
        obj=listings.hospital,
        changes={"time_zone": "America/Toronto"},
    )
    assert not _open(listings.bridge, eight_thirty_chicago)
    assert _open(listings.bridge, eight_thirty_chicago - timedelta(hours=1))
    assert history(listings.hospital) == [
        ("update", "time_zone", "America/Chicago", "America/Toronto", "erin")
    ]
    with pytest.raises(ValidationError) as caught:
        services.listing_update(
            actor=listings.actor("erin"), obj=listings.hospital, changes={"time_zone": "Mars/Base"}
        )
    assert "time_zone" in caught.value.message_dict


def test_renaming_an_organization_updates_its_services_search_text(listings: Listings) -> None:
    services.listing_update(
        actor=listings.actor("erin"), obj=listings.ed, changes={"name": "Riverbend Health"}
    )
    listings.bridge.refresh_from_db()
    assert "Riverbend Health" in listings.bridge.search_document
    assert "Riverbend General\n" not in listings.bridge.search_document


# --- service_create ----------------------------------------------------------------------------


def test_service_create_starts_verified_with_a_history(listings: Listings) -> None:
    bridge = listings.bridge
    assert bridge.last_verified_at is not None
    assert bridge.last_verified_by_id == listings.town.users["erin"].pk
    assert ("create", "name", "", "ED bridge clinic", "erin") in history(bridge)
    assert m.ServiceAtLocation.objects.filter(service=bridge, location=listings.hospital).exists()
    assert m.Attribute.objects.filter(link_id=bridge.pk, taxonomy_term__code="bup-same-day")


def test_someone_else_cannot_create_a_service_for_a_partner(listings: Listings) -> None:
    before = snapshot()
    for username in ("cora", "alice"):
        with pytest.raises(PermissionDenied):
            services.service_create(
                actor=listings.actor(username), organization=listings.ed, name="Fake"
            )
    assert snapshot() == before


def test_service_create_refuses_another_organizations_location(listings: Listings) -> None:
    elsewhere = m.Location.objects.create(organization=listings.public_health, name="Other")
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.service_create(
            actor=listings.actor("erin"), organization=listings.ed, name="X", locations=[elsewhere]
        )
    assert "locations" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.service_create(
            actor=listings.actor("erin"), organization=listings.ed, name="  ", status="maybe"
        )
    assert set(caught.value.message_dict) == {"name", "status"}
    assert snapshot() == before


# --- capacity ----------------------------------------------------------------------------------


def test_capacity_update_creates_and_updates_one_row_per_unit(listings: Listings) -> None:
    erin = listings.actor("erin")
    slots = listings.slots
    assert (slots.available, slots.maximum, slots.unit.name) == (3, 6, "same-day slots")
    assert ("create", "available", "", "3", "erin") in history(slots)

    with time_machine.travel(datetime(2027, 3, 2, 15, 0, tzinfo=UTC), tick=False):
        again = services.capacity_update(
            actor=erin, service=listings.bridge, unit_name="Same-Day  Slots", available=1
        )
    assert again.pk == slots.pk
    assert (again.available, again.maximum) == (1, 6)  # the maximum is kept
    assert again.updated == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)
    assert m.Unit.objects.filter(name__iexact="same-day slots").count() == 1
    assert history(slots)[-1] == ("update", "available", "3", "1", "erin")
    listings.bridge.refresh_from_db()
    assert listings.bridge.last_modified == datetime(2027, 3, 2, 15, 0, tzinfo=UTC)

    beds = services.capacity_update(
        actor=erin, service=listings.bridge, unit_name="beds", available=0, maximum=4
    )
    assert beds.pk != slots.pk
    assert listings.bridge.capacities.count() == 2


def test_saying_the_same_number_again_moves_updated_but_writes_no_history(
    listings: Listings,
) -> None:
    rows = len(history(listings.slots))
    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC), tick=False):
        same = services.capacity_update(
            actor=listings.actor("erin"),
            service=listings.bridge,
            unit_name="same-day slots",
            available=3,
        )
    assert same.updated == datetime(2027, 5, 1, tzinfo=UTC)
    assert len(history(listings.slots)) == rows


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"available": -1}, "available"),
        ({"available": float("nan")}, "available"),
        ({"available": "lots"}, "available"),
        ({"available": 7}, "available"),  # more than the maximum of 6
        ({"available": 1, "maximum": -2}, "maximum"),
        ({"available": 1, "unit_name": "  "}, "unit_name"),
        ({"available": 1, "unit_name": "x" * 101}, "unit_name"),
    ],
)
def test_bad_capacity_names_the_field_and_writes_nothing(
    listings: Listings, kwargs: dict[str, object], field: str
) -> None:
    before = snapshot()
    arguments: dict[str, object] = {"unit_name": "same-day slots", **kwargs}
    with pytest.raises(ValidationError) as caught:
        services.capacity_update(
            actor=listings.actor("erin"),
            service=listings.bridge,
            **arguments,  # type: ignore[arg-type]
        )
    assert field in caught.value.message_dict
    listings.slots.refresh_from_db()
    assert listings.slots.available == 3
    assert snapshot() == before


def test_someone_else_cannot_update_capacity(listings: Listings) -> None:
    before = snapshot()
    for username in ("cora", "alice", "pat"):
        with pytest.raises(PermissionDenied):
            services.capacity_update(
                actor=listings.actor(username),
                service=listings.bridge,
                unit_name="same-day slots",
                available=0,
            )
        with pytest.raises(PermissionDenied):
            services.capacity_adjust(
                actor=listings.actor(username), capacity=listings.slots, delta=-1
            )
    listings.slots.refresh_from_db()
    assert listings.slots.available == 3
    assert snapshot() == before


def test_capacity_adjust_counts_from_the_stored_value(listings: Listings) -> None:
    erin = listings.actor("erin")
    stale = m.ServiceCapacity.objects.get(pk=listings.slots.pk)
    services.capacity_adjust(actor=erin, capacity=listings.slots, delta=-1)
    # Another tap from a page loaded before the first one still counts from 2, not 3.
    services.capacity_adjust(actor=erin, capacity=stale, delta=-1)
    listings.slots.refresh_from_db()
    assert listings.slots.available == 1
    with pytest.raises(ValidationError):
        services.capacity_adjust(actor=erin, capacity=listings.slots, delta=+6)
    with pytest.raises(ValidationError):
        services.capacity_adjust(actor=erin, capacity=listings.slots, delta=-2)
    listings.slots.refresh_from_db()
    assert listings.slots.available == 1


# --- verification ------------------------------------------------------------------------------


def test_listing_verify_records_who_and_when(listings: Listings) -> None:
    when = datetime(2027, 9, 1, 12, 0, tzinfo=UTC)
    m.VerificationReminder.objects.create(service=listings.bridge, reminded_at=when)
    previous = listings.bridge.last_verified_at
    with time_machine.travel(when, tick=False):
        services.listing_verify(actor=listings.actor("erin"), service=listings.bridge)
    listings.bridge.refresh_from_db()
    assert listings.bridge.last_verified_at == when
    assert listings.bridge.last_verified_by_id == listings.town.users["erin"].pk
    assert history(listings.bridge)[-1] == (
        "verify",
        "last_verified_at",
        services.action_date(previous),  # type: ignore[arg-type]
        "2027-09-01T12:00:00.000000Z",
        "erin",
    )
    assert not m.VerificationReminder.objects.filter(service=listings.bridge).exists()


def test_someone_else_cannot_verify(listings: Listings) -> None:
    before = listings.bridge.last_verified_at
    for username in ("cora", "alice"):
        with pytest.raises(PermissionDenied):
            services.listing_verify(actor=listings.actor(username), service=listings.bridge)
    listings.bridge.refresh_from_db()
    assert listings.bridge.last_verified_at == before


# --- opening intervals -------------------------------------------------------------------------


def _intervals(service: m.Service) -> dict[str | None, list[Interval]]:
    found: dict[str | None, list[Interval]] = {}
    for row in m.OpeningInterval.objects.filter(service=service).order_by("start_minute"):
        key = row.location.name if row.location is not None else None
        found.setdefault(key, []).append(
            Interval(row.start_minute, row.end_minute, row.valid_from, row.valid_to)
        )
    return found


def _open(service: m.Service, moment: datetime) -> bool:
    return any(
        is_open_at(
            [Interval(r.start_minute, r.end_minute, r.valid_from, r.valid_to)], moment, r.time_zone
        )
        for r in m.OpeningInterval.objects.filter(service=service)
    )


def test_service_hours_apply_at_each_location_in_its_own_zone(listings: Listings) -> None:
    bridge = listings.bridge
    toronto = m.Location.objects.create(
        organization=listings.ed, name="Toronto satellite", time_zone="America/Toronto"
    )
    m.ServiceAtLocation.objects.create(service=bridge, location=toronto)
    m.Schedule.objects.create(
        service=bridge, freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00"
    )
    written = services.opening_intervals_rebuild(services=[bridge])
    assert written == 10
    rows = m.OpeningInterval.objects.filter(service=bridge)
    assert {(r.location and r.location.name, r.time_zone) for r in rows} == {
        ("Riverbend General, main site", "America/Chicago"),
        ("Toronto satellite", "America/Toronto"),
    }
    # Monday 2026-01-05 at 15:30 UTC: 09:30 in Chicago, 10:30 in Toronto; 22:30 UTC: closed.
    assert _open(bridge, datetime(2026, 1, 5, 15, 30, tzinfo=UTC))
    assert not _open(bridge, datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    # Rebuilding replaces, it does not add.
    assert services.opening_intervals_rebuild(services=[bridge]) == 10
    assert m.OpeningInterval.objects.filter(service=bridge).count() == 10


def test_the_most_specific_schedule_wins_at_a_location(listings: Listings) -> None:
    bridge = listings.bridge
    here = m.ServiceAtLocation.objects.get(service=bridge, location=listings.hospital)
    satellite = m.Location.objects.create(
        organization=listings.ed, name="Satellite", time_zone="America/Chicago"
    )
    m.ServiceAtLocation.objects.create(service=bridge, location=satellite)
    m.Schedule.objects.create(service=bridge, freq="DAILY", opens_at="00:00", closes_at="24:00")
    m.Schedule.objects.create(
        service_at_location=here, freq="WEEKLY", byday="TU", opens_at="10:00", closes_at="12:00"
    )
    services.opening_intervals_rebuild(services=[bridge])
    found = _intervals(bridge)
    tuesday = 1440
    assert found["Riverbend General, main site"] == [Interval(tuesday + 600, tuesday + 720)]
    assert found["Satellite"] == [Interval(0, 10080)]


def test_location_hours_are_used_when_the_service_has_none(listings: Listings) -> None:
    m.Schedule.objects.create(
        location=listings.hospital, freq="WEEKLY", byday="SA", opens_at="22:00", closes_at="02:00"
    )
    services.opening_intervals_rebuild(services=[listings.bridge])
    saturday, sunday = 5 * 1440, 6 * 1440
    assert _intervals(listings.bridge) == {
        # Cut at midnight, then joined again: both pieces have the same (open) dates.
        "Riverbend General, main site": [Interval(saturday + 1320, sunday + 120)]
    }


def test_a_service_without_a_location_reads_its_hours_in_its_partners_zone(
    listings: Listings,
) -> None:
    line = services.service_create(
        actor=listings.actor("erin"), organization=listings.ed, name="Phone line"
    )
    m.Schedule.objects.create(service=line, freq="DAILY", opens_at="08:00", closes_at="20:00")
    services.opening_intervals_rebuild(services=[line])
    rows = list(m.OpeningInterval.objects.filter(service=line))
    assert {(r.location_id, r.time_zone) for r in rows} == {(None, "America/Chicago")}


def test_unreadable_schedules_are_left_out_not_fatal(listings: Listings) -> None:
    m.Schedule.objects.create(service=listings.bridge, freq="YEARLY", opens_at="9", closes_at="x")
    m.Schedule.objects.create(
        service=listings.bridge, freq="WEEKLY", byday="MO", opens_at="09:00", closes_at="10:00"
    )
    assert services.opening_intervals_rebuild(services=[listings.bridge]) == 1


def test_dated_schedules_are_unfolded_and_found_for_the_nightly_refresh(
    listings: Listings,
) -> None:
    m.Schedule.objects.create(
        service=listings.bridge, freq="MONTHLY", byday="1MO", opens_at="09:00", closes_at="12:00"
    )
    m.Schedule.objects.create(
        location=listings.hospital, freq="WEEKLY", byday="MO", opens_at="09:00", closes_at="12:00"
    )
    services.opening_intervals_rebuild(services=[listings.bridge], today=date(2026, 1, 1))
    dates = sorted(
        r.valid_from or date.min for r in m.OpeningInterval.objects.filter(service=listings.bridge)
    )
    assert dates == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]
    assert services.dated_schedule_service_ids() == {listings.bridge.pk}


def test_rebuilding_everything_walks_all_services(listings: Listings) -> None:
    m.Schedule.objects.create(
        service=listings.kits, freq="DAILY", opens_at="09:00", closes_at="17:00"
    )
    assert services.opening_intervals_rebuild() == 7


# --- search document ---------------------------------------------------------------------------


def test_the_search_document_holds_names_organization_and_terms_in_every_language(
    listings: Listings,
) -> None:
    document = listings.bridge.search_document
    for words in (
        "ED bridge clinic",
        "Start buprenorphine today",
        "Riverbend General",
        "Buprenorphine start (same day)",
    ):
        assert words in document
    with translation.override("fr"):
        from carecircle.directory.taxonomy import term_label

        assert term_label("bup-same-day") in document


def test_search_document_rebuild_reports_only_changes(listings: Listings) -> None:
    assert services.search_document_rebuild() == 0
    m.Service.objects.filter(pk=listings.kits.pk).update(search_document="")
    assert services.search_document_rebuild() == 1


def test_roles_that_edit_are_exactly_admins_and_coordinators() -> None:
    from carecircle.directory.selectors import EDITOR_ROLES

    assert {Role.ORG_ADMIN, Role.COORDINATOR} == EDITOR_ROLES
