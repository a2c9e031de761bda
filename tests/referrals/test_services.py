"""Referral writes: the loop from request to outcome, who may make each move, consent,
capacity, notifications without person details, webhooks, audit and the accounting of
disclosures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.notifications.models import (
    Notification,
    NotificationKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from carecircle.partners.models import Role
from carecircle.privacy.models import AuditAction, AuditEvent, ConsentDirective, DataClass, Purpose
from carecircle.privacy.selectors import disclosure_list
from carecircle.privacy.services import care_team_add, consent_record, consent_revoke
from carecircle.referrals import services
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.services import ReferralConflict
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import NEED, NOTES, Loop, build_loop, kinds_of, listing

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """The shared loop, with Sam's consent to the clinic signed on paper: substance-use
    information goes to a Part 2 program only under a signed consent (42 CFR 2.31)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


LINK = re.compile(r"^/referrals/[0-9a-f-]{36}/$")


def move(loop: Loop, who: str, referral: Referral, to: str, reason: str = "", **kw: Any) -> Any:
    return services.referral_transition(
        actor=loop.town.actor(who), referral_id=referral.pk, to=to, reason=reason, **kw
    )


def field_of(error: ValidationError) -> set[str]:
    return set(error.message_dict)


# --- creating and sending -----------------------------------------------------------------------


def test_alice_sends_a_referral_with_consent_service_and_deadline(loop: Loop) -> None:
    referral = loop.refer()
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.consent == loop.clinic_consent
    assert referral.service_name == "Same-day buprenorphine start"
    assert referral.requester_organization == loop.town.ed
    assert referral.requested_at is not None
    assert referral.due_at is not None
    # Urgent: four hours by default.
    assert referral.due_at - referral.requested_at == dt.timedelta(hours=4)
    assert referral.version == 1
    events = list(referral.events.values_list("kind", "to_status"))
    assert events == [("created", "requested")]


def test_a_draft_waits_for_the_requester_and_is_sent_later(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        draft = loop.refer(send=False)
    assert draft.status == Status.DRAFT
    assert draft.due_at is None
    assert kinds_of("carlos", loop.town) == []
    assert not AuditEvent.objects.filter(action=AuditAction.DISCLOSE).exists()
    # The clinic cannot act on a draft it has not received: to it, the draft does not exist.
    with pytest.raises(Referral.DoesNotExist):
        loop.accept(draft)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.referral_send(
            actor=loop.town.actor("alice"), referral_id=draft.pk, expected_version=1
        )
    assert sent.status == Status.REQUESTED
    assert sent.version == 2
    assert sent.due_at is not None
    assert kinds_of("carlos", loop.town) == [NotificationKind.REFERRAL_RECEIVED]
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=str(draft.pk)).count()


def test_no_consent_is_a_clear_error_and_only_the_refusal_is_written(loop: Loop) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        loop.refer(receiving_organization=loop.town.peer, service=None)
    assert field_of(caught.value) == {"consent"}
    assert "Riverbend Peer Recovery Network" in caught.value.message_dict["consent"][0]
    assert "Record the person's consent first" in caught.value.message_dict["consent"][0]
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()
    assert not Notification.objects.exists()
    # The refused disclosure stays in the trail (and never in the accounting: not permitted).
    refused = AuditEvent.objects.filter(seq__gt=before)
    assert {(e.action, e.permitted, e.data_class) for e in refused} == {
        (AuditAction.DISCLOSE, False, DataClass.GENERAL),
        (AuditAction.DISCLOSE, False, DataClass.SUBSTANCE_USE),
    }
    assert {e.recipient_organization_id for e in refused} == {loop.town.peer.pk}


def test_a_consent_for_general_only_does_not_send_substance_use(loop: Loop) -> None:
    # Housing may receive general information, not a substance-use referral.
    with pytest.raises(ValidationError) as caught:
        loop.refer(receiving_organization=loop.town.housing, service=None)
    assert field_of(caught.value) == {"consent"}
    assert loop.refer_housing().status == Status.REQUESTED


