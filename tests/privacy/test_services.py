"""The privacy core's writes: each validates, writes once with its audit row, or writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    CareTeamMember,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Person,
    Purpose,
)
from carecircle.privacy.selectors import emergency_access_for_review
from carecircle.privacy.services import (
    care_team_add,
    consent_record,
    consent_revoke,
    emergency_access_grant,
    emergency_access_review,
    person_create,
)
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def _permit(town: Riverbend, person: Person, **overrides: object) -> ConsentDirective:
    arguments: dict[str, object] = {
        "actor": town.actor("alice"),
        "person": person,
        "decision": "permit",
        "data_classes": [DataClass.HEALTH],
        "purposes": [CARE],
        "recipient_organizations": [town.housing],
    }
    arguments.update(overrides)
    return consent_record(**arguments)  # type: ignore[arg-type]


def test_person_create_is_owned_by_the_actor_organization_and_audited(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    assert person.owner_organization == riverbend.ed
    row = AuditEvent.objects.get(person_id=person.pk)
    assert (row.action, row.basis, row.actor_username) == ("write", "own_record", "alice")


def test_consent_record_writes_the_directive_and_an_audit_row(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    before = AuditEvent.objects.count()
    consent = _permit(riverbend, person, data_classes=[DataClass.HEALTH, DataClass.HEALTH])
    assert consent.data_classes == [DataClass.HEALTH]
    assert list(consent.recipient_organizations.all()) == [riverbend.housing]
    assert consent.state() == "active"
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.last().object_id == str(consent.pk)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({"data_classes": []}, "data_classes"),
        ({"data_classes": ["gossip"]}, "data_classes"),
        ({"purposes": ["marketing"]}, "purposes"),
        ({"recipient_sectors": ["casino"]}, "recipient_sectors"),
        ({"recipient_organizations": []}, "recipients"),
        ({"period_end": timezone.now() - timedelta(days=1)}, "period_end"),
    ],
)
def test_consent_record_rejects_bad_input_naming_the_field_and_writes_nothing(
    riverbend: Riverbend, overrides: dict[str, object], field: str
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        _permit(riverbend, person, **overrides)
    assert field in caught.value.message_dict
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.count() == before


def test_someone_outside_the_owner_and_care_team_cannot_record_consent(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(PermissionDenied):
        _permit(riverbend, person, actor=riverbend.actor("hana"))
    assert not ConsentDirective.objects.exists()


def test_the_care_team_cannot_record_consent(riverbend: Riverbend) -> None:
    # A care-team organization writing directives could widen its own access.
    person = person_create(actor=riverbend.actor("alice"))
    care_team_add(actor=riverbend.actor("alice"), person=person, organization=riverbend.housing)
    with pytest.raises(PermissionDenied):
        _permit(riverbend, person, actor=riverbend.actor("hana"))
    assert not ConsentDirective.objects.filter(person=person).exists()


def test_consent_revoke_needs_a_reason_and_happens_once(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent = _permit(riverbend, person)
    with pytest.raises(ValidationError) as caught:
        consent_revoke(actor=riverbend.actor("alice"), consent=consent, reason="  ")
    assert "reason" in caught.value.message_dict
    revoked = consent_revoke(actor=riverbend.actor("alice"), consent=consent, reason="Withdrawn.")
    assert revoked.state() == "revoked"
    assert revoked.revocation_reason == "Withdrawn."
    with pytest.raises(ValidationError):
        consent_revoke(actor=riverbend.actor("alice"), consent=consent, reason="Again.")


def test_someone_else_cannot_revoke_a_consent(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent = _permit(riverbend, person)
    with pytest.raises(PermissionDenied):
        consent_revoke(actor=riverbend.actor("hana"), consent=consent, reason="Not mine.")
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_care_team_add_rejects_an_unknown_role(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(ValidationError) as caught:
        care_team_add(
            actor=riverbend.actor("alice"),
            person=person,
            organization=riverbend.housing,
            role="wizard",
        )
    assert "role" in caught.value.message_dict
    assert not CareTeamMember.objects.exists()


def test_emergency_access_grant_is_time_limited_audited_and_flagged(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    grant = emergency_access_grant(
        actor=riverbend.actor("hana"), person=person, reason="  Found unresponsive at the shelter."
    )
    assert grant.reason == "Found unresponsive at the shelter."
    assert grant.expires_at > grant.granted_at
    assert AuditEvent.objects.filter(
        action=AuditAction.EMERGENCY, object_id=str(grant.pk), basis="emergency_access"
    ).exists()
    assert list(emergency_access_for_review(actor=riverbend.actor("erin"))) == [grant]


def test_emergency_access_needs_a_real_reason(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(ValidationError) as caught:
        emergency_access_grant(actor=riverbend.actor("hana"), person=person, reason="urgent")
    assert "reason" in caught.value.message_dict
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("username", ["dana", "carlos", "erin"])
def test_roles_that_see_only_identity_cannot_break_the_glass(
    riverbend: Riverbend, username: str
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(PermissionDenied):
        emergency_access_grant(
            actor=riverbend.actor(username), person=person, reason="I would like to look."
        )
    assert not EmergencyAccess.objects.exists()


def test_emergency_access_review_belongs_to_the_owning_organization_admin(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    grant = emergency_access_grant(
        actor=riverbend.actor("hana"), person=person, reason="Found unresponsive at the shelter."
    )
    riverbend.member("hugo", "housing", "org_admin")
    for username in ("alice", "hugo"):
        with pytest.raises(PermissionDenied):
            emergency_access_review(
                actor=riverbend.actor(username), grant=grant, outcome="justified"
            )
    with pytest.raises(ValidationError) as caught:
        emergency_access_review(actor=riverbend.actor("erin"), grant=grant, outcome="fine")
    assert "outcome" in caught.value.message_dict
    reviewed = emergency_access_review(
        actor=riverbend.actor("erin"), grant=grant, outcome="justified", note=" Overdose. "
    )
    assert (reviewed.review_outcome, reviewed.review_note) == ("justified", "Overdose.")
    assert not emergency_access_for_review(actor=riverbend.actor("erin")).exists()
    with pytest.raises(ValidationError):
        emergency_access_review(actor=riverbend.actor("erin"), grant=grant, outcome="justified")
