"""The policy with the facts gathered from the database: consent, care team, emergency access."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from carecircle.partners.models import PrivacyRegime, Role, Sector
from carecircle.privacy import policy
from carecircle.privacy.models import DataClass, Person, Purpose
from carecircle.privacy.rules import Basis, Decision
from carecircle.privacy.services import (
    care_team_add,
    care_team_end,
    consent_record,
    consent_revoke,
    emergency_access_grant,
    person_create,
)
from tests.fixtures import Riverbend, build_riverbend

CARE = Purpose.CARE_COORDINATION


def ask(
    town: Riverbend, username: str, person: Person, data_class: str, purpose: str = CARE
) -> Decision:
    return policy.evaluate(
        actor=town.actor(username), person=person, data_class=data_class, purpose=purpose
    )


def test_police_are_denied_health_data_without_consent(riverbend: Riverbend) -> None:
    # A police case manager's role may see health data, so only the police rule can refuse.
    riverbend.member("val", "police", Role.CASE_MANAGER)
    person = person_create(actor=riverbend.actor("alice"))
    decision = ask(riverbend, "val", person, DataClass.HEALTH)
    assert not decision.permitted
    assert "police and justice" in decision.reason
    # Lee (police outreach) sees no harm-reduction data either.
    assert not ask(riverbend, "lee", person, DataClass.HARM_REDUCTION)


def test_police_on_the_care_team_are_still_denied_protected_classes(riverbend: Riverbend) -> None:
    riverbend.member("val", "police", Role.CASE_MANAGER)
    person = person_create(actor=riverbend.actor("alice"))
    care_team_add(actor=riverbend.actor("alice"), person=person, organization=riverbend.police)
    assert ask(riverbend, "val", person, DataClass.GENERAL).basis == Basis.CARE_TEAM
    assert not ask(riverbend, "val", person, DataClass.HEALTH)


def test_police_with_a_sector_wide_consent_are_still_denied(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=[CARE],
        recipient_sectors=[Sector.POLICE_JUSTICE],
    )
    assert not ask(riverbend, "lee", person, DataClass.HARM_REDUCTION)
    # The sector-wide consent does reach classes that are not protected from police.
    assert ask(riverbend, "lee", person, DataClass.JUSTICE).basis == Basis.CONSENT


def test_police_are_permitted_with_a_consent_naming_the_organization(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=[DataClass.HARM_REDUCTION],
        purposes=[CARE],
        recipient_organizations=[riverbend.police],
    )
    decision = ask(riverbend, "lee", person, DataClass.HARM_REDUCTION)
    assert decision.basis == Basis.CONSENT
    assert decision.consent_id == str(consent.pk)


def test_a_revoked_consent_stops_disclosure_at_once(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=[CARE],
        recipient_organizations=[riverbend.housing],
    )
    assert ask(riverbend, "hana", person, DataClass.HEALTH).permitted
    consent_revoke(actor=riverbend.actor("alice"), consent=consent, reason="Withdrawn by phone.")
    assert not ask(riverbend, "hana", person, DataClass.HEALTH)


def test_a_consent_counts_only_within_its_period(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    now = timezone.now()
    consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=[CARE],
        recipient_organizations=[riverbend.housing],
        period_start=now + timedelta(days=1),
        period_end=now + timedelta(days=2),
    )
    assert not ask(riverbend, "hana", person, DataClass.HEALTH)  # pending
    with time_machine.travel(now + timedelta(days=1, hours=1), tick=False):
        assert ask(riverbend, "hana", person, DataClass.HEALTH).permitted
    with time_machine.travel(now + timedelta(days=3), tick=False):
        assert not ask(riverbend, "hana", person, DataClass.HEALTH)  # expired


def test_the_care_team_sees_health_under_part2_hipaa_but_only_identity_under_gdpr(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    care_team_add(actor=riverbend.actor("alice"), person=person, organization=riverbend.housing)
    assert ask(riverbend, "hana", person, DataClass.HEALTH).basis == Basis.CARE_TEAM
    assert ask(riverbend, "hana", person, DataClass.GENERAL).basis == Basis.CARE_TEAM

    lyon = build_riverbend(privacy_regime=PrivacyRegime.EU_GDPR, name="Lyon", suffix="-lyon")
    gdpr_person = person_create(actor=lyon.actor("alice"))
    care_team_add(actor=lyon.actor("alice"), person=gdpr_person, organization=lyon.housing)
    assert not ask(lyon, "hana", gdpr_person, DataClass.HEALTH)
    assert ask(lyon, "hana", gdpr_person, DataClass.GENERAL).basis == Basis.CARE_TEAM


def test_substance_use_is_never_disclosed_to_the_care_team_alone(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    care_team_add(actor=riverbend.actor("alice"), person=person, organization=riverbend.peer)
    assert ask(riverbend, "pat", person, DataClass.MENTAL_HEALTH).basis == Basis.CARE_TEAM
    assert not ask(riverbend, "pat", person, DataClass.SUBSTANCE_USE)
    consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT],
        recipient_care_team=True,
    )
    decision = ask(riverbend, "pat", person, DataClass.SUBSTANCE_USE, purpose=Purpose.TREATMENT)
    assert decision.basis == Basis.CONSENT


def test_a_care_team_that_ended_gives_no_basis(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    member = care_team_add(
        actor=riverbend.actor("alice"), person=person, organization=riverbend.housing
    )
    assert ask(riverbend, "hana", person, DataClass.HEALTH).permitted
    care_team_end(actor=riverbend.actor("alice"), member=member)
    assert not ask(riverbend, "hana", person, DataClass.HEALTH)


def test_a_deny_directive_overrides_the_care_team_but_not_the_own_record(
    riverbend: Riverbend,
) -> None:
    alice = riverbend.actor("alice")
    person = person_create(actor=alice)
    care_team_add(actor=alice, person=person, organization=riverbend.housing)
    consent_record(
        actor=alice,
        person=person,
        decision="deny",
        data_classes=[DataClass.HEALTH],
        purposes=[CARE, Purpose.TREATMENT],
        recipient_care_team=True,
    )
    refused = ask(riverbend, "hana", person, DataClass.HEALTH)
    assert not refused
    assert "refused" in refused.reason
    assert ask(riverbend, "alice", person, DataClass.HEALTH).basis == Basis.OWN_RECORD


def test_emergency_access_permits_with_its_basis_until_it_expires(riverbend: Riverbend) -> None:
    treat = Purpose.TREATMENT  # breaking the glass is for treatment only
    # A second housing case manager: same organization, same role, did not break the glass.
    riverbend.member("hank", "housing", Role.CASE_MANAGER)
    person = person_create(actor=riverbend.actor("alice"))
    assert not ask(riverbend, "hana", person, DataClass.HEALTH, purpose=treat)
    assert not ask(riverbend, "hank", person, DataClass.HEALTH, purpose=treat)
    grant = emergency_access_grant(
        actor=riverbend.actor("hana"), person=person, reason="Found unresponsive at the shelter."
    )
    assert ask(riverbend, "hana", person, DataClass.HEALTH, purpose=treat).basis == Basis.EMERGENCY
    # Only the person who broke the glass gets through, not a colleague in the same role...
    colleague = ask(riverbend, "hank", person, DataClass.HEALTH, purpose=treat)
    assert not colleague
    assert colleague.basis == Basis.NONE
    # ...and only within their role.
    assert not ask(riverbend, "hana", person, DataClass.SUBSTANCE_USE, purpose=treat)
    with time_machine.travel(grant.expires_at + timedelta(seconds=1), tick=False):
        assert not ask(riverbend, "hana", person, DataClass.HEALTH, purpose=treat)


def test_the_owning_organization_may_not_use_its_record_for_research_without_consent(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    assert not ask(riverbend, "alice", person, DataClass.HEALTH, purpose=Purpose.RESEARCH)
    assert ask(riverbend, "alice", person, DataClass.HEALTH, purpose=Purpose.TREATMENT)