def test_a_refusal_wins_over_a_permit(loop: Loop) -> None:
    consent_record(
        actor=loop.town.actor("alice"),
        person=loop.sam.person,
        decision="deny",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT],
        recipient_organizations=[loop.town.clinic],
    )
    with pytest.raises(ValidationError) as caught:
        loop.refer()
    assert field_of(caught.value) == {"consent"}


def test_a_revoked_consent_no_longer_allows_sending(loop: Loop) -> None:
    consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="Changed")
    with pytest.raises(ValidationError) as caught:
        loop.refer()
    assert field_of(caught.value) == {"consent"}


def test_police_need_a_consent_naming_them_for_health_information(loop: Loop) -> None:
    town = loop.town
    # Being referred to police is justice information too (the sector's implied class).
    consent_record(
        actor=town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.MENTAL_HEALTH, DataClass.JUSTICE],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_sectors=["police_justice"],
    )
    refer = {
        "receiving_organization": town.police,
        "data_class": DataClass.MENTAL_HEALTH,
        "service": None,
        "purpose": Purpose.CARE_COORDINATION,
    }
    with pytest.raises(ValidationError) as caught:
        loop.refer(**refer)
    assert field_of(caught.value) == {"consent"}
    named = consent_record(
        actor=town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.MENTAL_HEALTH, DataClass.JUSTICE],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[town.police],
    )
    assert loop.refer(**refer).consent == named


def test_a_care_team_consent_covers_a_care_team_organization(loop: Loop) -> None:
    town = loop.town
    consent_record(
        actor=town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_care_team=True,
        capture_method="paper",
    )
    with pytest.raises(ValidationError):
        loop.refer(receiving_organization=town.peer, service=None, purpose="care_coordination")
    care_team_add(actor=town.actor("alice"), person=loop.sam.person, organization=town.peer)
    referral = loop.refer(
        receiving_organization=town.peer, service=None, purpose="care_coordination"
    )
    assert referral.status == Status.REQUESTED


def test_the_requester_must_see_what_the_referral_carries(loop: Loop) -> None:
    # carlos (intake volunteer) sees general information only.
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=loop.town.actor("carlos"),
            client=loop.sam,
            receiving_organization=loop.town.housing,
            data_class=DataClass.SUBSTANCE_USE,
            purpose=Purpose.CARE_COORDINATION,
        )
    # hana's organization has no basis to read Sam at all: refused, and the refusal audited.
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=loop.town.actor("hana"),
            client=loop.sam,
            receiving_organization=loop.town.peer,
            data_class=DataClass.GENERAL,
            purpose=Purpose.TREATMENT,
        )
    refused = AuditEvent.objects.filter(permitted=False, actor_username="hana")
    assert refused.filter(object_type="referral", data_class=DataClass.GENERAL).exists()
    assert not Referral.objects.exists()


def test_analysts_never_make_referrals(loop: Loop) -> None:
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=loop.town.actor("dana"),
            client=loop.sam,
            receiving_organization=loop.town.housing,
            data_class=DataClass.GENERAL,
            purpose=Purpose.CARE_COORDINATION,
        )


def test_bad_input_names_the_fields(loop: Loop) -> None:
    with pytest.raises(ValidationError) as caught:
        loop.refer(data_class="gossip", urgency="whenever", accompanied_by="x" * 500)
    assert field_of(caught.value) == {"data_class", "urgency", "accompanied_by"}
    assert not Referral.objects.exists()


def test_the_service_must_belong_to_the_receiving_organization(loop: Loop) -> None:
    shelter = listing(loop.town.housing, name="Shelter beds")
    with pytest.raises(ValidationError) as caught:
        loop.refer(service=shelter)
    assert field_of(caught.value) == {"service"}


