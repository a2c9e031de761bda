"""Referral reads: the inbox, one referral and a person's history, each withholding what the
policy withholds (for carlos, hana, lee...), auditing every row read, in a fixed number of
queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    ConsentCapture,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.services import care_team_add, consent_record, consent_revoke
from carecircle.referrals import selectors, services
from carecircle.referrals.models import Referral
from carecircle.referrals.selectors import InboxFilters
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import HOUSING_NEED, NEED, NOTES, Loop, build_loop

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """The shared loop, with Sam's consent to the clinic signed on paper (42 CFR 2.31)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(
        capture_method=ConsentCapture.PAPER
    )
    built.clinic_consent.refresh_from_db()
    return built


def inbox(loop: Loop, who: str, **filters: Any) -> selectors.InboxPage:
    page = filters.pop("page", 1)
    per_page = filters.pop("per_page", 25)
    return selectors.referral_inbox(
        actor=loop.town.actor(who),
        filters=InboxFilters(**filters),
        purpose=Purpose.CARE_COORDINATION,
        page=page,
        per_page=per_page,
    )


def reads(referral: Referral, username: str) -> set[tuple[str, bool]]:
    return set(
        AuditEvent.objects.filter(
            action=AuditAction.READ,
            object_type="referral",
            object_id=str(referral.pk),
            actor_username=username,
        ).values_list("data_class", "permitted")
    )


# --- the inbox -------------------------------------------------------------------------------


def test_carlos_sees_the_name_but_not_the_substance_use_reason(loop: Loop) -> None:
    referral = loop.refer()
    page = inbox(loop, "carlos")
    assert page.total == 1
    assert not page.has_next
    row = page.rows[0]
    assert row.referral.pk == referral.pk
    assert row.client_name == "Sam Rivers"
    assert row.reason is None
    assert row.withheld == [DataClass.SUBSTANCE_USE]
    assert row.withheld_reasons[0][1] == "Your role does not include this kind of information."
    assert row.moves == ["accepted", "rejected", "cancelled"]
    assert reads(referral, "carlos") == {
        (DataClass.GENERAL, True),
        (DataClass.SUBSTANCE_USE, False),
    }


def test_alice_sees_everything_in_her_outgoing_box(loop: Loop) -> None:
    referral = loop.refer()
    draft = loop.refer_housing(send=False)
    rows = inbox(loop, "alice", box="outgoing").rows
    assert {r.referral.pk for r in rows} == {referral.pk, draft.pk}
    mine = next(r for r in rows if r.referral.pk == referral.pk)
    assert mine.client_name == "Sam Rivers"
    assert mine.reason == NEED
    assert mine.withheld == []
    assert mine.moves == ["cancelled", "entered-in-error"]
    assert inbox(loop, "alice").rows == []  # nothing incoming
    # The housing draft is not in housing's inbox until it is sent.
    assert inbox(loop, "hana").total == 0


def test_hana_sees_what_the_housing_consent_gives(loop: Loop) -> None:
    referral = loop.refer_housing()
    row = inbox(loop, "hana").rows[0]
    assert row.referral.pk == referral.pk
    assert row.client_name == "Sam Rivers"
    assert row.reason == HOUSING_NEED
    consent_revoke(actor=loop.town.actor("alice"), consent=loop.housing_consent, reason="Asked")
    # On the next request the name and the reason are gone, but the workflow stays.
    row = inbox(loop, "hana").rows[0]
    assert row.client_name is None
    assert row.reason is None
    assert row.withheld == [DataClass.GENERAL]
    assert reads(referral, "hana") >= {(DataClass.GENERAL, False)}


def test_lee_sees_no_mental_health_reason_without_a_consent_naming_police(loop: Loop) -> None:
    town = loop.town
    consent_record(
        actor=town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        # Being referred to the police is justice information too.
        data_classes=[DataClass.GENERAL, DataClass.MENTAL_HEALTH, DataClass.JUSTICE],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[town.police],
        capture_method=ConsentCapture.PAPER,
    )
    referral = loop.refer(
        receiving_organization=town.police,
        service=None,
        data_class=DataClass.MENTAL_HEALTH,
        reason="Crisis follow-up with the co-responder team",
        purpose=Purpose.CARE_COORDINATION,
    )
    row = inbox(loop, "lee").rows[0]
    assert row.referral.pk == referral.pk
    assert row.client_name == "Sam Rivers"
    # An outreach worker's role never includes mental-health information.
    assert row.reason is None
    assert row.withheld == [DataClass.MENTAL_HEALTH]
    view = selectors.referral_get(
        actor=town.actor("lee"), referral_id=referral.pk, purpose=Purpose.CARE_COORDINATION
    )
    assert view.reason is None
    assert view.handoff_notes is None


