"""The Riverbend demo community: built once (small) for the module, then checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from carecircle.clients.models import Client, ClientEntry
from carecircle.partners.models import Membership, Organization, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy.audit import audit_verify
from carecircle.privacy.models import (
    AuditEvent,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Purpose,
)
from carecircle.privacy.policy import evaluate
from carecircle.synth import catalogue
from carecircle.synth.plan import plan_community
from carecircle.synth.riverbend import DEMO_PASSWORD, build

SEED = 42

PERSONAS = {
    # username: [(sector, role), ...]
    "admin": [(Sector.COMMUNITY, Role.ORG_ADMIN)],
    "cora": [(Sector.COMMUNITY, Role.COORDINATOR)],
    "alice": [(Sector.EMERGENCY_DEPARTMENT, Role.CLINICIAN)],
    "carlos": [(Sector.TREATMENT_CLINIC, Role.INTAKE_VOLUNTEER)],
    "pat": [
        (Sector.EMERGENCY_DEPARTMENT, Role.PEER_WORKER),
        (Sector.PEER_RECOVERY, Role.PEER_WORKER),
    ],
    "omar": [(Sector.HARM_REDUCTION, Role.OUTREACH_WORKER)],
    "hana": [(Sector.HOUSING, Role.CASE_MANAGER)],
    "dana": [(Sector.PUBLIC_HEALTH, Role.ANALYST)],
    "lee": [(Sector.POLICE_JUSTICE, Role.CASE_MANAGER)],
}


class Recorder:
    """A progress sink that remembers what it was told."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []
        self.advanced: dict[str, int] = {}

    def step(self, label: str, total: int, /) -> None:
        self.steps.append((label, total))
        self.advanced[label] = 0

    def advance(self, amount: int = 1, /) -> None:
        self.advanced[self.steps[-1][0]] += amount


PROGRESS = Recorder()


