"""Sending a referral discloses more than its reason: naming a treatment clinic, a peer-recovery
network, a mental-health service or police in connection with a person tells something too.
The sender must see what they send; the person's consent must cover every kind of information
the referral discloses (signed, for substance-use information under 42 CFR Part 2); every kind
sent leaves a DISCLOSE row, and every refused send leaves a refused one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.clients.models import Client
from carecircle.partners.models import PrivacyRegime, Role
from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.services import consent_record, consent_revoke
from carecircle.referrals import services
from carecircle.referrals.models import Referral, effective_classes
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, build_riverbend, riverbend
from tests.referrals.helpers import HOUSING_NEED, Loop, build_loop

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """Sam's consent to the clinic signed on paper (the shared loop records it verbally)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


def disclosed(referral: Referral) -> set[tuple[str, str]]:
    rows = AuditEvent.objects.filter(
        action=AuditAction.DISCLOSE, permitted=True, object_id=str(referral.pk)
    )
    return {(e.data_class, str(e.consent_id)) for e in rows}


def refused_disclosures(after: int) -> set[tuple[str, int | None]]:
    rows = AuditEvent.objects.filter(seq__gt=after, action=AuditAction.DISCLOSE, permitted=False)
    return {(e.data_class, e.recipient_organization_id) for e in rows}


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def permit(town: Riverbend, client: Client, who: str, **kwargs: Any) -> ConsentDirective:
    values: dict[str, Any] = {
        "decision": "permit",
        "purposes": [Purpose.TREATMENT, Purpose.CARE_COORDINATION],
    }
    return consent_record(actor=town.actor(who), person=client.person, **(values | kwargs))


# --- what a referral discloses ------------------------------------------------------------------


def test_effective_classes_add_what_the_organizations_names_say() -> None:
    assert effective_classes(
        data_class="general", requester_sector="emergency_department", receiver_sector="housing"
    ) == ("general",)
    assert effective_classes(
        data_class="general",
        requester_sector="emergency_department",
        receiver_sector="treatment_clinic",
    ) == ("general", "substance_use")
    assert effective_classes(
        data_class="mental_health",
        requester_sector="police_justice",
        receiver_sector="peer_recovery",
    ) == ("general", "mental_health", "justice", "substance_use")


def test_a_general_referral_to_a_clinic_needs_consent_for_substance_use(
    riverbend: Riverbend,
) -> None:
    town = riverbend
    sam = town.client_record(name="Sam")
    permit(
        town, sam, "alice", data_classes=[DataClass.GENERAL], recipient_organizations=[town.clinic]
    )
    before = last_seq()
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=town.actor("alice"),
            client=sam,
            receiving_organization=town.clinic,
            data_class=DataClass.GENERAL,
            purpose=Purpose.TREATMENT,
        )
    assert set(caught.value.message_dict) == {"consent"}
    assert refused_disclosures(before) == {
        (DataClass.GENERAL, town.clinic.pk),
        (DataClass.SUBSTANCE_USE, town.clinic.pk),
    }
    both = permit(
        town,
        sam,
        "alice",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.clinic],
        capture_method="paper",
    )
    referral = services.referral_create(
        actor=town.actor("alice"),
        client=sam,
        receiving_organization=town.clinic,
        data_class=DataClass.GENERAL,
        purpose=Purpose.TREATMENT,
    )
    assert referral.consent == both
    # Both kinds were disclosed under it, and the rows name the receiving organization.
    assert disclosed(referral) == {
        (DataClass.GENERAL, str(both.pk)),
        (DataClass.SUBSTANCE_USE, str(both.pk)),
    }
    rows = AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=str(referral.pk))
    assert {e.recipient_organization_id for e in rows} == {town.clinic.pk}


def test_a_peer_network_s_referral_to_housing_discloses_substance_use(
    riverbend: Riverbend,
) -> None:
    # Being known to a peer-recovery network is substance-use information: housing receives it
    # only if the person agreed to that.
    town = riverbend
    river = town.client_record(owner="pat", name="River")
    permit(
        town, river, "pat", data_classes=[DataClass.GENERAL], recipient_organizations=[town.housing]
    )
    refer = {
        "actor": town.actor("pat"),
        "client": river,
        "receiving_organization": town.housing,
        "data_class": DataClass.GENERAL,
        "purpose": Purpose.CARE_COORDINATION,
        "reason": HOUSING_NEED,
    }
    with pytest.raises(ValidationError) as caught:
        services.referral_create(**refer)
    assert set(caught.value.message_dict) == {"consent"}
    su = permit(
        town,
        river,
        "pat",
        data_classes=[DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.housing],
        capture_method="paper",
    )
    referral = services.referral_create(**refer)
    assert referral.consent == su
    kinds = {data_class for data_class, _consent in disclosed(referral)}
    assert kinds == {DataClass.GENERAL, DataClass.SUBSTANCE_USE}


