"""The batch policy (a page of an inbox or a list): the same decisions as one by one, audited
per object, in queries that do not grow with the number of people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from carecircle.privacy import policy
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from carecircle.privacy.selectors import people_read
from carecircle.privacy.services import (
    care_team_add,
    consent_record,
    consent_revoke,
    emergency_access_grant,
)
from tests.fixtures import PERSONAS, Riverbend, riverbend

__all__ = ["riverbend"]

PURPOSES = [Purpose.TREATMENT, Purpose.CARE_COORDINATION]


def varied_people(town: Riverbend) -> list[Any]:
    """People in every consent state the policy knows: none, permit to an organization, to a
    sector, to the care team, a refusal, revoked, expired, and a record another org holds."""
    alice = town.actor("alice")
    people = [town.client_record(name=f"P{n}").person for n in range(7)]
    consent_record(
        actor=alice,
        person=people[1],
        decision="permit",
        data_classes=DataClass.values,
        purposes=PURPOSES,
        recipient_organizations=[town.clinic, town.police],
    )
    consent_record(
        actor=alice,
        person=people[2],
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=PURPOSES,
        recipient_sectors=["housing"],
    )
    care_team_add(actor=alice, person=people[3], organization=town.peer)
    consent_record(
        actor=alice,
        person=people[3],
        decision="permit",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=PURPOSES,
        recipient_care_team=True,
    )
    care_team_add(actor=alice, person=people[4], organization=town.housing)
    consent_record(
        actor=alice,
        person=people[4],
        decision="deny",
        data_classes=[DataClass.HEALTH],
        purposes=PURPOSES,
        recipient_organizations=[town.housing],
    )
    revoked = consent_record(
        actor=alice,
        person=people[5],
        decision="permit",
        data_classes=DataClass.values,
        purposes=PURPOSES,
        recipient_organizations=[town.clinic],
    )
    consent_revoke(actor=alice, consent=revoked, reason="The person changed their mind.")
    consent_record(
        actor=alice,
        person=people[6],
        decision="permit",
        data_classes=DataClass.values,
        purposes=PURPOSES,
        recipient_organizations=[town.clinic],
        period_start=timezone.now() - timedelta(days=30),
        period_end=timezone.now() - timedelta(days=1),
    )
    people.append(town.client_record(owner="hana", name="Held by housing").person)
    emergency_access_grant(
        actor=alice, person=people[-1], reason="Unconscious in the ED, need history."
    )
    return people


def test_batch_decisions_equal_one_by_one_for_every_persona(riverbend: Riverbend) -> None:
    people = varied_people(riverbend)
    for username in PERSONAS:
        actor = riverbend.actor(username)
        for purpose in (*PURPOSES, Purpose.RESEARCH):
            batch = policy.evaluate_people(
                actor=actor, people=people, data_classes=DataClass.values, purpose=purpose
            )
            for person in people:
                single = policy.evaluate_many(
                    actor=actor, person=person, data_classes=DataClass.values, purpose=purpose
                )
                assert batch[person.pk] == single, (username, purpose, person.pk)


def test_people_read_audits_each_object_and_class(riverbend: Riverbend) -> None:
    people = varied_people(riverbend)
    before = AuditEvent.objects.count()
    decisions = people_read(
        actor=riverbend.actor("carlos"),
        reads=[
            (p, [DataClass.GENERAL, DataClass.SUBSTANCE_USE], "referral", f"r{n}")
            for n, p in enumerate(people)
        ],
        purpose=Purpose.TREATMENT,
    )
    rows = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert len(rows) == 2 * len(people)
    for row in rows:
        assert row.permitted == decisions[row.person_id][row.data_class].permitted
        assert row.object_type == "referral"
    # carlos is an intake volunteer: names at most, never substance-use data.
    assert not any(d[DataClass.SUBSTANCE_USE].permitted for d in decisions.values())


def test_batch_queries_do_not_grow_with_the_number_of_people(
    riverbend: Riverbend, django_assert_max_num_queries: Any
) -> None:
    people = varied_people(riverbend)
    actor = riverbend.actor("alice")
    with django_assert_max_num_queries(6):
        policy.evaluate_people(
            actor=actor, people=people[:2], data_classes=DataClass.values, purpose="treatment"
        )
    with django_assert_max_num_queries(6):
        policy.evaluate_people(
            actor=actor, people=people, data_classes=DataClass.values, purpose="treatment"
        )