def test_filters(loop: Loop) -> None:
    urgent = loop.refer()
    routine = loop.refer(urgency="routine")
    stat = loop.refer(urgency="stat", service=None)
    loop.accept(routine)
    assert {r.referral.pk for r in inbox(loop, "carlos", statuses=("accepted",)).rows} == {
        routine.pk
    }
    assert {r.referral.pk for r in inbox(loop, "carlos", urgencies=("urgent", "stat")).rows} == {
        urgent.pk,
        stat.pk,
    }
    assert {r.referral.pk for r in inbox(loop, "carlos", service_id=str(loop.bup.pk)).rows} == {
        urgent.pk,
        routine.pk,
    }
    services.referral_transition(
        actor=loop.town.actor("carlos"), referral_id=stat.pk, to="rejected", reason="Full"
    )
    assert inbox(loop, "carlos").total == 2  # open only
    assert inbox(loop, "carlos", open_only=False).total == 3
    with time_machine.travel(timezone.now() + dt.timedelta(hours=5)):
        overdue = inbox(loop, "carlos", overdue=True)
    assert [r.referral.pk for r in overdue.rows] == [urgent.pk]
    assert overdue.rows[0].overdue
    with pytest.raises(ValidationError) as caught:
        inbox(loop, "carlos", box="sideways", statuses=("lost",))
    assert set(caught.value.message_dict) == {"box", "status"}


def test_order_is_overdue_then_urgency_then_newest(loop: Loop) -> None:
    start = timezone.now()
    late_stat = loop.refer(urgency="stat", service=None)  # due after one hour
    with time_machine.travel(start + dt.timedelta(hours=5, minutes=50), tick=False):
        older_urgent = loop.refer()
    with time_machine.travel(start + dt.timedelta(hours=5, minutes=55), tick=False):
        routine = loop.refer(urgency="routine")
        newer_urgent = loop.refer()
    with time_machine.travel(start + dt.timedelta(hours=6), tick=False):
        rows = inbox(loop, "carlos").rows
    assert [r.referral.pk for r in rows] == [
        late_stat.pk,
        newer_urgent.pk,
        older_urgent.pk,
        routine.pk,
    ]


def test_paging(loop: Loop) -> None:
    made = [loop.refer() for _ in range(5)]
    first = inbox(loop, "carlos", per_page=2)
    assert first.total == 5
    assert first.has_next
    assert len(first.rows) == 2
    last = inbox(loop, "carlos", per_page=2, page=3)
    assert len(last.rows) == 1
    assert not last.has_next
    seen = {
        r.referral.pk for p in (1, 2, 3) for r in inbox(loop, "carlos", per_page=2, page=p).rows
    }
    assert seen == {r.pk for r in made}


def test_pages_follow_one_order_across_the_overdue_ones_and_the_others(loop: Loop) -> None:
    start = timezone.now()
    for n in range(7):
        loop.refer(urgency=["urgent", "stat", "routine"][n % 3], service=None)
    with time_machine.travel(start + dt.timedelta(hours=3)):
        for n in range(4):
            loop.refer(urgency=["routine", "urgent"][n % 2], service=None)
    # Five hours on, the first urgent and stat ones are past their deadlines, the rest are not.
    with time_machine.travel(start + dt.timedelta(hours=5)):
        whole = inbox(loop, "carlos", per_page=100)
        assert 0 < sum(r.overdue for r in whole.rows) < whole.total == 11
        for per_page in (1, 2, 3, 4):
            paged = []
            for page in range(1, 12):
                result = inbox(loop, "carlos", per_page=per_page, page=page)
                paged += [r.referral.pk for r in result.rows]
                if not result.has_next:
                    break
            assert paged == [r.referral.pk for r in whole.rows], per_page
    overdue_first = [r.overdue for r in whole.rows]
    assert overdue_first == sorted(overdue_first, reverse=True)