def test_the_sender_must_see_what_their_own_organization_s_name_says(
    riverbend: Riverbend,
) -> None:
    # An intake volunteer at the peer network sees general information only: sending anyone
    # anywhere would disclose the substance-use information they may not see.
    town = riverbend
    town.member("ivy", "peer", Role.INTAKE_VOLUNTEER)
    river = town.client_record(owner="pat", name="River")
    permit(
        town,
        river,
        "pat",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.housing],
        capture_method="paper",
    )
    before = last_seq()
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=town.actor("ivy"),
            client=river,
            receiving_organization=town.housing,
            data_class=DataClass.GENERAL,
            purpose=Purpose.CARE_COORDINATION,
        )
    refused = AuditEvent.objects.filter(seq__gt=before, permitted=False, actor_username="ivy")
    assert set(refused.values_list("action", "data_class")) == {
        (AuditAction.WRITE, DataClass.SUBSTANCE_USE)
    }
    assert not Referral.objects.exists()
    # A draft stays in the organization: ivy may start one.
    draft = services.referral_create(
        actor=town.actor("ivy"),
        client=river,
        receiving_organization=town.housing,
        data_class=DataClass.GENERAL,
        purpose=Purpose.CARE_COORDINATION,
        send=False,
    )
    assert draft.status == Status.DRAFT


def test_police_refer_to_a_clinic_only_with_the_person_s_consent_to_the_clinic(
    riverbend: Riverbend,
) -> None:
    town = riverbend
    jo = town.client_record(owner="lee", name="Jo")
    refer = {
        "actor": town.actor("lee"),
        "client": jo,
        "receiving_organization": town.clinic,
        "data_class": DataClass.GENERAL,
        "purpose": Purpose.CARE_COORDINATION,
        "reason": "Asked to see someone about starting treatment.",
    }
    with pytest.raises(ValidationError) as caught:
        services.referral_create(**refer)
    assert set(caught.value.message_dict) == {"consent"}
    # The person agrees to the clinic hearing from police (which says justice information) and
    # to what being sent to a clinic says: police still never see substance-use information.
    consent = permit(
        town,
        jo,
        "lee",
        data_classes=[DataClass.GENERAL, DataClass.JUSTICE, DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.clinic],
        capture_method="paper",
    )
    referral = services.referral_create(**refer)
    assert referral.consent == consent
    assert {c for c, _ in disclosed(referral)} == {
        DataClass.GENERAL,
        DataClass.JUSTICE,
        DataClass.SUBSTANCE_USE,
    }


def test_a_verbal_consent_does_not_send_substance_use_information_under_part_2(
    riverbend: Riverbend,
) -> None:
    loop = build_loop(riverbend)
    # As if Sam's consent to the clinic had been given out loud only.
    ConsentDirective.objects.filter(pk=loop.clinic_consent.pk).update(capture_method="verbal")
    before = last_seq()
    with pytest.raises(ValidationError) as caught:
        loop.refer()
    message = caught.value.message_dict["consent"][0]
    assert "signed consent" in message
    assert "42 CFR Part 2" in message
    assert "Riverbend MOUD Clinic" in message
    assert refused_disclosures(before) == {
        (DataClass.GENERAL, riverbend.clinic.pk),
        (DataClass.SUBSTANCE_USE, riverbend.clinic.pk),
    }
    assert not Referral.objects.exists()
    # Housing receives general information on a verbal consent.
    assert loop.refer_housing().status == Status.REQUESTED


def test_a_verbal_consent_is_enough_outside_part_2(db: None) -> None:
    town = build_riverbend(privacy_regime=PrivacyRegime.ON_PHIPA, name="Lakeside", suffix="-on")
    loop = build_loop(town)
    ConsentDirective.objects.filter(pk=loop.clinic_consent.pk).update(capture_method="verbal")
    assert loop.refer().status == Status.REQUESTED


