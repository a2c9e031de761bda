"""Partner pages for keeping listings true: it works for the listing's maintainers, and
someone else cannot, page by page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.directory import models as m
from carecircle.directory import services
from carecircle.partners.models import Role
from tests.directory.listing_fixtures import Listings, listings, riverbend

__all__ = ["listings", "riverbend"]

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LISTINGS = reverse("directory_partner:listings")
NEW = reverse("directory_partner:service_new")


def edit_url(service: m.Service) -> str:
    return reverse("directory_partner:service_edit", args=[service.pk])


def verify_url(service: m.Service) -> str:
    return reverse("directory_partner:service_verify", args=[service.pk])


def history_url(service: m.Service) -> str:
    return reverse("directory_partner:service_history", args=[service.pk])


def add_capacity_url(service: m.Service) -> str:
    return reverse("directory_partner:capacity_add", args=[service.pk])


def adjust_url(capacity: m.ServiceCapacity) -> str:
    return reverse("directory_partner:capacity_adjust", args=[capacity.pk])


def assert_no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


EDIT_FORM = {
    "name": "ED bridge clinic",
    "description": "Start buprenorphine today.",
    "application_process": "Walk in to the emergency department and ask for the bridge clinic.",
    "fees_description": "Free",
    "eligibility_description": "Adults 16 and over",
    "status": "active",
    "alert": "",
}


# --- Your listings -----------------------------------------------------------------------------


def test_your_listings_shows_the_partners_own_listings(listings: Listings) -> None:
    response = listings.town.http("erin").get(LISTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ED bridge clinic" in html
    assert "3 of 6 same-day slots available" in html
    assert "Naloxone kits" not in html  # public health's listing
    assert f'href="{LISTINGS}"' in html  # the navigation item
    assert "Needs verifying" not in html
    assert_no_inline_script_or_style(html)

    other = listings.town.http("cora").get(LISTINGS).content.decode()
    assert "Naloxone kits" in other
    assert "ED bridge clinic" not in other


def test_your_listings_flags_listings_unverified_for_180_days(listings: Listings) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=181)):
        html = listings.town.http("erin").get(LISTINGS).content.decode()
    assert "Needs verifying" in html
    assert "1 listing has not been verified for more than 180 days." in html


def test_your_listings_is_only_for_admins_and_coordinators(listings: Listings) -> None:
    assert listings.town.http("alice").get(LISTINGS).status_code == 403
    assert listings.town.http("nobody").get(LISTINGS).status_code == 403
    anonymous = listings.town.http().get(LISTINGS)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert f'href="{LISTINGS}"' not in listings.town.http("alice").get("/home/").content.decode()


def test_your_listings_takes_a_fixed_number_of_queries(listings: Listings) -> None:
    browser = listings.town.http("erin")
    browser.get(LISTINGS)
    with CaptureQueriesContext(connection) as few:
        browser.get(LISTINGS)
    erin = listings.actor("erin")
    for n in range(5):
        service = services.service_create(actor=erin, organization=listings.ed, name=f"Extra {n}")
        services.capacity_update(actor=erin, service=service, unit_name="beds", available=n)
    with CaptureQueriesContext(connection) as many:
        browser.get(LISTINGS)
    assert len(many) == len(few)


# --- editing -----------------------------------------------------------------------------------


def test_editing_a_listing_saves_it_and_keeps_the_history(listings: Listings) -> None:
    browser = listings.town.http("erin")
    page = browser.get(edit_url(listings.bridge))
    assert page.status_code == 200
    assert 'value="ED bridge clinic"' in page.content.decode()
    assert_no_inline_script_or_style(page.content.decode())

    response = browser.post(edit_url(listings.bridge), EDIT_FORM)

    assert response.status_code == 302
    assert response["Location"] == edit_url(listings.bridge)
    listings.bridge.refresh_from_db()
    assert listings.bridge.fees_description == "Free"
    assert listings.bridge.eligibility_description == "Adults 16 and over"
    html = browser.get(response["Location"]).content.decode()
    assert "Listing saved." in html
    assert "Changed: Fees" in html
    history = browser.get(history_url(listings.bridge))
    assert history.status_code == 200
    assert "Adults 16 and over" in history.content.decode()


def test_bad_input_on_the_edit_form_is_refused_and_nothing_changes(listings: Listings) -> None:
    before = m.Metadata.objects.count()
    response = listings.town.http("erin").post(
        edit_url(listings.bridge), {**EDIT_FORM, "name": "", "status": "open"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "status"}
    listings.bridge.refresh_from_db()
    assert listings.bridge.fees_description is None
    assert m.Metadata.objects.count() == before


def test_someone_else_cannot_see_or_edit_a_listing(listings: Listings) -> None:
    before = m.Metadata.objects.count()
    cora = listings.town.http("cora")  # a coordinator, but of another partner
    for url in (edit_url(listings.bridge), history_url(listings.bridge)):
        assert cora.get(url).status_code == 404
    assert cora.post(edit_url(listings.bridge), {**EDIT_FORM, "name": "Mine"}).status_code == 404
    assert listings.town.http("alice").post(edit_url(listings.bridge), EDIT_FORM).status_code == 403
    listings.bridge.refresh_from_db()
    assert listings.bridge.name == "ED bridge clinic"
    assert m.Metadata.objects.count() == before


# --- verify ------------------------------------------------------------------------------------


def test_still_true_marks_the_listing_verified(listings: Listings) -> None:
    browser = listings.town.http("erin")
    later = timezone.now() + timedelta(minutes=5)  # within the idle timeout
    with time_machine.travel(later, tick=False):
        response = browser.post(verify_url(listings.bridge))
    assert response.status_code == 302
    listings.bridge.refresh_from_db()
    assert listings.bridge.last_verified_at == later

    from_list = browser.post(verify_url(listings.bridge), {"next": "list"})
    assert from_list["Location"] == LISTINGS

    fragment = browser.post(verify_url(listings.bridge), headers=HTMX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section class="card" id="verification"')
    assert "by erin" in html
    assert "<html" not in html


def test_someone_else_cannot_verify_a_listing(listings: Listings) -> None:
    before = listings.bridge.last_verified_at
    assert listings.town.http("cora").post(verify_url(listings.bridge)).status_code == 404
    assert listings.town.http("alice").post(verify_url(listings.bridge)).status_code == 403
    assert listings.town.http("erin").get(verify_url(listings.bridge)).status_code == 405
    listings.bridge.refresh_from_db()
    assert listings.bridge.last_verified_at == before


# --- capacity ----------------------------------------------------------------------------------


def test_one_tap_capacity_works_without_javascript(listings: Listings) -> None:
    browser = listings.town.http("erin")
    slots = listings.slots
    assert browser.post(adjust_url(slots), {"action": "remove"}).status_code == 302
    assert browser.post(adjust_url(slots), {"action": "remove"}).status_code == 302
    response = browser.post(adjust_url(slots), {"action": "add"})
    assert response["Location"] == edit_url(listings.bridge)
    slots.refresh_from_db()
    assert slots.available == 2
    browser.post(adjust_url(slots), {"action": "set", "available": "5"})
    slots.refresh_from_db()
    assert slots.available == 5
    html = browser.get(edit_url(listings.bridge)).content.decode()
    assert "5 of 6 same-day slots available" in html
    assert "Changed: Available (same-day slots)" in html


def test_one_tap_capacity_swaps_the_row_with_htmx(listings: Listings) -> None:
    response = listings.town.http("erin").post(
        adjust_url(listings.slots), {"action": "add"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<section class="card capacity" id="capacity-{listings.slots.pk}"')
    assert "4 of 6 same-day slots available" in html
    assert 'hx-post="' in html
    assert "<html" not in html


def test_capacity_cannot_go_below_zero_or_above_the_maximum(listings: Listings) -> None:
    browser = listings.town.http("erin")
    before = m.Metadata.objects.count()
    refused = browser.post(adjust_url(listings.slots), {"action": "set", "available": "9"})
    assert refused.status_code == 400
    assert "cannot be more than the maximum" in refused.content.decode()
    in_row = browser.post(
        adjust_url(listings.slots), {"action": "set", "available": "-1"}, headers=HTMX
    )
    assert in_row.status_code == 200  # htmx swaps only successful answers; the row says why
    assert 'role="alert"' in in_row.content.decode()
    missing = browser.post(adjust_url(listings.slots), {"action": "set"})
    assert missing.status_code == 400
    nonsense = browser.post(adjust_url(listings.slots), {"action": "explode"})
    assert nonsense.status_code == 400
    listings.slots.refresh_from_db()
    assert listings.slots.available == 3
    assert m.Metadata.objects.count() == before


def test_someone_else_cannot_change_capacity(listings: Listings) -> None:
    cora, alice = listings.town.http("cora"), listings.town.http("alice")
    assert cora.post(adjust_url(listings.slots), {"action": "add"}).status_code == 404
    assert alice.post(adjust_url(listings.slots), {"action": "add"}).status_code == 403
    new_unit = {"unit_name": "beds", "available": "2"}
    assert cora.post(add_capacity_url(listings.bridge), new_unit).status_code == 404
    listings.slots.refresh_from_db()
    assert listings.slots.available == 3
    assert listings.bridge.capacities.count() == 1


def test_counting_something_new(listings: Listings) -> None:
    browser = listings.town.http("erin")
    response = browser.post(
        add_capacity_url(listings.bridge), {"unit_name": "beds", "available": "2", "maximum": "4"}
    )
    assert response.status_code == 302
    beds = listings.bridge.capacities.get(unit__name="beds")
    assert (beds.available, beds.maximum) == (2, 4)
    bad = browser.post(
        add_capacity_url(listings.bridge), {"unit_name": "cots", "available": "5", "maximum": "4"}
    )
    assert bad.status_code == 400
    assert bad.context["add_form"].errors["available"]
    assert not listings.bridge.capacities.filter(unit__name="cots").exists()


# --- adding a service --------------------------------------------------------------------------


def test_adding_a_service(listings: Listings) -> None:
    browser = listings.town.http("erin")
    page = browser.get(NEW)
    assert page.status_code == 200
    assert "Riverbend General, main site" in page.content.decode()
    response = browser.post(
        NEW,
        {
            **EDIT_FORM,
            "name": "Naloxone at triage",
            "organization": str(listings.ed.pk),
            "locations": [str(listings.hospital.pk)],
        },
    )
    assert response.status_code == 302
    service = m.Service.objects.get(name="Naloxone at triage")
    assert response["Location"] == edit_url(service)
    assert service.organization_id == listings.ed.pk
    assert service.service_at_locations.get().location_id == listings.hospital.pk


def test_adding_a_service_refuses_bad_input_and_other_partners(listings: Listings) -> None:
    before = m.Service.objects.count()
    erin = listings.town.http("erin")
    bad = erin.post(NEW, {**EDIT_FORM, "name": "", "organization": str(listings.ed.pk)})
    assert bad.status_code == 400
    not_mine = erin.post(NEW, {**EDIT_FORM, "organization": str(listings.public_health.pk)})
    assert not_mine.status_code == 400  # not among the choices offered
    assert listings.town.http("alice").post(NEW, EDIT_FORM).status_code == 403
    # An admin whose organization has no directory listings has nothing to add to.
    listings.town.member("hadmin", "housing", Role.ORG_ADMIN)
    assert listings.town.http("hadmin").get(NEW).status_code == 404
    assert m.Service.objects.count() == before


def test_the_partner_pages_speak_french(listings: Listings) -> None:
    from django.conf import settings

    browser = listings.town.http("erin")
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = browser.get(edit_url(listings.bridge)).content.decode()
    assert "Toujours exact — vérifier" in html
    assert "Places disponibles en ce moment" in html
