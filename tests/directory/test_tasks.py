"""The daily reminder to verify listings, travelling through time instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from carecircle.directory import models as m
from carecircle.directory import services, tasks
from carecircle.notifications.models import Notification, NotificationKind
from carecircle.partners.models import Role
from carecircle.partners.services import membership_end
from tests.directory.listing_fixtures import Listings, listings, riverbend

__all__ = ["listings", "riverbend"]

pytestmark = pytest.mark.django_db

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty_huey() -> Iterator[None]:
    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


@pytest.fixture
def verified(listings: Listings) -> Listings:
    """Both listings verified at START, and nothing else in the directory."""
    with time_machine.travel(START, tick=False):
        services.listing_verify(actor=listings.actor("erin"), service=listings.bridge)
        services.listing_verify(actor=listings.actor("cora"), service=listings.kits)
    return listings


def run_on(day: datetime) -> int:
    with time_machine.travel(day, tick=False):
        return int(tasks.remind_unverified_listings.call_local())


def reminders() -> list[tuple[str, str, str]]:
    return [
        (n.recipient.username, n.kind, n.link)
        for n in Notification.objects.select_related("recipient").order_by("pk")
    ]


def edit_link(service: m.Service) -> str:
    return reverse("directory_partner:service_edit", args=[service.pk])


def test_a_listing_unverified_for_180_days_reminds_its_partners_admins(verified: Listings) -> None:
    assert run_on(START + timedelta(days=179)) == 0
    assert reminders() == []

    mail.outbox.clear()
    sent = run_on(START + timedelta(days=181))

    # One notification to each partner organization's admins: the ED has Erin; public health
    # has no admin (Cora is a coordinator), so its listing waits until it has one.
    assert sent == 1
    assert reminders() == [
        ("erin", NotificationKind.LISTING_UNVERIFIED, edit_link(verified.bridge))
    ]
    reminder = m.VerificationReminder.objects.get()
    assert reminder.service_id == verified.bridge.pk
    assert reminder.reminded_at == START + timedelta(days=181)
    assert not m.VerificationReminder.objects.filter(service=verified.kits).exists()


def test_at_most_one_reminder_per_listing_every_30_days(verified: Listings) -> None:
    first = START + timedelta(days=181)
    assert run_on(first) == 1
    assert run_on(first + timedelta(hours=1)) == 0
    assert run_on(first + timedelta(days=29)) == 0
    assert run_on(first + timedelta(days=30)) == 1
    assert len(reminders()) == 2


def test_verifying_stops_the_reminders(verified: Listings) -> None:
    first = START + timedelta(days=181)
    assert run_on(first) == 1
    with time_machine.travel(first + timedelta(days=2), tick=False):
        services.listing_verify(actor=verified.actor("erin"), service=verified.bridge)
    assert run_on(first + timedelta(days=40)) == 0
    assert run_on(first + timedelta(days=2 + 181)) == 1


def test_a_never_verified_listing_counts_from_its_last_change(listings: Listings) -> None:
    with time_machine.travel(START, tick=False):
        m.Service.objects.filter(pk=listings.bridge.pk).update(
            last_verified_at=None, last_verified_by=None, last_modified=START
        )
        m.Service.objects.filter(pk=listings.kits.pk).update(last_verified_at=START)
    assert run_on(START + timedelta(days=179)) == 0
    assert run_on(START + timedelta(days=181)) == 1
    m.VerificationReminder.objects.all().delete()
    # An undated listing nobody ever vouched for is due at once.
    m.Service.objects.filter(pk=listings.bridge.pk).update(last_modified=None)
    assert run_on(START) == 1


def test_several_due_listings_make_one_notification_to_the_listings_page(
    verified: Listings,
) -> None:
    with time_machine.travel(START, tick=False):
        second = services.service_create(
            actor=verified.actor("erin"), organization=verified.ed, name="Naloxone at triage"
        )
    second_admin = verified.town.member("ed_admin2", "ed", Role.ORG_ADMIN)
    assert run_on(START + timedelta(days=200)) == 1
    listings_page = reverse("directory_partner:listings")
    assert sorted(reminders()) == [
        (second_admin.username, NotificationKind.LISTING_UNVERIFIED, listings_page),
        ("erin", NotificationKind.LISTING_UNVERIFIED, listings_page),
    ]
    assert set(m.VerificationReminder.objects.values_list("service_id", flat=True)) == {
        verified.bridge.pk,
        second.pk,
    }


def test_closed_for_good_and_unlinked_listings_are_not_chased(verified: Listings) -> None:
    m.Service.objects.filter(pk=verified.bridge.pk).update(status="defunct")
    unlinked = m.Organization.objects.create(name="Unlinked", description="No partner")
    m.Service.objects.create(organization=unlinked, name="Old listing")
    assert run_on(START + timedelta(days=400)) == 0


def test_a_partner_without_an_active_admin_is_tried_again_later(verified: Listings) -> None:
    membership_end(membership=verified.town.memberships["erin"])
    assert run_on(START + timedelta(days=181)) == 0
    assert not m.VerificationReminder.objects.exists()
    verified.town.member("erin2", "ed", Role.ORG_ADMIN)
    assert run_on(START + timedelta(days=182)) == 1


def test_the_nightly_refresh_moves_the_window_of_dated_hours(listings: Listings) -> None:
    m.Schedule.objects.create(
        service=listings.bridge, freq="MONTHLY", byday="1MO", opens_at="09:00", closes_at="12:00"
    )
    with time_machine.travel(datetime(2027, 1, 1, 7, tzinfo=UTC), tick=False):
        tasks.refresh_dated_opening_hours.call_local()
    first = {
        r.valid_from or date.max for r in m.OpeningInterval.objects.filter(service=listings.bridge)
    }
    assert min(first) == date(2027, 1, 4)
    with time_machine.travel(datetime(2027, 6, 1, 7, tzinfo=UTC), tick=False):
        tasks.refresh_dated_opening_hours.call_local()
    later = {
        r.valid_from or date.max for r in m.OpeningInterval.objects.filter(service=listings.bridge)
    }
    assert min(later) == date(2027, 6, 7)