def test_a_signed_consent_for_substance_use_and_a_verbal_one_for_the_rest(
    riverbend: Riverbend,
) -> None:
    town = riverbend
    sam = town.client_record(name="Sam")
    general = permit(
        town, sam, "alice", data_classes=[DataClass.GENERAL], recipient_sectors=["treatment_clinic"]
    )
    signed = permit(
        town,
        sam,
        "alice",
        data_classes=[DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.clinic],
        capture_method="paper",
    )
    referral = services.referral_create(
        actor=town.actor("alice"),
        client=sam,
        receiving_organization=town.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        purpose=Purpose.TREATMENT,
    )
    assert referral.consent == signed
    assert disclosed(referral) == {
        (DataClass.GENERAL, str(general.pk)),
        (DataClass.SUBSTANCE_USE, str(signed.pk)),
    }


# --- drafts, sending later, reopening -------------------------------------------------------


def test_a_draft_needs_no_consent_and_sending_it_does(loop: Loop) -> None:
    town = loop.town
    draft = loop.refer(receiving_organization=town.peer, service=None, send=False)
    assert draft.status == Status.DRAFT
    assert draft.consent is None
    assert not AuditEvent.objects.filter(action=AuditAction.DISCLOSE).exists()
    before = last_seq()
    with pytest.raises(ValidationError) as caught:
        services.referral_send(actor=town.actor("alice"), referral_id=draft.pk)
    assert set(caught.value.message_dict) == {"consent"}
    # The refused send is in the trail, on this referral; nothing else changed.
    refused = AuditEvent.objects.filter(seq__gt=before, permitted=False)
    assert {(e.action, e.object_id) for e in refused} == {(AuditAction.DISCLOSE, str(draft.pk))}
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Status.DRAFT, 1)
    permit(
        town,
        loop.sam,
        "alice",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        recipient_organizations=[town.peer],
        capture_method="paper",
    )
    sent = services.referral_send(actor=town.actor("alice"), referral_id=draft.pk)
    assert sent.status == Status.REQUESTED
    assert {c for c, _ in disclosed(sent)} == {DataClass.GENERAL, DataClass.SUBSTANCE_USE}


def test_the_receiver_cannot_tell_a_draft_from_a_missing_referral(loop: Loop) -> None:
    draft = loop.refer(send=False)
    for call in (
        lambda: loop.accept(draft),
        lambda: services.referral_reopen(
            actor=loop.town.actor("carlos"), referral_id=draft.pk, reason="x"
        ),
        lambda: services.referral_transition(
            actor=loop.town.actor("carlos"),
            referral_id=draft.pk,
            to="cancelled",
            reason="x",
        ),
    ):
        with pytest.raises(Referral.DoesNotExist):
            call()
    with pytest.raises(Referral.DoesNotExist):
        services.referral_transition(
            actor=loop.town.actor("carlos"), referral_id="not-a-uuid", to="accepted"
        )


def test_reopening_to_requested_needs_the_consent_again(loop: Loop) -> None:
    referral = loop.refer()
    services.referral_transition(
        actor=loop.town.actor("carlos"), referral_id=referral.pk, to="rejected", reason="Full"
    )
    consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="Changed")
    before = last_seq()
    with pytest.raises(ValidationError) as caught:
        services.referral_reopen(
            actor=loop.town.actor("alice"), referral_id=referral.pk, reason="Slots opened"
        )
    assert set(caught.value.message_dict) == {"consent"}
    assert refused_disclosures(before) == {
        (DataClass.GENERAL, loop.town.clinic.pk),
        (DataClass.SUBSTANCE_USE, loop.town.clinic.pk),
    }
    assert Referral.objects.get(pk=referral.pk).status == Status.REJECTED


# --- checked inside the transaction ------------------------------------------------------------


def test_the_policy_consent_and_capacity_are_read_inside_the_transaction(loop: Loop) -> None:
    with CaptureQueriesContext(connection) as queries:
        loop.refer()
    sql = [q["sql"] for q in queries.captured_queries]
    start = next(i for i, q in enumerate(sql) if q.startswith("SAVEPOINT"))

    def first(table: str) -> int:
        return next(i for i, q in enumerate(sql) if table in q)

    assert first("privacy_consentdirective") > start
    assert first("directory_servicecapacity") > start
    assert first("privacy_careteammember") > start
    # The consent relied on is read again, locked, before the referral is written.
    assert first("privacy_consentdirective") < first('INSERT INTO "referrals_referral"')
