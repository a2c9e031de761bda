"""The Riverbend demo community: built once (small) for the module, then checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from carecircle.clients.models import (
    DOMAIN_DATA_CLASS,
    CarePlanGoal,
    CarePlanTask,
    Client,
    ClientEntry,
    SupportContact,
)
from carecircle.clients.names import search_name
from carecircle.partners.models import Membership, Organization, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy.audit import audit_verify
from carecircle.privacy.models import (
    AuditEvent,
    CareTeamMember,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Purpose,
)
from carecircle.privacy.policy import evaluate
from carecircle.privacy.selectors import disclosure_list
from carecircle.privacy.services import signature_problem
from carecircle.referrals.deadlines import DEFAULT_RULES, due_at
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.selectors import InboxFilters, referral_inbox
from carecircle.referrals.states import CLOSED_STATES, STATUSES
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
    assert riverbend["referrals"] == Referral.objects.count()
    assert riverbend["referral events"] == ReferralEvent.objects.count()
    assert riverbend["care-plan goals"] == CarePlanGoal.objects.count()
    assert riverbend["care-plan tasks"] == CarePlanTask.objects.count()
    assert riverbend["support contacts"] == SupportContact.objects.count()
    assert 140 <= riverbend["user accounts"] <= 200


def test_it_reports_progress_per_stage(riverbend: dict[str, int]) -> None:
    assert [label for label, _ in PROGRESS.steps] == [
        "Organizations",
        "Staff accounts",
        "Directory listings",
        "Directory hours and search",
        "Clients",
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
    referrals = sorted(
        (r.requester_org, r.receiver_org, r.service_name, r.status, r.urgency)
        for c in plan.clients()
        for r in c.referrals
    )
    assert referrals == sorted(
        Referral.objects.values_list(
            "requester_organization__slug",
            "receiving_organization__slug",
            "service_name",
            "status",
            "urgency",
        )
    )


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


# --- Connected care: records, consent capture, care plans, referrals -----------------------------


def test_clients_are_known_at_every_identification_level(riverbend: dict[str, int]) -> None:
    levels = set(Client.objects.values_list("identification", flat=True))
    assert levels == {"identified", "alias", "pseudonymous"}
    for found in Client.objects.all():
        if found.identification == "identified":
            assert found.legal_given_name
            assert found.legal_family_name
        if found.identification == "pseudonymous":
            assert found.identifier_code
            assert not found.preferred_name
        # Search and the duplicate check find every named person by the names they gave.
        names = [found.preferred_name, found.alias, found.legal_name]
        assert found.search_name == search_name(names)
    # Self-identified answers are optional: many are left unsaid.
    assert Client.objects.filter(gender_identity="").exists()
    assert Client.objects.exclude(gender_identity="").exists()
    assert Client.objects.exclude(pronouns="").exists()
    assert Client.objects.filter(safe_to_text="yes").exists()
    assert SupportContact.objects.filter(is_emergency_contact=True).exclude(phone="").exists()


def test_consents_were_signed_said_out_loud_or_on_paper(riverbend: dict[str, int]) -> None:
    consents = list(ConsentDirective.objects.all())
    assert {c.capture_method for c in consents} == {"signature", "verbal", "paper"}
    for consent in consents:
        if consent.capture_method == "signature":
            assert signature_problem(consent.signature) is None
        if consent.capture_method == "verbal":
            assert consent.attestation
        # 42 CFR Part 2: sharing substance-use treatment information needs a signature.
        if consent.decision == "permit" and "substance_use" in consent.data_classes:
            assert consent.capture_method != "verbal"


def test_care_teams_have_a_lead_and_plans_have_tasks(riverbend: dict[str, int]) -> None:
    people = set(CareTeamMember.objects.values_list("person_id", flat=True))
    led = set(CareTeamMember.objects.filter(is_lead=True).values_list("person_id", flat=True))
    assert people == led
    goals = CarePlanGoal.objects.all()
    assert {g.domain for g in goals} >= {"treatment", "housing", "health"}
    for goal in goals:
        assert goal.data_class == DOMAIN_DATA_CLASS[goal.domain]
    today = timezone.now().date()
    assert CarePlanTask.objects.filter(done_at__isnull=False).exists()
    assert CarePlanTask.objects.filter(done_at__isnull=True, due_on__lt=today).exists()


def test_referrals_reach_every_state(riverbend: dict[str, int]) -> None:
    assert set(Referral.objects.values_list("status", flat=True)) == set(STATUSES)
    assert riverbend["referrals"] == Referral.objects.count() > 100
    assert Referral.objects.filter(reopened_count__gt=0).exists()
    assert set(Referral.objects.values_list("enrollment", flat=True)) == {
        "",
        "enrolled",
        "not_enrolled",
        "waitlisted",
    }
    # Most name a directory service of the receiving partner.
    named = Referral.objects.exclude(service=None).select_related("service__organization")
    assert named.count() > Referral.objects.count() / 2
    for referral in named:
        assert referral.service.organization.partner_id == referral.receiving_organization_id


def test_some_referrals_are_overdue_reminded_and_escalated(riverbend: dict[str, int]) -> None:
    now = timezone.now()
    overdue = Referral.objects.filter(status="requested", due_at__lt=now)
    assert overdue.exists()
    assert overdue.filter(reminded_at__isnull=False).exists()
    assert overdue.filter(escalated_at__isnull=False).exists()
    assert Referral.objects.filter(status="requested", due_at__gt=now).exists()
    for referral in overdue.exclude(escalated_at=None):
        assert referral.events.filter(kind="escalated").exists()
        assert referral.reminded_at is not None


def test_each_history_leads_to_its_referral(riverbend: dict[str, int]) -> None:
    zone = ZoneInfo("America/Chicago")
    for referral in Referral.objects.prefetch_related("events"):
        events = list(referral.events.all())
        assert events[0].kind == "created"
        moves = [e for e in events if e.kind in ("created", "status", "outcome", "reopened")]
        assert moves[-1].to_status == referral.status, referral
        # Every step but the worker's raised the version.
        assert referral.version == sum(1 for e in events if e.actor_id is not None)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert (referral.closed_at is not None) == (referral.status in CLOSED_STATES)
        assert (referral.status == "draft") <= (referral.requested_at is None)
        if referral.requested_at is not None:
            rule = DEFAULT_RULES[referral.urgency]
            assert referral.due_at == due_at(referral.requested_at, rule, zone)
        if referral.enrollment:
            assert referral.outcome_on is not None


def test_sent_referrals_are_disclosures_under_the_persons_consent(
    riverbend: dict[str, int],
) -> None:
    disclosed = {
        (object_id, data_class, str(consent_id))
        for object_id, data_class, consent_id in AuditEvent.objects.filter(
            action="disclose"
        ).values_list("object_id", "data_class", "consent_id")
    }
    sent = Referral.objects.exclude(requested_at=None)
    assert sent.exists()
    for referral in sent:
        assert referral.consent_id is not None
        for data_class in {"general", referral.data_class}:
            assert (str(referral.pk), data_class, str(referral.consent_id)) in disclosed
    for referral in Referral.objects.filter(requested_at=None):  # drafts never sent
        assert not any(o == str(referral.pk) for o, _, _ in disclosed)


def test_carlos_inbox_holds_open_referrals_one_overdue(riverbend: dict[str, int]) -> None:
    carlos = actor("carlos")
    page = referral_inbox(actor=carlos, filters=InboxFilters(), purpose="care_coordination")
    assert page.total >= 4
    assert page.rows[0].overdue  # overdue first
    jordan = next(r for r in page.rows if r.client_name == "Jordan R.")
    assert jordan.overdue
    assert jordan.referral.reminded_at is not None
    # Carlos does intake: he sees who is referred, never their substance-use reason.
    assert jordan.reason is None
    assert "substance_use" in jordan.withheld
    assert {r.client_name for r in page.rows} >= {"Jordan R.", "Sam", "Dee", "Tomás"}


def test_alice_follows_her_outgoing_referrals(riverbend: dict[str, int]) -> None:
    alice = actor("alice")
    page = referral_inbox(
        actor=alice,
        filters=InboxFilters(box="outgoing", open_only=False),
        purpose="care_coordination",
        per_page=100,
    )
    mine = {r.referral.status for r in page.rows if r.client_name in ("Jordan R.", "Avery M.")}
    assert mine >= {"requested", "completed", "failed", "rejected", "cancelled", "draft"}


def test_hana_sees_the_escalated_referral_and_the_waitlist(riverbend: dict[str, int]) -> None:
    page = referral_inbox(actor=actor("hana"), filters=InboxFilters(), purpose="care_coordination")
    by_name = {r.client_name: r for r in page.rows}
    assert by_name["Sam"].referral.escalated_at is not None
    assert by_name["Maria"].referral.status == "on-hold"
    assert by_name["Maria"].referral.enrollment == "waitlisted"


def test_the_accounting_of_disclosures_lists_each_referral(riverbend: dict[str, int]) -> None:
    jordan = client("Jordan R.")
    sent = {str(pk) for pk in Referral.objects.filter(client=jordan).values_list("pk", flat=True)}
    events = disclosure_list(actor=actor("alice"), person=jordan.person)
    disclosed = {e.object_id for e in events if e.action == "disclose"}
    assert disclosed == sent
