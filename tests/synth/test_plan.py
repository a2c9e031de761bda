"""The planning kernel: pure, deterministic, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from carecircle.privacy import rules
from carecircle.referrals.states import STATUSES
from carecircle.synth import care_catalogue, catalogue
from carecircle.synth.model import EntryJudge, ReferralPlan
from carecircle.synth.plan import plan_community
from carecircle.synth.referrals import (
    check_history,
    consent_for,
    created_days_ago,
    disclosed_classes,
    replay,
)


def summary(seed: int) -> tuple[list[str], list[str], list[tuple[str, str, int]]]:
    plan = plan_community(scale="small", seed=seed)
    return (
        [o.name for o in plan.organizations],
        [s.username for s in plan.staff],
        [(c.preferred_name, c.identifier_code, len(c.entries)) for c in plan.clients()],
    )


def test_the_same_seed_plans_the_same_community() -> None:
    assert summary(7) == summary(7)
    plan = plan_community(scale="small", seed=7)
    assert list(plan.clients()) == list(plan.clients())


def test_another_seed_plans_other_people() -> None:
    one, other = summary(7), summary(8)
    assert one[0] == other[0]  # the partners are Riverbend's own
    assert one[1] != other[1]
    assert one[2] != other[2]


def test_it_rejects_an_unknown_scale() -> None:
    with pytest.raises(ValueError, match="scale"):
        plan_community(scale="huge", seed=1)


def test_the_scales_grow_as_promised() -> None:
    medium = plan_community(scale="medium", seed=1)
    assert 1_300 <= len(medium.staff) <= 1_700
    assert medium.client_count == 1_500
    large = plan_community(scale="large", seed=1)
    assert 190 <= len(large.organizations) <= 210
    assert 18_000 <= len(large.staff) <= 22_000
    assert large.client_count == 200_000


def test_every_planned_entry_is_one_the_policy_permits() -> None:
    plan = plan_community(scale="small", seed=3)
    for client in plan.clients():
        judge = EntryJudge(
            plan.roster, owner=client.owner, care_team=client.care_team, consents=client.consents
        )
        for entry in client.entries:
            role = plan.roster.role(entry.author, entry.organization)
            decision = judge.decide(
                organization=entry.organization, role=role, data_class=entry.data_class
            )
            assert decision.permitted
            assert decision.basis == entry.basis


def test_the_catalogue_covers_every_sector_and_role() -> None:
    from carecircle.partners.models import Role, Sector

    assert set(catalogue.SECTORS) == set(Sector.values)
    assert {sector for _, sector in catalogue.MEMBERS} == set(Sector.values)
    roles = {role for pairs in catalogue.SECTOR_ROLES.values() for role, _ in pairs}
    assert roles | {catalogue.ORG_ADMIN} == set(Role.values)
    assert set(catalogue.ENTRY_TEXTS) == set(rules.ALL_CLASSES)


def test_usernames_are_unique_and_personas_come_first() -> None:
    plan = plan_community(scale="medium", seed=5)
    usernames = [s.username for s in plan.staff]
    assert len(usernames) == len(set(usernames))
    assert usernames[:9] == [p[0] for p in catalogue.PERSONAS]
    assert all(s.username.isalnum() for s in plan.staff)


def referrals(seed: int, scale: str = "small") -> list[ReferralPlan]:
    return [r for c in plan_community(scale=scale, seed=seed).clients() for r in c.referrals]


def test_the_same_seed_plans_the_same_referrals() -> None:
    assert referrals(7) == referrals(7)
    assert referrals(7) != referrals(8)


def test_every_planned_referral_history_is_one_the_workflow_allows() -> None:
    planned = referrals(3, "medium")
    assert 3_600 <= len(planned) <= 4_400  # "about 4,000 referrals" for 1,500 people
    for referral in planned:
        check_history(referral)
    assert {r.status for r in planned} == set(STATUSES)
    assert {r.overdue for r in planned} == {"", "overdue", "reminded", "escalated"}
    assert {r.urgency for r in planned} == {"routine", "urgent", "asap", "stat"}


def test_the_stories_alone_reach_every_state() -> None:
    plan = plan_community(scale="small", seed=11)
    assert {r.status for c in plan.story_clients() for r in c.referrals} == set(STATUSES)


def test_each_referral_goes_where_a_consent_lets_it() -> None:
    plan = plan_community(scale="small", seed=5)
    for client in plan.clients():
        # As they stood when the referrals were made (some taken for them have since expired).
        consents = (
            *client.consents,
            *(replace(c, state="active") for c in client.referral_consents),
        )
        team = frozenset(m.organization for m in client.care_team)
        for referral in client.referrals:
            consent = consents[referral.consent_index]
            sectors = plan.roster.by_slug
            disclosed = disclosed_classes(
                referral.data_class,
                sectors[referral.requester_org].sector,
                sectors[referral.receiver_org].sector,
            )
            assert consent.decision == "permit"
            assert set(disclosed) <= set(consent.data_classes)
            found = consent_for(
                consents,
                plan.roster,
                receiver=referral.receiver_org,
                data_classes=disclosed,
                purpose=referral.purpose,
                care_team=team,
            )
            assert found is not None
            assert found >= 0
            # A consent taken for referrals dates from before the first of them.
            if referral.consent_index >= len(client.consents):
                assert -consent.start_days > created_days_ago(referral)


def test_part2_consents_are_signed() -> None:
    plan = plan_community(scale="small", seed=9)
    for client in plan.clients():
        for consent in client.all_consents:
            if consent.decision == "permit" and "substance_use" in consent.data_classes:
                assert consent.capture in ("signature", "paper")


def test_the_goal_classes_are_the_clients_app_ones() -> None:
    from carecircle.clients.models import DOMAIN_DATA_CLASS

    assert dict(care_catalogue.DOMAIN_CLASS) == {str(k): v for k, v in DOMAIN_DATA_CLASS.items()}


def test_planned_dates_follow_the_deadline_kernel() -> None:
    now = datetime(2026, 3, 7, 15, 30, tzinfo=UTC)  # a Saturday
    zone = ZoneInfo("America/Chicago")
    for referral in referrals(4):
        times = replay(referral, now=now, zone=zone)
        assert times.created_at <= now
        assert all(e.at <= now for e in times.events)
        assert times.status == referral.status
        if referral.overdue in ("reminded", "escalated"):
            assert times.due_at is not None
            assert times.due_at < now
            assert times.reminded_at is not None
        if referral.overdue == "escalated":
            assert times.escalated_at is not None
        if referral.status == "requested" and not referral.overdue:
            assert times.due_at is not None
            assert times.due_at > now
