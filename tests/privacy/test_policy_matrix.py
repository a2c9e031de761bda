"""Every sector x role x consent state x data class, through the database-backed policy.

The person is always owned by another organization, the actor's organization is not on the
care team and there is no emergency access: the only possible basis is the consent. Each test
case is one sector and one role, and checks 4 consent states x 2 kinds of recipient x 6 data
classes against the oracle below, which states the rules in words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from carecircle.partners import services as partners
from carecircle.partners.models import Organization, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.models import DataClass, Person, Purpose
from carecircle.privacy.rules import Basis
from carecircle.privacy.services import consent_record, consent_revoke, person_create

PURPOSE = Purpose.CARE_COORDINATION
STATES = ("none", "active", "expired", "revoked")
#: Who the permit consent names: the actor's organization itself, or its whole sector.
RECIPIENTS = ("the organization", "the sector")

H, S, M, R, J, G = (
    DataClass.HEALTH,
    DataClass.SUBSTANCE_USE,
    DataClass.MENTAL_HEALTH,
    DataClass.HARM_REDUCTION,
    DataClass.JUSTICE,
    DataClass.GENERAL,
)

# --- the oracle: the rule table in words --------------------------------------------------------

#: What each role may ever see, whatever the consent says (least privilege for the job).
ROLE_MAY_SEE: dict[str, set[str]] = {
    Role.COORDINATOR: {G, J},
    Role.CLINICIAN: {G, H, S, M, R},
    Role.CASE_MANAGER: {G, H, M, R, J},
    Role.PEER_WORKER: {G, S, M, R},
    Role.OUTREACH_WORKER: {G, R, J},
    Role.INTAKE_VOLUNTEER: {G},
    Role.ANALYST: set(),  # aggregates only, never a person's record
    Role.ORG_ADMIN: {G},
}
#: Police and justice see these only with a consent naming their very organization.
PROTECTED_FROM_POLICE = {H, S, M, R}


def expected(*, sector: str, role: str, state: str, recipient: str, data_class: str) -> bool:
    if data_class not in ROLE_MAY_SEE[role]:
        return False  # the role is never entitled
    if state != "active":
        return False  # no consent, or an expired or revoked one, grants nothing
    if sector == Sector.POLICE_JUSTICE and data_class in PROTECTED_FROM_POLICE:
        return recipient == "the organization"  # a sector-wide consent is not enough
    return True  # an active consent naming the recipient grants


def test_the_oracle_covers_every_role() -> None:
    assert set(ROLE_MAY_SEE) == set(Role.values)


# --- the sweep --------------------------------------------------------------------------------


@dataclass
class Sweep:
    """Per sector: one organization, one actor per role, and one person per consent state."""

    actors: dict[tuple[str, str], Actor]
    people: dict[tuple[str, str, str], Person]


@pytest.fixture(scope="module")
def sweep(django_db_setup: None, django_db_blocker: Any) -> Iterator[Sweep]:
    """Built once for the module inside a transaction that is rolled back at the end: each
    test then only asks the policy (the per-test savepoints nest inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        jurisdiction = partners.jurisdiction_create(
            name="Matrix County", country="US", privacy_regime="us_part2_hipaa"
        )
        ed = partners.organization_create(
            name="Matrix ED", sector=Sector.EMERGENCY_DEPARTMENT, jurisdiction=jurisdiction
        )
        owner_user = partners.user_create(username="matrix-owner", password=None)
        owner = Actor.from_membership(
            partners.membership_create(user=owner_user, organization=ed, role=Role.CLINICIAN)
        )
        sweep = Sweep(actors={}, people={})
        for sector in Sector.values:
            organization = partners.organization_create(
                name=f"A {sector} partner", sector=sector, jurisdiction=jurisdiction
            )
            for role in Role.values:
                user = partners.user_create(username=f"{role}-at-{sector}", password=None)
                sweep.actors[sector, role] = Actor.from_membership(
                    partners.membership_create(user=user, organization=organization, role=role)
                )
            for state in STATES:
                for recipient in RECIPIENTS if state != "none" else RECIPIENTS[:1]:
                    sweep.people[sector, state, recipient] = _person_with_consent(
                        owner, organization, state, recipient
                    )
        yield sweep
        transaction.set_rollback(True)


def _person_with_consent(
    owner: Actor, organization: Organization, state: str, recipient: str
) -> Person:
    person = person_create(actor=owner)
    if state == "none":
        return person
    now = timezone.now()
    recipients: dict[str, object] = (
        {"recipient_organizations": [organization]}
        if recipient == "the organization"
        else {"recipient_sectors": [organization.sector]}
    )
    window: dict[str, object] = (
        {"period_start": now - timedelta(days=30), "period_end": now - timedelta(days=1)}
        if state == "expired"
        else {}
    )
    consent = consent_record(
        actor=owner,
        person=person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=[PURPOSE],
        **recipients,  # type: ignore[arg-type]
        **window,  # type: ignore[arg-type]
    )
    if state == "revoked":
        consent_revoke(actor=owner, consent=consent, reason="The person withdrew it.")
    return person


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("sector", Sector.values)
@pytest.mark.django_db
def test_policy_matrix(sweep: Sweep, sector: str, role: str) -> None:
    actor = sweep.actors[sector, role]
    wrong: list[str] = []
    checked = 0
    for state in STATES:
        for recipient in RECIPIENTS if state != "none" else RECIPIENTS[:1]:
            person = sweep.people[sector, state, recipient]
            # One gathering of facts per person; evaluate() is evaluate_many() for one class.
            decisions = policy.evaluate_many(
                actor=actor, person=person, data_classes=DataClass.values, purpose=PURPOSE
            )
            for data_class, decision in decisions.items():
                want = expected(
                    sector=sector,
                    role=role,
                    state=state,
                    recipient=recipient,
                    data_class=data_class,
                )
                checked += 1
                if decision.permitted != want:
                    wrong.append(
                        f"{state} consent naming {recipient}, {data_class}: "
                        f"expected {'permit' if want else 'deny'}, got {decision}"
                    )
                elif want and (decision.basis != Basis.CONSENT or decision.consent_id is None):
                    wrong.append(f"{state}/{recipient}/{data_class}: basis {decision.basis}")
                elif not want and decision.basis != Basis.NONE:
                    wrong.append(f"{state}/{recipient}/{data_class}: denial with {decision.basis}")
    assert checked == 7 * len(DataClass.values)
    # And the single-class door agrees with the many-class one.
    assert (
        policy.evaluate(actor=actor, person=person, data_class=DataClass.GENERAL, purpose=PURPOSE)
        == decisions[DataClass.GENERAL]
    )
    assert not wrong, f"{sector} x {role}:\n" + "\n".join(wrong)
