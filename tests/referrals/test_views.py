"""Referral pages: each works for the people on the referral, and someone else cannot open it.

alice (ED clinician) refers Sam to the MOUD clinic, where carlos (intake volunteer, general
information only) answers. Sam's consent lets the ED share general and substance-use
information with the clinic, for treatment and care coordination.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.directory import models as directory
from carecircle.partners.models import Role
from carecircle.privacy.models import (
    AuditEvent,
    ConsentCapture,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.services import consent_record, consent_revoke
from carecircle.referrals import services
from carecircle.referrals.models import Referral
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend

__all__ = ["riverbend"]

NEED = "Wants to start buprenorphine today; withdrawal since this morning."
TODAY = "2020-01-01"  # an outcome date in the past, whatever today is
NOTES = "Prefers a morning appointment; has a bus pass."


@dataclass
class Loop:
    town: Riverbend
    sam: Client
    consent: ConsentDirective
    service: directory.Service
    capacity: directory.ServiceCapacity

    def refer(self, **overrides: Any) -> Referral:
        values: dict[str, Any] = {
            "actor": self.town.actor("alice"),
            "client": self.sam,
            "receiving_organization": self.town.clinic,
            "data_class": DataClass.SUBSTANCE_USE,
            "purpose": Purpose.TREATMENT,
            "service": self.service,
            "urgency": "urgent",
            "reason": NEED,
            "handoff_notes": NOTES,
        }
        return services.referral_create(**(values | overrides))


def clinic_listing(town: Riverbend, *, available: float = 3) -> directory.ServiceCapacity:
    """The clinic's directory listing, linked to the partner, with same-day capacity."""
    listing = directory.Organization.objects.create(
        name=town.clinic.name, description="Low-barrier MOUD", partner=town.clinic
    )
    service = directory.Service.objects.create(
        organization=listing, name="Same-day buprenorphine start"
    )
    unit = directory.Unit.objects.create(name="same-day slots")
    return directory.ServiceCapacity.objects.create(service=service, unit=unit, available=available)


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    sam = riverbend.client_record(name="Sam Rivers")
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.clinic],
        capture_method=ConsentCapture.PAPER,  # Part 2: the person's signature, on paper
    )
    capacity = clinic_listing(riverbend)
    return Loop(
        town=riverbend,
        sam=sam,
        consent=consent,
        service=capacity.service,
        capacity=capacity,
    )


def detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def action_url(name: str, referral: Referral) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk})


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- a new referral -----------------------------------------------------------------------------