@pytest.fixture(scope="module")
def riverbend(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """One small build for the whole module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = build(scale="small", seed=SEED, progress=PROGRESS)
        yield counts
        transaction.set_rollback(True)


def actor(username: str, sector: str | None = None) -> Actor:
    memberships = Membership.objects.select_related("user", "organization__jurisdiction").filter(
        user__username=username
    )
    if sector:
        memberships = memberships.filter(organization__sector=sector)
    return Actor.from_membership(memberships.get())


def client(label: str) -> Client:
    return Client.objects.select_related("person").get(
        **({"identifier_code": label} if label.startswith("RB-") else {"preferred_name": label})
    )


pytestmark = pytest.mark.django_db


def test_build_reports_what_it_wrote(riverbend: dict[str, int]) -> None:
    assert riverbend["organizations"] == Organization.objects.count() == 26
    assert riverbend["clients"] == Client.objects.count() == 60
    assert riverbend["client entries"] == ClientEntry.objects.count()
    assert riverbend["audit rows"] == AuditEvent.objects.count()
    assert 140 <= riverbend["user accounts"] <= 200


def test_it_reports_progress_per_stage(riverbend: dict[str, int]) -> None:
    assert [label for label, _ in PROGRESS.steps] == [
        "Organizations",
        "Staff accounts",
        "Clients",
        "Directory listings",
        "Directory hours and search",
    ]
    for label, total in PROGRESS.steps:
        assert PROGRESS.advanced[label] == total, label
    assert dict(PROGRESS.steps)["Clients"] == riverbend["clients"]


def test_every_sector_is_present_under_the_coalition(riverbend: dict[str, int]) -> None:
    coalition = Organization.objects.get(name="Riverbend Overdose Response Coalition")
    assert coalition.parent is None
    assert coalition.jurisdiction.name == "Riverbend County"
    assert coalition.jurisdiction.time_zone == "America/Chicago"
    assert coalition.jurisdiction.privacy_regime == "us_part2_hipaa"
    assert coalition.jurisdiction.suppression_threshold == 10
    members = Organization.objects.filter(parent=coalition)
    assert members.count() == 25
    assert set(members.values_list("sector", flat=True)) == set(Sector.values)


def test_every_organization_has_an_admin(riverbend: dict[str, int]) -> None:
    for org in Organization.objects.all():
        assert org.memberships.filter(role=Role.ORG_ADMIN).exists(), org.name


def test_personas_have_their_organizations_and_roles(riverbend: dict[str, int]) -> None:
    User = get_user_model()
    for username, expected in PERSONAS.items():
        user = User.objects.get(username=username)
        assert user.email == f"{username}@riverbend.example"
        assert user.check_password(DEMO_PASSWORD)
        found = sorted(
            (m.organization.sector, m.role)
            for m in Membership.objects.filter(user=user).select_related("organization")
        )
        assert found == sorted(expected), username
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="cora").is_superuser


def test_staff_can_sign_in_with_the_demo_password(riverbend: dict[str, int]) -> None:
    staff = get_user_model().objects.exclude(username__in=PERSONAS).first()
    assert staff is not None
    assert staff.check_password(DEMO_PASSWORD)


def test_pat_acts_for_two_organizations(riverbend: dict[str, int]) -> None:
    names = set(
        Membership.objects.filter(user__username="pat").values_list("organization__name", flat=True)
    )
    assert names == {
        "Riverbend Recovery Coaches Network",
        "Riverbend General Hospital Emergency Department",
    }


def test_consents_exist_in_every_state(riverbend: dict[str, int]) -> None:
    consents = list(ConsentDirective.objects.all())
    states = {c.state() for c in consents}
    assert {"active", "expired", "revoked", "pending"} <= states
    assert any(c.decision == "deny" for c in consents)
    assert all(c.revocation_reason for c in consents if c.state() == "revoked")
    police = Organization.objects.get(name="Riverbend Police Service")
    assert ConsentDirective.objects.filter(recipient_organizations=police).exists()
    assert any(Sector.HOUSING in c.recipient_sectors for c in consents)


def test_entries_cover_every_data_class(riverbend: dict[str, int]) -> None:
    assert set(ClientEntry.objects.values_list("data_class", flat=True)) == set(DataClass.values)


def test_clients_mix_preferred_names_and_codes_only(riverbend: dict[str, int]) -> None:
    assert Client.objects.filter(preferred_name="").exclude(identifier_code="").exists()
    assert Client.objects.exclude(preferred_name="").exists()


def test_entries_use_person_first_words(riverbend: dict[str, int]) -> None:
    pattern = re.compile(r"\b(addicts?|abusers?|junkies?|junkie|drug users?)\b", re.IGNORECASE)
    bodies = list(ClientEntry.objects.values_list("body", flat=True))
    bodies += [t for texts in catalogue.ENTRY_TEXTS.values() for t in texts]
    assert not [b for b in bodies if pattern.search(b)]


def test_emergency_accesses_one_reviewed_one_awaiting(riverbend: dict[str, int]) -> None:
    grants = list(EmergencyAccess.objects.select_related("person__owner_organization"))
    reviewed = [g for g in grants if g.reviewed_at is not None]
    awaiting = [g for g in grants if g.reviewed_at is None]
    assert reviewed
    assert awaiting
    for grant in reviewed:
        reviewer = Membership.objects.get(
            user_id=grant.reviewed_by_id, organization=grant.person.owner_organization
        )
        assert reviewer.role == Role.ORG_ADMIN
    # Riley's grant waits for the hub's admin.
    riley = client("RB-7Q2M4K")
    assert EmergencyAccess.objects.get(person=riley.person).reviewed_at is None


def test_the_audit_chain_is_intact(riverbend: dict[str, int]) -> None:
    assert audit_verify() == []
    assert (
        AuditEvent.objects.filter(object_type="client_entry").count() == riverbend["client entries"]
    )


def test_the_database_matches_the_plan(riverbend: dict[str, int]) -> None:
    plan = plan_community(scale="small", seed=SEED)
    assert sorted(o.name for o in plan.organizations) == sorted(
        Organization.objects.values_list("name", flat=True)
    )
    assert sorted(s.username for s in plan.staff) == sorted(
        get_user_model().objects.values_list("username", flat=True)
    )
    planned = sorted((c.preferred_name, c.identifier_code) for c in plan.clients())
    assert planned == sorted(Client.objects.values_list("preferred_name", "identifier_code"))


def test_it_refuses_to_build_twice(riverbend: dict[str, int]) -> None:
    before = Organization.objects.count()
    with pytest.raises(ValueError, match="already built"):
        build(scale="small", seed=SEED)
    assert Organization.objects.count() == before


# --- The privacy core, as the personas meet it ---------------------------------------------------


def test_police_see_harm_reduction_only_where_a_consent_names_them(
    riverbend: dict[str, int],
) -> None:
    lee = actor("lee")
    sam, riley = client("Sam"), client("RB-7Q2M4K")
    allowed = evaluate(
        actor=lee, person=sam.person, data_class="harm_reduction", purpose=Purpose.CARE_COORDINATION
    )
    assert allowed.permitted
    assert allowed.basis == "consent"
    refused = evaluate(
        actor=lee,
        person=riley.person,
        data_class="harm_reduction",
        purpose=Purpose.CARE_COORDINATION,
    )
    assert not refused.permitted


def test_police_see_health_only_where_a_consent_names_them(riverbend: dict[str, int]) -> None:
    lee = actor("lee")
    sam, jordan = client("Sam"), client("Jordan R.")
    purpose = Purpose.CARE_COORDINATION
    allowed = evaluate(actor=lee, person=sam.person, data_class="health", purpose=purpose)
    assert allowed.permitted
    assert allowed.basis == "consent"
    assert not evaluate(actor=lee, person=jordan.person, data_class="health", purpose=purpose)


def may(who: Actor, label: str, data_class: str, purpose: str = Purpose.TREATMENT) -> str:
    """The basis on which ``who`` may see this class of the client, or "" if refused."""
    decision = evaluate(
        actor=who, person=client(label).person, data_class=data_class, purpose=purpose
    )
    return decision.basis.value if decision.permitted else ""


def test_the_story_journeys_follow_the_policy(riverbend: dict[str, int]) -> None:
    coord = Purpose.CARE_COORDINATION
    # Alice's own record; Pat at the peer network through the consent naming the care team.
    assert may(actor("alice"), "Jordan R.", "substance_use") == "own_record"
    assert may(actor("pat", Sector.PEER_RECOVERY), "Jordan R.", "substance_use") == "consent"
    assert may(actor("pat", Sector.EMERGENCY_DEPARTMENT), "Jordan R.", "substance_use")
    # Carlos does intake: identity only, never treatment records.
    assert may(actor("carlos"), "Jordan R.", "substance_use") == ""
    assert may(actor("carlos"), "Maria", "general", coord) == "own_record"
    # Hana sees Maria's health through the consent naming the housing sector ...
    assert may(actor("hana"), "Maria", "health", coord) == "consent"
    # ... and nothing of Dee, whose consent for housing was revoked.
    assert may(actor("hana"), "Dee", "general", coord) == ""
    # Dana analyses suppressed aggregates and never opens a record.
    assert may(actor("dana"), "Jordan R.", "general", coord) == ""
