"""The planning kernel: pure, deterministic, no database."""

from __future__ import annotations

import pytest

from carecircle.privacy import rules
from carecircle.synth import catalogue
from carecircle.synth.model import EntryJudge
from carecircle.synth.plan import plan_community


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