def test_alice_sends_a_referral_from_the_new_referral_page(loop: Loop) -> None:
    alice = loop.town.http("alice")
    url = f"{reverse('referrals:create')}?client={loop.sam.pk}"
    page = alice.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sam Rivers" in html
    assert "Same-day buprenorphine start" in html
    assert "3 same-day slots available" in html

    response = alice.post(
        url,
        {
            "client": loop.sam.pk,
            "service": loop.service.pk,
            "data_class": DataClass.SUBSTANCE_USE,
            "urgency": "urgent",
            "reason": NEED,
            "do_not_contact": "on",
            "appointment_at": "2030-05-04T09:30",
            "accompanied_by": "Pat, peer coach",
            "transport": "Taxi voucher",
            "handoff_notes": NOTES,
            "send": "1",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert referral.status == Status.REQUESTED
    assert referral.receiving_organization == loop.town.clinic
    assert referral.service == loop.service
    assert referral.do_not_contact
    assert referral.accompanied_by == "Pat, peer coach"
    # Typed in the jurisdiction's local time (America/Chicago, UTC-5 in May).
    assert referral.appointment_at is not None
    assert referral.appointment_at.astimezone(UTC).hour == 14
    assert "Referral sent." in texts(response)


def test_save_as_draft_sends_nothing(loop: Loop) -> None:
    response = loop.town.http("alice").post(
        f"{reverse('referrals:create')}?client={loop.sam.pk}",
        {
            "client": loop.sam.pk,
            "service": loop.service.pk,
            "data_class": DataClass.GENERAL,
            "urgency": "routine",
            "draft": "1",
        },
    )
    assert response.status_code == 302
    assert Referral.objects.get().status == Status.DRAFT
    # The clinic does not see a draft.
    inbox = loop.town.http("carlos").get(reverse("referrals:inbox"))
    assert "Sam Rivers" not in inbox.content.decode()


def test_without_consent_the_page_says_so_and_links_to_recording_it(loop: Loop) -> None:
    housing = directory.Organization.objects.create(
        name=loop.town.housing.name, description="Housing", partner=loop.town.housing
    )
    rooms = directory.Service.objects.create(organization=housing, name="Rapid rehousing")
    response = loop.town.http("alice").post(
        f"{reverse('referrals:create')}?client={loop.sam.pk}",
        {"client": loop.sam.pk, "service": rooms.pk, "data_class": DataClass.GENERAL},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Record the person&#x27;s consent" in html or "Record the person's consent" in html
    assert 'class="banner banner-warning consent-missing"' in html
    assert not Referral.objects.exists()


def test_a_full_service_needs_waitlist_anyway(loop: Loop) -> None:
    loop.capacity.available = 0
    loop.capacity.save()
    alice = loop.town.http("alice")
    url = f"{reverse('referrals:create')}?client={loop.sam.pk}"
    assert "No capacity available now" in alice.get(url).content.decode()
    form = {"client": loop.sam.pk, "service": loop.service.pk, "data_class": DataClass.GENERAL}
    refused = alice.post(url, form)
    assert refused.status_code == 400
    assert not Referral.objects.exists()
    accepted = alice.post(url, form | {"waitlist_ok": "on"})
    assert accepted.status_code == 302
    assert Referral.objects.get().status == Status.REQUESTED


def test_the_new_referral_page_needs_a_client_the_reader_may_see(loop: Loop) -> None:
    url = f"{reverse('referrals:create')}?client={loop.sam.pk}"
    assert loop.town.http("hana").get(url).status_code == 403
    assert loop.town.http("lee").get(url).status_code == 403
    assert loop.town.http("dana").get(url).status_code == 403
    assert loop.town.http("nobody").get(url).status_code == 403
    assert loop.town.http("alice").get(reverse("referrals:create")).status_code == 404
    unknown = f"{reverse('referrals:create')}?client=999999"
    assert loop.town.http("alice").get(unknown).status_code == 404
    # Someone else cannot send one either.
    loop.town.http("hana").post(
        url, {"client": loop.sam.pk, "service": loop.service.pk, "data_class": "general"}
    )
    assert not Referral.objects.exists()


# --- the inbox ----------------------------------------------------------------------------------


def test_the_clinic_sees_it_incoming_and_the_ed_outgoing(loop: Loop) -> None:
    referral = loop.refer()
    incoming = loop.town.http("carlos").get(reverse("referrals:inbox"))
    assert incoming.status_code == 200
    html = incoming.content.decode()
    assert "Sam Rivers" in html
    assert detail_url(referral) in html
    # carlos's role sees general information only: the need stays with the clinicians. Which
    # of the clinic's services it asks for is the clinic's own business, and who sent it (an
    # emergency department, whose name says nothing sensitive) is whom he calls back.
    assert NEED not in html
    row = html.split('class="referral-list"')[1]
    assert "Same-day buprenorphine start" in row
    assert loop.town.ed.name in row

    outgoing = loop.town.http("alice").get(reverse("referrals:inbox") + "?box=outgoing")
    assert "Sam Rivers" in outgoing.content.decode()
    # The ED's incoming box is empty.
    ed_incoming = loop.town.http("alice").get(reverse("referrals:inbox"))
    assert "Sam Rivers" not in ed_incoming.content.decode()


def test_other_organizations_do_not_see_it_in_their_inbox(loop: Loop) -> None:
    loop.refer()
    for username in ("hana", "lee", "pat"):
        for box in ("incoming", "outgoing"):
            response = loop.town.http(username).get(f"{reverse('referrals:inbox')}?box={box}")
            assert response.status_code == 200
            assert "Sam Rivers" not in response.content.decode()
    assert loop.town.http("dana").get(reverse("referrals:inbox")).status_code == 403
    assert loop.town.http("nobody").get(reverse("referrals:inbox")).status_code == 403
    anonymous = loop.town.http().get(reverse("referrals:inbox"))
    assert anonymous.status_code == 302


def test_the_inbox_filters_work_without_javascript(loop: Loop) -> None:
    loop.refer(urgency="urgent")
    carlos = loop.town.http("carlos")
    inbox = reverse("referrals:inbox")
    assert "Sam Rivers" in carlos.get(f"{inbox}?urgency=urgent").content.decode()
    assert "Sam Rivers" not in carlos.get(f"{inbox}?urgency=routine").content.decode()
    assert "Sam Rivers" in carlos.get(f"{inbox}?status=requested").content.decode()
    assert "Sam Rivers" not in carlos.get(f"{inbox}?status=completed").content.decode()
    assert "Sam Rivers" in carlos.get(f"{inbox}?service={loop.service.pk}").content.decode()
    assert "Sam Rivers" not in carlos.get(f"{inbox}?overdue=on").content.decode()
    # A made-up value is refused by the form, not the database.
    assert carlos.get(f"{inbox}?status=nonsense&service=x").status_code == 200


def test_the_inbox_pages_keep_the_filters(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    from carecircle.referrals import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    older = loop.refer(urgency="urgent")
    newer = loop.refer(urgency="urgent")
    loop.refer(urgency="routine")
    carlos = loop.town.http("carlos")
    first = carlos.get(f"{reverse('referrals:inbox')}?urgency=urgent").content.decode()
    assert detail_url(newer) in first
    assert detail_url(older) not in first
    assert 'href="?urgency=urgent&amp;page=2"' in first
    second = carlos.get(f"{reverse('referrals:inbox')}?urgency=urgent&page=2").content.decode()
    assert detail_url(older) in second
    assert 'href="?urgency=urgent&amp;page=1"' in second
    assert 'rel="next"' not in second
    # A bad page number drops only itself: the urgency filter still applies.
    bad = carlos.get(f"{reverse('referrals:inbox')}?urgency=urgent&page=x").content.decode()
    assert "2 referrals" in bad


def test_an_overdue_referral_is_flagged_and_filtered(loop: Loop) -> None:
    late = loop.refer()
    on_time = loop.refer(urgency="routine")
    Referral.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    carlos = loop.town.http("carlos")
    inbox = carlos.get(reverse("referrals:inbox")).content.decode()
    assert "Overdue" in inbox
    overdue = carlos.get(f"{reverse('referrals:inbox')}?overdue=on").content.decode()
    assert detail_url(late) in overdue
    assert detail_url(on_time) not in overdue
    assert "Overdue" in carlos.get(detail_url(late)).content.decode()


def test_a_revoked_consent_withholds_the_name_on_the_next_request(loop: Loop) -> None:
    referral = loop.refer()
    consent_revoke(
        actor=loop.town.actor("alice"), consent=loop.consent, reason="Sam withdrew consent."
    )
    inbox = loop.town.http("carlos").get(reverse("referrals:inbox")).content.decode()
    assert "Sam Rivers" not in inbox
    assert "Name withheld" in inbox
    page = loop.town.http("carlos").get(detail_url(referral))
    assert page.status_code in (200, 403)
    assert "Sam Rivers" not in page.content.decode()


def test_bulk_actions_report_which_succeeded_and_which_failed(loop: Loop) -> None:
    first = loop.refer()
    second = loop.refer(urgency="routine")
    # Someone at the clinic already declined the second one.
    services.referral_transition(
        actor=loop.town.actor("carlos"),
        referral_id=second.pk,
        to=Status.REJECTED,
        reason="No prescriber on shift.",
    )
    response = loop.town.http("carlos").post(
        reverse("referrals:bulk"),
        {
            "referral": [str(first.pk), str(second.pk)],
            "action": "accept",
            "query": "box=incoming&status=all",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:inbox") + "?box=incoming&status=all"
    said = texts(response)
    assert "1 referral updated." in said
    assert any(m.startswith(f"Referral {str(second.pk)[:8]} was not changed") for m in said)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.ACCEPTED
    assert second.status == Status.REJECTED


def test_bulk_decline_needs_a_reason_and_changes_nothing_without_one(loop: Loop) -> None:
    referral = loop.refer()
    response = loop.town.http("carlos").post(
        reverse("referrals:bulk"), {"referral": [str(referral.pk)], "action": "decline"}
    )
    assert response.status_code == 302
    assert any("Say why" in m for m in texts(response))
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_bulk_cannot_touch_another_organizations_referrals(loop: Loop) -> None:
    referral = loop.refer()
    response = loop.town.http("hana").post(
        reverse("referrals:bulk"), {"referral": [str(referral.pk)], "action": "accept"}
    )
    assert response.status_code == 302
    assert any("was not changed" in m for m in texts(response))
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert loop.town.http("dana").post(reverse("referrals:bulk"), {}).status_code == 403


# --- one referral -------------------------------------------------------------------------------


def test_both_sides_open_the_referral_and_its_reads_are_audited(loop: Loop) -> None:
    referral = loop.refer(do_not_contact=True)
    page = loop.town.http("carlos").get(detail_url(referral))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sam Rivers" in html
    assert "Do not contact the person directly." in html
    assert "Same-day buprenorphine start" in html
    # Who sent it: an emergency department's name discloses nothing sensitive.
    assert loop.town.ed.name in html
    assert "Accept" in html
    assert "Decline" in html
    # carlos's role does not include substance-use information: neither the need nor notes.
    assert NEED not in html
    assert NOTES not in html
    assert "Withheld." in html
    assert page["Cache-Control"] == "no-store, private"
    assert AuditEvent.objects.filter(object_type="referral", object_id=str(referral.pk)).exists()

    mine = loop.town.http("alice").get(detail_url(referral)).content.decode()
    assert NEED in mine
    assert NOTES in mine
    assert "Same-day buprenorphine start" in mine
    assert loop.town.clinic.name in mine
    # The sender cannot accept its own referral.
    assert 'value="accepted"' not in mine


def test_someone_else_cannot_open_the_referral(loop: Loop) -> None:
    referral = loop.refer()
    for username in ("hana", "lee", "pat", "dana", "nobody"):
        response = loop.town.http(username).get(detail_url(referral))
        assert response.status_code == 403, username
        assert "Sam Rivers" not in response.content.decode()
    assert loop.town.http().get(detail_url(referral)).status_code == 302
    unknown = reverse("referrals:detail", kwargs={"referral_id": uuid.uuid4()})
    assert loop.town.http("alice").get(unknown).status_code == 404


def test_someone_else_cannot_change_the_referral(loop: Loop) -> None:
    referral = loop.refer()
    for username in ("hana", "lee", "alice"):
        loop.town.http(username).post(
            action_url("transition", referral),
            {"to": Status.ACCEPTED, "expected_version": referral.version},
        )
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_a_clinician_at_the_clinic_sees_the_part_2_notice(loop: Loop) -> None:
    loop.town.member("nadia", "clinic", Role.CLINICIAN)
    referral = loop.refer()
    html = loop.town.http("nadia").get(detail_url(referral)).content.decode()
    assert NEED in html
    assert "42 CFR part 2" in html
    # The ED holds the record: no redisclosure notice on its own copy.
    assert "42 CFR part 2" not in loop.town.http("alice").get(detail_url(referral)).content.decode()


def test_carlos_accepts_records_the_appointment_and_the_enrollment(loop: Loop) -> None:
    referral = loop.refer()
    carlos = loop.town.http("carlos")
    accepted = carlos.post(
        action_url("transition", referral),
        {"to": Status.ACCEPTED, "expected_version": referral.version},
    )
    assert accepted.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED

    page = carlos.get(detail_url(referral)).content.decode()
    assert "Record the appointment" in page
    assert "Record the outcome" in page
    booked = carlos.post(
        action_url("appointment", referral),
        {
            "appointment_at": "2030-01-15T10:00",
            "accompanied_by": "Pat",
            "transport": "Walk-in with Pat",
            "expected_version": referral.version,
        },
    )
    assert booked.status_code == 302
    referral.refresh_from_db()
    assert referral.appointment_at is not None
    assert referral.appointment_at.astimezone(UTC).hour == 16  # 10:00 in Chicago
    assert referral.transport == "Walk-in with Pat"

    done = carlos.post(
        action_url("outcome", referral),
        {
            "enrollment": "enrolled",
            "outcome_on": TODAY,
            "expected_version": referral.version,
        },
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    assert referral.enrollment == "enrolled"

    seen = loop.town.http("alice").get(detail_url(referral)).content.decode()
    assert "Completed" in seen
    assert "Enrolled" in seen
    assert "Reopen" in seen


def test_a_stale_form_gets_the_conflict_message_and_overwrites_nothing(loop: Loop) -> None:
    referral = loop.refer()
    shown_version = referral.version
    # Someone else at the clinic accepts while carlos still has the page open.
    services.referral_transition(
        actor=loop.town.actor("carlos"), referral_id=referral.pk, to=Status.ACCEPTED
    )
    response = loop.town.http("carlos").post(
        action_url("transition", referral),
        {"to": Status.REJECTED, "reason": "No slots.", "expected_version": shown_version},
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert [m for m in texts(response) if m]  # the clear message, as a messages error
    errors = [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED

    stale_appointment = loop.town.http("carlos").post(
        action_url("appointment", referral),
        {"appointment_at": "2030-01-15T10:00", "expected_version": shown_version},
    )
    assert stale_appointment.status_code == 302
    referral.refresh_from_db()
    assert referral.appointment_at is None


def test_a_reason_is_required_to_decline(loop: Loop) -> None:
    referral = loop.refer()
    response = loop.town.http("carlos").post(
        action_url("transition", referral),
        {"to": Status.REJECTED, "reason": " ", "expected_version": referral.version},
    )
    assert response.status_code == 400
    assert "Say why, so the other organization knows." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_not_enrolled_needs_a_reason(loop: Loop) -> None:
    referral = loop.refer()
    referral = services.referral_transition(
        actor=loop.town.actor("carlos"), referral_id=referral.pk, to=Status.ACCEPTED
    )
    response = loop.town.http("carlos").post(
        action_url("outcome", referral),
        {
            "enrollment": "not_enrolled",
            "outcome_on": TODAY,
            "expected_version": referral.version,
        },
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_a_closed_referral_is_reopened_with_a_reason_and_its_history_kept(loop: Loop) -> None:
    referral = loop.refer()
    referral = services.referral_transition(
        actor=loop.town.actor("carlos"),
        referral_id=referral.pk,
        to=Status.REJECTED,
        reason="No prescriber on shift.",
    )
    alice = loop.town.http("alice")
    refused = alice.post(
        action_url("reopen", referral), {"reason": "", "expected_version": referral.version}
    )
    assert refused.status_code == 400
    reopened = alice.post(
        action_url("reopen", referral),
        {"reason": "A prescriber is on shift now.", "expected_version": referral.version},
    )
    assert reopened.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.reopened_count == 1
    html = alice.get(detail_url(referral)).content.decode()
    assert "No prescriber on shift." in html
    assert "A prescriber is on shift now." in html


def test_the_sender_sends_a_draft_from_its_page(loop: Loop) -> None:
    referral = loop.refer(send=False)
    alice = loop.town.http("alice")
    assert "Send the referral" in alice.get(detail_url(referral)).content.decode()
    # The clinic cannot open a draft.
    assert loop.town.http("carlos").get(detail_url(referral)).status_code in (403, 404)
    response = alice.post(
        action_url("transition", referral),
        {"to": Status.REQUESTED, "expected_version": referral.version},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


# --- the person's record ------------------------------------------------------------------------


def _panel(loop: Loop, username: str) -> str:
    request = RequestFactory().get("/")
    request.user = loop.town.users[username]
    request.actor = loop.town.actor(username)  # type: ignore[attr-defined]
    request.purpose = Purpose.TREATMENT  # type: ignore[attr-defined]
    return render_to_string("clients/_referrals_panel.html", {"client": loop.sam}, request=request)


def test_the_record_shows_the_referral_history_and_a_refer_button(loop: Loop) -> None:
    referral = loop.refer()
    html = _panel(loop, "alice")
    assert f"{reverse('referrals:create')}?client={loop.sam.pk}" in html
    assert detail_url(referral) in html
    assert "Same-day buprenorphine start" in html
    assert loop.town.clinic.name in html


def test_the_history_does_not_name_a_treatment_clinic_to_someone_else(loop: Loop) -> None:
    loop.refer()
    html = _panel(loop, "hana")
    assert loop.town.clinic.name not in html
    assert "Same-day buprenorphine start" not in html


def test_the_filters_keep_what_was_chosen_and_say_which_value_is_wrong(
    loop: Loop,
) -> None:
    browser = loop.town.http("carlos")
    page = browser.get("/referrals/?status=accepted&urgency=sideways&overdue=on")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="accepted" selected>' in html
    assert 'name="urgency" id="id_urgency" aria-invalid="true"' in html
    assert 'id="id_urgency_error"' in html
    assert 'name="overdue" id="id_overdue" checked' in html
    assert 'name="service" id="id_service">' in html  # no error there