def _inbox_queries(loop: Loop, per_page: int) -> tuple[list[str], int]:
    """The statements of one inbox page, and how many of them insert audit rows."""
    with CaptureQueriesContext(connection) as queries:
        page = inbox(loop, "carlos", per_page=per_page)
    assert len(page.rows) == min(per_page, page.total)
    statements = [q["sql"] for q in queries.captured_queries]
    # An executemany (SQLite) is logged as "<n> times: INSERT ...", a COPY (PostgreSQL) as
    # "<n> rows: COPY ...".
    audit = [s for s in statements if '"privacy_auditevent"' in s[:60]]
    return [s for s in statements if s not in audit], len(audit)


def test_the_inbox_query_count_does_not_grow_with_the_page(loop: Loop) -> None:
    # Several people, several consents, so nothing is decided by luck of one row.
    people = [loop.sam]
    for n in range(6):
        person = loop.town.client_record(name=f"Person {n}", classes=[])
        consent_record(
            actor=loop.town.actor("alice"),
            person=person.person,
            decision="permit",
            # Being referred to a treatment clinic is substance-use information.
            data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
            purposes=[Purpose.CARE_COORDINATION, Purpose.TREATMENT],
            recipient_organizations=[loop.town.clinic],
            capture_method=ConsentCapture.PAPER,
        )
        people.append(person)
    for n in range(60):
        client = people[n % len(people)]
        data_class = DataClass.SUBSTANCE_USE if client is loop.sam else DataClass.GENERAL
        loop.refer(client=client, data_class=data_class, urgency=["routine", "urgent"][n % 2])
    # Five hours on, the 30 urgent ones are overdue: a page of 5 holds only overdue ones, a
    # page of 50 both kinds.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=5)):
        small, small_inserts = _inbox_queries(loop, 5)
        large, large_inserts = _inbox_queries(loop, 50)
        assert inbox(loop, "carlos", overdue=True).total == 30
    assert len(small) == len(large) <= 14
    # The audit rows of the page go in one statement (executemany) on both databases.
    assert small_inserts == large_inserts == 1
    # One audit row per row and class read: the name and the referral's effective kinds.
    before = AuditEvent.objects.count()
    page = inbox(loop, "carlos", per_page=50)
    expected = sum(len({DataClass.GENERAL, *r.effective_classes}) for r in page.rows)
    assert AuditEvent.objects.count() - before == expected


def test_analysts_have_no_inbox(loop: Loop) -> None:
    with pytest.raises(PermissionDenied):
        inbox(loop, "dana")


# --- one referral ------------------------------------------------------------------------------


def test_referral_get_for_each_side(loop: Loop) -> None:
    referral = loop.refer()
    alice = selectors.referral_get(
        actor=loop.town.actor("alice"), referral_id=referral.pk, purpose=Purpose.TREATMENT
    )
    assert alice.side == "requester"
    assert alice.reason == NEED
    assert alice.handoff_notes == NOTES
    assert alice.withheld == []
    assert not alice.shows_part2_notice
    assert [e.kind for e in alice.events] == ["created"]
    carlos = selectors.referral_get(
        actor=loop.town.actor("carlos"), referral_id=referral.pk, purpose=Purpose.TREATMENT
    )
    assert carlos.side == "receiver"
    assert carlos.client_name == "Sam Rivers"
    assert carlos.reason is None
    assert carlos.handoff_notes is None
    assert carlos.withheld == [DataClass.SUBSTANCE_USE]
    # The reason is among its details; the service asked for is one of the clinic's own, and
    # an emergency department's name says nothing sensitive: the intake worker must know
    # whom to call back.
    assert carlos.service_name == "Same-day buprenorphine start"
    assert carlos.requester_organization_name == loop.town.ed.name
    assert carlos.other_organization_name == loop.town.ed.name
    assert carlos.receiving_organization_name == loop.town.clinic.name  # his own
    assert carlos.client_id == loop.sam.pk
    assert [e.reason for e in carlos.events] == [None]
    assert alice.service_name == "Same-day buprenorphine start"
    assert alice.other_organization_name == loop.town.clinic.name
    assert alice.events[0].organization_name == loop.town.ed.name
    # Being referred to a treatment program is Part 2 information the clinic received.
    assert carlos.shows_part2_notice
    assert carlos.moves == ["accepted", "rejected", "cancelled"]
    assert not carlos.can_reopen
    assert reads(referral, "carlos") == {
        (DataClass.GENERAL, True),
        (DataClass.SUBSTANCE_USE, False),
    }