def test_a_full_service_needs_waitlist_ok(loop: Loop) -> None:
    loop.bup.capacities.update(available=0)
    with pytest.raises(ValidationError) as caught:
        loop.refer()
    assert field_of(caught.value) == {"service"}
    assert "no places available" in caught.value.message_dict["service"][0]
    assert not Referral.objects.exists()
    assert loop.refer(waitlist_ok=True).status == Status.REQUESTED


def test_a_service_without_capacity_rows_takes_referrals(loop: Loop) -> None:
    walk_in = listing(loop.town.clinic, name="Walk-in counselling", available=None)
    assert loop.refer(service=walk_in).service == walk_in


def test_sending_notifies_the_clinic_without_person_details_and_queues_webhooks(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = WebhookEndpoint.objects.create(
        organization=loop.town.clinic, url="https://clinic.example.org/hooks"
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = loop.refer()
    received = Notification.objects.filter(kind=NotificationKind.REFERRAL_RECEIVED)
    assert {n.recipient.username for n in received} == {"carlos"}
    for notification in Notification.objects.all():
        assert notification.link == f"/referrals/{referral.pk}/"
        assert LINK.match(notification.link)
        assert "Sam" not in notification.title
        assert "bupren" not in notification.title.lower()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.kind == NotificationKind.REFERRAL_RECEIVED
    body = str(delivery.payload)
    assert "Sam" not in body
    assert NEED not in body
    assert str(referral.pk) in body


def test_sending_writes_disclose_rows_and_the_accounting_lists_the_referral(loop: Loop) -> None:
    referral = loop.refer()
    disclosed = AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=str(referral.pk))
    assert {(e.data_class, e.basis, str(e.consent_id)) for e in disclosed} == {
        (DataClass.GENERAL, "consent", str(loop.clinic_consent.pk)),
        (DataClass.SUBSTANCE_USE, "consent", str(loop.clinic_consent.pk)),
    }
    assert all(e.person_id == loop.sam.person_id for e in disclosed)
    accounting = disclosure_list(actor=loop.town.actor("alice"), person=loop.sam.person)
    listed = accounting.filter(object_type="referral", object_id=str(referral.pk))
    assert set(listed.values_list("action", flat=True)) == {AuditAction.DISCLOSE}
    assert listed.count() == 2


def test_a_referral_within_one_organization_discloses_nothing(loop: Loop) -> None:
    referral = services.referral_create(
        actor=loop.town.actor("alice"),
        client=loop.sam,
        receiving_organization=loop.town.ed,
        data_class=DataClass.HEALTH,
        purpose=Purpose.TREATMENT,
    )
    assert referral.consent is None
    assert not AuditEvent.objects.filter(action=AuditAction.DISCLOSE).exists()
    # The organization is on both sides: erin (ED admin) may accept it.
    accepted = move(loop, "erin", referral, "accepted")
    assert accepted.status == Status.ACCEPTED


# --- moving through the states ------------------------------------------------------------------


def test_the_whole_loop_with_events_audit_and_notifications(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    town = loop.town
    with django_capture_on_commit_callbacks(execute=True):
        referral = loop.refer()
        accepted = loop.accept(referral)
        assert accepted.status == Status.ACCEPTED
        assert accepted.version == 2
        assert accepted.responded_at is not None
        at = timezone.now() + dt.timedelta(days=1)
        booked = services.referral_record_appointment(
            actor=town.actor("carlos"),
            referral_id=referral.pk,
            appointment_at=at,
            accompanied_by="pat (peer coach)",
            transport="bus pass",
            expected_version=2,
        )
        assert booked.appointment_at == at
        assert booked.version == 3
        done = services.referral_record_outcome(
            actor=town.actor("carlos"),
            referral_id=referral.pk,
            enrollment="enrolled",
            outcome_on=timezone.localdate(),
            expected_version=3,
        )
    assert done.status == Status.COMPLETED
    assert done.enrollment == "enrolled"
    assert done.closed_at is not None
    assert done.version == 4
    # carlos cannot see the handoff notes (substance use): they were left as they were.
    assert Referral.objects.get(pk=referral.pk).handoff_notes == NOTES
    kinds = list(referral.events.order_by("at", "pk").values_list("kind", "to_status"))
    assert kinds == [
        ("created", "requested"),
        ("status", "accepted"),
        ("appointment", "accepted"),
        ("outcome", "completed"),
    ]
    writes = AuditEvent.objects.filter(
        action=AuditAction.WRITE, object_type="referral", object_id=str(referral.pk)
    )
    assert writes.filter(actor_username="carlos").count() == 3
    assert kinds_of("alice", town) == [NotificationKind.REFERRAL_UPDATED] * 3
    assert kinds_of("carlos", town) == [NotificationKind.REFERRAL_RECEIVED]


@pytest.mark.parametrize("to", ["rejected", "cancelled"])
def test_declining_or_cancelling_needs_a_reason(loop: Loop, to: str) -> None:
    referral = loop.refer()
    with pytest.raises(ValidationError) as caught:
        move(loop, "carlos", referral, to)
    assert field_of(caught.value) == {"reason"}
    assert Referral.objects.get(pk=referral.pk).version == 1
    closed = move(loop, "carlos", referral, to, reason="No same-day slot left")
    assert closed.status == to
    assert closed.status_reason == "No same-day slot left"
    assert closed.closed_at is not None


def test_on_hold_and_failed_need_a_reason(loop: Loop) -> None:
    referral = loop.refer()
    loop.accept(referral)
    for to in ("on-hold", "failed"):
        with pytest.raises(ValidationError) as caught:
            move(loop, "carlos", referral, to)
        assert field_of(caught.value) == {"reason"}
    assert move(loop, "carlos", referral, "on-hold", "Waiting for ID").status == "on-hold"
    assert move(loop, "carlos", referral, "in-progress").status == "in-progress"
    assert move(loop, "carlos", referral, "failed", "Did not come").status == "failed"


def test_the_wrong_side_is_refused(loop: Loop) -> None:
    referral = loop.refer()
    with pytest.raises(ValidationError) as caught:
        move(loop, "alice", referral, "accepted")
    assert field_of(caught.value) == {"status"}
    assert "receiving organization" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as caught:
        move(loop, "carlos", referral, "entered-in-error")
    assert "referring organization" in caught.value.message_dict["status"][0]
    # Either side may cancel.
    assert move(loop, "alice", referral, "cancelled", "Found a closer clinic").status == (
        "cancelled"
    )


def test_an_organization_on_neither_side_is_refused(loop: Loop) -> None:
    referral = loop.refer()
    for who in ("hana", "pat", "cora", "lee"):
        with pytest.raises(PermissionDenied):
            move(loop, who, referral, "accepted")
    with pytest.raises(PermissionDenied):
        move(loop, "dana", referral, "accepted")  # analysts never
    assert Referral.objects.get(pk=referral.pk).version == 1
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_a_revoked_consent_stops_the_receiver_from_acting(loop: Loop) -> None:
    referral = loop.refer()
    consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="Changed")
    with pytest.raises(PermissionDenied):
        loop.accept(referral)
    # The requester still holds the record and may cancel.
    assert move(loop, "alice", referral, "cancelled", "Consent withdrawn").status == "cancelled"


def test_entered_in_error_from_any_state_and_never_out(loop: Loop) -> None:
    referral = loop.refer()
    loop.accept(referral)
    gone = move(loop, "alice", referral, "entered-in-error")
    assert gone.status == Status.ENTERED_IN_ERROR
    assert gone.closed_at is not None
    for who, to in (("carlos", "in-progress"), ("alice", "requested"), ("alice", "cancelled")):
        with pytest.raises(ValidationError):
            move(loop, who, referral, to, "x")
    with pytest.raises(ValidationError) as caught:
        services.referral_reopen(
            actor=loop.town.actor("alice"), referral_id=referral.pk, reason="x"
        )
    assert field_of(caught.value) == {"status"}


def test_a_stale_version_is_a_conflict_and_changes_nothing(loop: Loop) -> None:
    referral = loop.refer()
    loop.accept(referral)
    with pytest.raises(ReferralConflict) as caught:
        move(loop, "carlos", referral, "in-progress", expected_version=1)
    assert "Someone else changed this referral" in caught.value.messages[0]
    assert Referral.objects.get(pk=referral.pk).version == 2


def test_accepting_twice_says_someone_else_did_it_first(loop: Loop) -> None:
    referral = loop.refer()
    loop.town.member("cleo", "clinic", Role.CLINICIAN)
    loop.accept(referral, "cleo")
    with pytest.raises(ReferralConflict) as caught:
        loop.accept(referral)
    assert "already accepted by someone else" in caught.value.messages[0]
    assert Referral.objects.get(pk=referral.pk).version == 2
    assert referral.events.filter(to_status="accepted").count() == 1


def test_bulk_moves_each_referral_on_its_own(loop: Loop) -> None:
    first, second, third = loop.refer(), loop.refer(), loop.refer()
    loop.accept(second)
    result = services.referral_bulk_transition(
        actor=loop.town.actor("carlos"),
        referral_ids=[first.pk, second.pk, str(third.pk)],
        to="accepted",
    )
    assert {r.pk for r in result.done} == {first.pk, third.pk}
    assert set(result.failed) == {second.pk}
    assert "already accepted" in result.failed[second.pk]


def test_bulk_declining_without_a_reason_fails_each(loop: Loop) -> None:
    first, second = loop.refer(), loop.refer()
    result = services.referral_bulk_transition(
        actor=loop.town.actor("carlos"), referral_ids=[first.pk, second.pk], to="rejected"
    )
    assert result.done == []
    assert set(result.failed) == {first.pk, second.pk}


# --- appointment, outcome, reopen ------------------------------------------------------------


def test_handoff_notes_need_the_referral_kind_of_information(loop: Loop) -> None:
    referral = loop.refer()
    loop.accept(referral)
    at = timezone.now() + dt.timedelta(hours=3)
    with pytest.raises(ValidationError) as caught:
        services.referral_record_appointment(
            actor=loop.town.actor("carlos"),
            referral_id=referral.pk,
            appointment_at=at,
            handoff_notes="Bring the methadone history",
        )
    assert field_of(caught.value) == {"handoff_notes"}
    updated = services.referral_record_appointment(
        actor=loop.town.actor("alice"),
        referral_id=referral.pk,
        appointment_at=at,
        handoff_notes="Meet at the side door",
    )
    assert updated.handoff_notes == "Meet at the side door"
    written = AuditEvent.objects.filter(
        action=AuditAction.WRITE, actor_username="alice", object_id=str(referral.pk)
    )
    assert written.filter(data_class=DataClass.SUBSTANCE_USE).exists()


def test_appointments_need_a_time_and_an_open_referral(loop: Loop) -> None:
    referral = loop.refer()
    with pytest.raises(ValidationError) as caught:
        services.referral_record_appointment(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, appointment_at=None
        )
    assert field_of(caught.value) == {"appointment_at"}
    move(loop, "carlos", referral, "rejected", "Full")
    with pytest.raises(ValidationError):
        services.referral_record_appointment(
            actor=loop.town.actor("alice"),
            referral_id=referral.pk,
            appointment_at=timezone.now(),
        )


def test_outcomes(loop: Loop) -> None:
    town = loop.town
    carlos = town.actor("carlos")
    today = timezone.localdate()
    referral = loop.refer()
    with pytest.raises(ValidationError) as caught:
        services.referral_record_outcome(
            actor=carlos, referral_id=referral.pk, enrollment="enrolled", outcome_on=today
        )
    assert field_of(caught.value) == {"enrollment"}  # accept it first
    loop.accept(referral)
    with pytest.raises(ValidationError) as caught:
        services.referral_record_outcome(
            actor=carlos, referral_id=referral.pk, enrollment="not_enrolled", outcome_on=today
        )
    assert field_of(caught.value) == {"reason"}
    with pytest.raises(ValidationError) as caught:
        services.referral_record_outcome(
            actor=carlos,
            referral_id=referral.pk,
            enrollment="enrolled",
            outcome_on=today + dt.timedelta(days=5),
        )
    assert field_of(caught.value) == {"outcome_on"}
    with pytest.raises(PermissionDenied):
        services.referral_record_outcome(
            actor=town.actor("alice"),
            referral_id=referral.pk,
            enrollment="enrolled",
            outcome_on=today,
        )
    held = services.referral_record_outcome(
        actor=carlos, referral_id=referral.pk, enrollment="waitlisted", outcome_on=today
    )
    assert held.status == Status.ON_HOLD
    assert held.status_reason == "Waitlisted"
    failed = services.referral_record_outcome(
        actor=carlos,
        referral_id=referral.pk,
        enrollment="not_enrolled",
        outcome_on=today,
        reason="Moved away",
    )
    assert failed.status == Status.FAILED
    assert failed.enrollment == "not_enrolled"


def test_reopening_keeps_the_history(loop: Loop) -> None:
    referral = loop.refer()
    loop.accept(referral)
    services.referral_record_outcome(
        actor=loop.town.actor("carlos"),
        referral_id=referral.pk,
        enrollment="not_enrolled",
        outcome_on=timezone.localdate(),
        reason="Did not come",
    )
    with pytest.raises(ValidationError) as caught:
        services.referral_reopen(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, reason=""
        )
    assert field_of(caught.value) == {"reason"}
    reopened = services.referral_reopen(
        actor=loop.town.actor("carlos"), referral_id=referral.pk, reason="Came back today"
    )
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.reopened_count == 1
    assert reopened.closed_at is None
    assert reopened.enrollment == ""
    kinds = list(referral.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["created", "status", "outcome", "reopened"]
    with pytest.raises(ValidationError):
        services.referral_reopen(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, reason="again"
        )


def test_a_declined_referral_reopens_to_requested_by_the_requester(loop: Loop) -> None:
    referral = loop.refer()
    move(loop, "carlos", referral, "rejected", "No slots")
    with pytest.raises(ValidationError):
        services.referral_reopen(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, reason="Slots now"
        )
    reopened = services.referral_reopen(
        actor=loop.town.actor("alice"), referral_id=referral.pk, reason="Slots opened up"
    )
    assert reopened.status == Status.REQUESTED
    assert reopened.due_at is not None
    assert reopened.due_at > reopened.requested_at - dt.timedelta(seconds=1)
    assert reopened.reminded_at is None
    assert reopened.responded_at is None
    # Sent again: disclosed again.
    assert (
        AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=str(referral.pk)).count()
        == 4
    )


def test_separate_consents_per_kind_of_information_together_allow_sending(
    riverbend: Riverbend,
) -> None:
    town = riverbend
    sam = town.client_record(name="Sam")
    alice = town.actor("alice")
    general = consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.TREATMENT],
        recipient_sectors=["treatment_clinic"],
    )
    substance_use = consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT],
        recipient_organizations=[town.clinic],
        capture_method="paper",
    )
    referral = services.referral_create(
        actor=alice,
        client=sam,
        receiving_organization=town.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        purpose=Purpose.TREATMENT,
    )
    # The referral carries the consent for its most sensitive information; each disclosure
    # row names the consent that covers its kind of information.
    assert referral.consent == substance_use
    disclosed = AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=str(referral.pk))
    assert {(e.data_class, str(e.consent_id)) for e in disclosed} == {
        (DataClass.GENERAL, str(general.pk)),
        (DataClass.SUBSTANCE_USE, str(substance_use.pk)),
    }
