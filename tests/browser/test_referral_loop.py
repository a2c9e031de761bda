"""The closed loop, in the browser: the ED refers a person to the clinic, the clinic accepts,
books the appointment and records the enrollment, and the ED sees the referral closed.

axe-core runs on every page (the ``UI`` wrapper checks each page it loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "Same-day buprenorphine start"
NEED = "Wants to start buprenorphine today; in withdrawal since the morning."
# The referral pages' own content (the header's organization switcher is the base layout's).
MAIN_WIDTH = "() => document.querySelector('main').scrollWidth"


@dataclass
class Clinic:
    community: Community
    service: Any


@pytest.fixture
def clinic(community: Community) -> Clinic:
    """carlos answers referrals at the clinic; the clinic lists a same-day start with capacity;
    Jordan's consent lets the ED share general and substance-use information with the clinic
    for treatment and care coordination (signed on paper)."""
    from carecircle.directory import models as directory
    from carecircle.partners.models import Role
    from carecircle.partners.selectors import Actor
    from carecircle.partners.services import membership_create
    from carecircle.privacy.models import ConsentCapture, DataClass, Purpose
    from carecircle.privacy.services import consent_record
    from tests.factories import UserFactory

    carlos: Any = UserFactory(username="carlos", first_name="Carlos")
    membership_create(user=carlos, organization=community.clinic, role=Role.INTAKE_VOLUNTEER)
    alice = Actor.from_membership(
        community.ed.memberships.select_related("user", "organization").get(user__username="alice")
    )
    consent_record(
        actor=alice,
        person=community.client.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[community.clinic],
        capture_method=ConsentCapture.PAPER,
    )
    listing = directory.Organization.objects.create(
        name=community.clinic.name, description="Low-barrier MOUD", partner=community.clinic
    )
    service = directory.Service.objects.create(organization=listing, name=SERVICE)
    slots = directory.Unit.objects.create(name="same-day slots")
    directory.ServiceCapacity.objects.create(service=service, unit=slots, available=2)
    return Clinic(community=community, service=service)


def _nav(ui: UI, label: str) -> None:
    ui.click(ui.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True))


def _act_for(ui: UI, organization: Any) -> None:
    ui.get_by_role("combobox", name="Acting for").select_option(str(organization.pk))
    ui.click(ui.get_by_role("button", name="Switch"))


def test_the_ed_refers_the_clinic_accepts_and_the_ed_sees_it_closed(
    page: UI, second_page: UI, clinic: Clinic
) -> None:
    community = clinic.community
    alice, carlos = page, second_page

    # alice, at the ED, opens Jordan's record and starts a referral to the clinic.
    alice.sign_in("alice")
    _nav(alice, "Clients")
    alice.click(alice.locator("main").get_by_role("link", name="Jordan Rivers"))
    alice.click(alice.locator("main").get_by_role("link", name="Refer", exact=True))
    assert alice.path.startswith("/referrals/new/")
    alice.get_by_label("Service or organization").fill("buprenorphine")
    alice.click(alice.get_by_role("button", name="Search"), shot="referral-new")
    alice.get_by_role("radio", name=SERVICE).check()
    assert visible(alice.main_text(), "2 same-day slots available")
    alice.get_by_label("What the referral is about").select_option("substance_use")
    alice.get_by_label("Urgency").select_option("urgent")
    alice.get_by_label("What the person needs").fill(NEED)
    alice.click(alice.get_by_role("button", name="Save as draft"), shot="referral-draft")
    assert "Referral saved as a draft." in alice.main_text()
    alice.sign_out()

    # pat, the ED's peer coach, adds the warm handoff (pat goes with Jordan) and sends it.
    pat = alice
    pat.sign_in("pat")
    _act_for(pat, community.ed)
    _nav(pat, "Referrals")
    pat.click(pat.get_by_role("link", name="Outgoing"))
    pat.click(pat.locator("main").get_by_role("link", name="Jordan Rivers"))
    handoff = pat.get_by_role("region", name="Record the appointment")
    handoff.get_by_label("Appointment (date and time)").fill("2030-01-15T10:30")
    handoff.get_by_label("Who goes with the person").fill("Pat (peer coach)")
    handoff.get_by_label("Transport").fill("We walk over together from the ED")
    pat.click(handoff.get_by_role("button", name="Save the appointment"))
    assert "Appointment recorded." in pat.main_text()
    pat.click(pat.get_by_role("button", name="Send the referral"), shot="referral-sent")
    text = pat.main_text()
    assert "Referral updated." in text
    assert visible(text, "Requested")
    assert visible(text, "Pat (peer coach)")

    # carlos, at the clinic, finds it in his inbox and accepts it.
    carlos.sign_in("carlos")
    _nav(carlos, "Referrals")
    carlos.check(shot="referral-inbox-clinic")
    row = carlos.locator("main li.referral-row", has_text="Jordan Rivers")
    assert visible(row.inner_text(), SERVICE)
    assert visible(row.inner_text(), "Urgent")
    carlos.click(row.get_by_role("link", name="Jordan Rivers"))
    text = carlos.main_text()
    # An intake volunteer sees the person's name, who referred them (to call back) and the
    # workflow, not the substance-use need (the clinic's own service is its own business).
    assert not visible(text, NEED)
    assert visible(text, "Withheld.")
    assert visible(text, SERVICE)
    assert visible(text, community.ed.name)
    carlos.click(carlos.get_by_role("button", name="Accept", exact=True))
    assert "Referral updated." in carlos.main_text()

    # He confirms the appointment pat set (10:30 local time) and records the enrollment.
    handoff = carlos.get_by_role("region", name="Record the appointment")
    assert handoff.get_by_label("Appointment (date and time)").input_value() == "2030-01-15T10:30"
    assert handoff.get_by_label("Who goes with the person").input_value() == "Pat (peer coach)"
    carlos.click(handoff.get_by_role("button", name="Save the appointment"))
    assert "Appointment recorded." in carlos.main_text()
    outcome = carlos.get_by_role("region", name="Record the outcome")
    outcome.get_by_role("radio", name="Enrolled", exact=True).check()
    carlos.click(outcome.get_by_role("button", name="Save the outcome"), shot="referral-enrolled")
    text = carlos.main_text()
    assert "Outcome recorded." in text
    assert visible(text, "Completed")

    # alice sees the referral closed, in her outgoing box and on its page.
    alice = pat
    alice.sign_out()
    alice.sign_in("alice")
    _nav(alice, "Referrals")
    alice.click(alice.get_by_role("link", name="Outgoing"))
    alice.get_by_label("Status").select_option("completed")
    alice.click(alice.get_by_role("button", name="Show"))
    row = alice.locator("main li.referral-row", has_text="Jordan Rivers")
    assert visible(row.inner_text(), "Completed")
    alice.click(row.get_by_role("link", name="Jordan Rivers"), shot="referral-closed")
    text = alice.main_text()
    assert visible(text, "Completed")
    assert visible(text, "Enrolled")
    assert visible(text, NEED)
    history = alice.get_by_role("region", name="History").inner_text()
    for step in ("Drafted", "Appointment recorded", "Sent", "Accepted", "Outcome recorded"):
        assert visible(history, step)


def test_the_inbox_fits_a_360_pixel_phone(phone: UI, clinic: Clinic) -> None:
    from carecircle.partners.selectors import Actor
    from carecircle.privacy.models import DataClass, Purpose
    from carecircle.referrals.services import referral_create

    community = clinic.community
    alice = Actor.from_membership(
        community.ed.memberships.select_related("user", "organization").get(user__username="alice")
    )
    referral_create(
        actor=alice,
        client=community.client,
        receiving_organization=community.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        purpose=Purpose.TREATMENT,
        service=clinic.service,
        urgency="urgent",
        reason=NEED,
        do_not_contact=True,
    )
    phone.sign_in("carlos")
    phone.visit("/referrals/", shot="phone-referral-inbox")
    assert phone.evaluate(MAIN_WIDTH) <= 360
    assert visible(phone.main_text(), "Jordan Rivers")
    assert visible(phone.main_text(), "Do not contact directly")
    phone.click(phone.locator("main").get_by_role("link", name="Jordan Rivers"))
    phone.check(shot="phone-referral")
    assert phone.evaluate(MAIN_WIDTH) <= 360
    phone.visit(f"/referrals/new/?client={community.client.pk}")
    assert phone.evaluate(MAIN_WIDTH) <= 360


def test_filters_and_bulk_actions_work_without_javascript(no_js_page: UI, clinic: Clinic) -> None:
    from carecircle.partners.selectors import Actor
    from carecircle.privacy.models import DataClass, Purpose
    from carecircle.referrals.services import referral_create

    community = clinic.community
    alice = Actor.from_membership(
        community.ed.memberships.select_related("user", "organization").get(user__username="alice")
    )
    for urgency in ("urgent", "routine"):
        referral_create(
            actor=alice,
            client=community.client,
            receiving_organization=community.clinic,
            data_class=DataClass.GENERAL,
            purpose=Purpose.TREATMENT,
            service=clinic.service,
            urgency=urgency,
        )
    ui = no_js_page
    ui.sign_in("carlos")
    ui.visit("/referrals/")
    assert ui.locator("main li.referral-row").count() == 2
    # "Select all" needs JavaScript, so it stays hidden; each row has its own checkbox.
    assert not ui.get_by_role("button", name="Select all on this page").is_visible()
    ui.get_by_label("Urgency").select_option("urgent")
    ui.click(ui.get_by_role("button", name="Show"), shot="referral-inbox-filtered")
    assert ui.path.startswith("/referrals/?")
    rows = ui.locator("main li.referral-row")
    assert rows.count() == 1
    assert visible(rows.first.inner_text(), "Urgent")
    rows.first.get_by_role("checkbox").check()
    ui.get_by_label("Action").select_option("accept")
    ui.click(ui.get_by_role("button", name="Apply"))
    assert "1 referral updated." in ui.main_text()
    # Back on the same filtered page: the urgent referral is accepted, still open.
    assert ui.get_by_label("Urgency").input_value() == "urgent"
    assert visible(ui.locator("main li.referral-row").first.inner_text(), "Accepted")