def test_referral_get_refuses_others(loop: Loop) -> None:
    referral = loop.refer()
    for who in ("hana", "lee", "pat", "cora"):
        with pytest.raises(PermissionDenied):
            selectors.referral_get(
                actor=loop.town.actor(who), referral_id=referral.pk, purpose=Purpose.TREATMENT
            )
        assert reads(referral, who) == {(DataClass.GENERAL, False)}
    with pytest.raises(PermissionDenied):
        selectors.referral_get(
            actor=loop.town.actor("dana"), referral_id=referral.pk, purpose=Purpose.TREATMENT
        )
    draft = loop.refer(send=False)
    with pytest.raises(Referral.DoesNotExist):
        selectors.referral_get(
            actor=loop.town.actor("carlos"), referral_id=draft.pk, purpose=Purpose.TREATMENT
        )
    with pytest.raises(Referral.DoesNotExist):
        selectors.referral_get(
            actor=loop.town.actor("alice"), referral_id="not-a-uuid", purpose=Purpose.TREATMENT
        )


def test_referral_get_refuses_when_the_person_withdrew_consent(loop: Loop) -> None:
    referral = loop.refer()
    consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="Asked")
    with pytest.raises(PermissionDenied):
        selectors.referral_get(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, purpose=Purpose.TREATMENT
        )


# --- the history follows the person --------------------------------------------------------------


def test_the_history_follows_the_person_across_organizations(loop: Loop) -> None:
    town = loop.town
    bup = loop.refer()
    housing = loop.refer_housing()
    draft = loop.refer_housing(send=False)
    # alice (the holder) sees all three, her draft too.
    alice = selectors.referral_history(
        actor=town.actor("alice"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
    )
    assert [v.referral.pk for v in alice] == [draft.pk, housing.pk, bup.pk]
    # hana (housing, a side of one) sees the housing referral only: the other names a
    # treatment clinic and carries substance-use information she may not see.
    hana = selectors.referral_history(
        actor=town.actor("hana"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
    )
    assert [(v.referral.pk, v.side) for v in hana] == [(housing.pk, "receiver")]
    assert hana[0].reason == HOUSING_NEED
    # carlos (clinic) sees its own referral and, as general information he may read, the
    # housing one, where he is on neither side: no moves for him there.
    carlos = selectors.referral_history(
        actor=town.actor("carlos"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
    )
    by_id = {v.referral.pk: v for v in carlos}
    assert set(by_id) == {housing.pk, bup.pk}
    assert by_id[housing.pk].side == ""
    assert by_id[housing.pk].moves == []
    assert by_id[bup.pk].reason is None
    # Each shown referral is audited for the classes read.
    assert reads(housing, "carlos") == {(DataClass.GENERAL, True)}


def test_a_care_team_organization_sees_the_workflow_of_the_history(loop: Loop) -> None:
    town = loop.town
    care_team_add(actor=town.actor("alice"), person=loop.sam.person, organization=town.peer)
    consent_record(
        actor=town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_care_team=True,
        capture_method=ConsentCapture.PAPER,
    )
    bup = loop.refer()
    pat = selectors.referral_history(
        actor=town.actor("pat"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
    )
    assert [v.referral.pk for v in pat] == [bup.pk]
    assert pat[0].reason == NEED
    assert pat[0].referral.status == Status.REQUESTED
    assert pat[0].side == ""
    assert pat[0].moves == []
    assert pat[0].shows_part2_notice


def test_the_history_is_refused_without_general_access(loop: Loop) -> None:
    loop.refer()
    for who in ("lee", "dana"):
        with pytest.raises(PermissionDenied):
            selectors.referral_history(
                actor=loop.town.actor(who), client=loop.sam, purpose=Purpose.CARE_COORDINATION
            )


def test_the_history_has_a_fixed_number_of_queries(loop: Loop) -> None:
    for _ in range(3):
        loop.refer_housing()
    with CaptureQueriesContext(connection) as few:
        selectors.referral_history(
            actor=loop.town.actor("hana"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
        )
    for _ in range(12):
        loop.refer_housing()
    with CaptureQueriesContext(connection) as many:
        shown = selectors.referral_history(
            actor=loop.town.actor("hana"), client=loop.sam, purpose=Purpose.CARE_COORDINATION
        )
    assert len(shown) == 15
    assert len(few) == len(many)
