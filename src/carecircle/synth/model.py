"""The shapes of a planned Riverbend, and the roster that answers "who works where".

Pure Python (Faker and the privacy rules kernel, no Django).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from faker import Faker

from carecircle.privacy import rules
from carecircle.synth import catalogue as cat

PURPOSES_CARE = ("care_coordination", "treatment")
ALL_PURPOSES = ("care_coordination", "payment_operations", "research", "treatment")
PROTECTED = ("harm_reduction", "health", "mental_health", "substance_use")
ENTRY_PURPOSE = "treatment"  # what client_entry_add asks the policy by default
PRIVACY_REGIME = str(cat.JURISDICTION["privacy_regime"])


@dataclass(frozen=True)
class ScaleSpec:
    """How big a Riverbend to build."""

    extra_organizations: int
    staff_per_organization: int
    clients: int
    entries: tuple[int, int]  # per random client, inclusive range
    name_pool: int  # distinct first and last names drawn from Faker
    emergency_rate: float
    bulk: bool  # write the crowd through the bulk path instead of one service call per row
    referrals: float = 0.0  # referrals per crowd client, on average


SCALES: Mapping[str, ScaleSpec] = {
    # About 4,000 referrals for the demo's 1,500 clients; 1,000,000 for the large 200,000.
    "small": ScaleSpec(0, 6, 60, (2, 6), 400, 0.02, bulk=False, referrals=2.85),
    "medium": ScaleSpec(0, 58, 1_500, (2, 6), 1_500, 0.005, bulk=True, referrals=2.85),
    "large": ScaleSpec(174, 100, 200_000, (1, 5), 3_000, 0.002, bulk=True, referrals=5.4),
}


@dataclass(frozen=True, slots=True)
class OrgPlan:
    slug: str
    name: str
    sector: str
    is_coalition: bool = False


@dataclass(frozen=True, slots=True)
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    email: str
    memberships: tuple[tuple[str, str], ...]  # (organization slug, role)
    is_superuser: bool = False
    is_persona: bool = False


@dataclass(frozen=True, slots=True)
class EntryPlan:
    author: str  # username
    organization: str  # the slug the author acts for
    data_class: str
    body: str
    basis: str  # what the policy will answer: own_record, care_team or consent
    consent_index: int | None = None  # which of the client's consents, when basis is consent


@dataclass(frozen=True, slots=True)
class CareTeamPlan:
    organization: str
    username: str | None
    role: str
    is_lead: bool = False


@dataclass(frozen=True, slots=True)
class ConsentPlan:
    decision: str  # permit | deny
    data_classes: tuple[str, ...]
    purposes: tuple[str, ...]
    organizations: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    care_team: bool = False
    state: str = "active"  # active | expired | revoked | pending
    start_days: int = 0  # relative to the build; negative is in the past
    end_days: int | None = None
    revoke_reason: str = ""
    capture: str = "verbal"  # signature | verbal | paper (privacy.models.ConsentCapture)
    note: str = ""


@dataclass(frozen=True, slots=True)
class EmergencyPlan:
    username: str
    organization: str
    reason: str
    reviewer: str | None = None  # the owning organization's admin, once reviewed
    outcome: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProfilePlan:
    """Who the person is, in their words: every field but the level may be left unsaid."""

    identification: str = "alias"  # identified | alias | pseudonymous
    alias: str = ""
    legal_given_name: str = ""
    legal_family_name: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    gender_identity: str = ""
    pronouns: str = ""
    indigenous_identity: str = ""
    two_slgbtq: str = ""
    languages: tuple[str, ...] = ()
    rural_remote: str = ""
    housing_status: str = ""
    parent_status: str = ""
    phone: str = ""
    email: str = ""
    safe_to_text: str = ""
    safe_to_voicemail: str = ""
    safe_contact_time: str = ""
    contact_notes: str = ""


@dataclass(frozen=True, slots=True)
class SupportPlan:
    name: str
    kind: str
    relationship: str
    phone: str = ""
    is_emergency_contact: bool = False
    may_be_contacted: bool = False


@dataclass(frozen=True, slots=True)
class TaskPlan:
    description: str
    organization: str  # the owning organization's slug
    username: str | None  # a named owner at that organization
    by_person: bool  # the person does it themselves
    due_days: int | None  # relative to the build
    done_days: int | None = None  # when it was done (<= 0), or None if not yet


@dataclass(frozen=True, slots=True)
class GoalPlan:
    domain: str
    own_words: str
    data_class: str
    status: str
    author: str  # username
    organization: str  # the slug the author acts for
    tasks: tuple[TaskPlan, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferralStep:
    """One thing that happened to a referral, in order. ``kind`` is what the services do:
    create, send, move (to ``to``), appointment, outcome, remind, escalate, reopen."""

    kind: str
    side: str  # requester | receiver | system
    hours: float  # after the referral was created
    to: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ReferralPlan:
    """A referral and its history, planned so that every step is one the rules allow."""

    requester_org: str  # slug
    requester: str  # username
    receiver_org: str  # slug
    receiver: str  # the username who answers at the receiving organization
    service_id: uuid.UUID | None  # a directory service of the receiving organization
    service_name: str
    data_class: str
    purpose: str
    consent_index: int  # into the client's consents + referral_consents
    urgency: str
    reason: str
    do_not_contact: bool
    status: str  # where the steps leave it
    steps: tuple[ReferralStep, ...]
    # How long before the build it was created; for an overdue one, how long ago its
    # response deadline passed (the deadline kernel places the rest).
    age_hours: float
    overdue: str = ""  # for open requested ones: "" | overdue | reminded | escalated
    accompanied_by: str = ""
    transport: str = ""
    handoff_notes: str = ""
    appointment_hours: float | None = None  # after creation
    waitlist: bool = False  # the service is full: the referral goes to its waitlist


@dataclass(frozen=True, slots=True)
class ClientPlan:
    key: str
    owner: str  # organization slug
    creator: str  # username, a member of the owner
    preferred_name: str
    identifier_code: str
    care_team: tuple[CareTeamPlan, ...] = ()
    consents: tuple[ConsentPlan, ...] = ()
    entries: tuple[EntryPlan, ...] = ()
    emergencies: tuple[EmergencyPlan, ...] = ()
    profile: ProfilePlan = ProfilePlan()
    supports: tuple[SupportPlan, ...] = ()
    goals: tuple[GoalPlan, ...] = ()
    # Consents taken when the referrals were made: recorded after the entries and goals, so
    # those keep the basis they were planned with.
    referral_consents: tuple[ConsentPlan, ...] = ()
    referrals: tuple[ReferralPlan, ...] = ()

    @property
    def label(self) -> str:
        return self.preferred_name or self.identifier_code

    @property
    def all_consents(self) -> tuple[ConsentPlan, ...]:
        return self.consents + self.referral_consents


def slugify(name: str) -> str:
    """Like Django's slugify for the ASCII names here (kept pure for the kernel)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")[:80]


# --- The roster: who works where ---------------------------------------------------------------


@dataclass
class Roster:
    organizations: tuple[OrgPlan, ...]
    staff: tuple[StaffPlan, ...]
    index: dict[str, int] = field(default_factory=dict)
    by_slug: dict[str, OrgPlan] = field(default_factory=dict)
    by_sector: dict[str, list[str]] = field(default_factory=dict)
    by_role: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, org in enumerate(self.organizations):
            self.index[org.slug] = i
            self.by_slug[org.slug] = org
            if not org.is_coalition:
                self.by_sector.setdefault(org.sector, []).append(org.slug)
        for person in self.staff:
            for slug, role in person.memberships:
                self.by_role.setdefault((slug, role), []).append(person.username)
                self.members.setdefault(slug, []).append((person.username, role))

    def first(self, slug: str, role: str) -> str:
        return self.by_role[(slug, role)][0]

    def role(self, username: str, slug: str) -> str:
        return next(r for u, r in self.members[slug] if u == username)

    def admin(self, slug: str) -> str:
        # Staff take their organization's admin role first; personas never hold it (but admin).
        return next(u for u in self.by_role[(slug, cat.ORG_ADMIN)] if u != "admin")

    def who_may_write(self, slug: str, data_class: str) -> list[tuple[str, str]]:
        """Members of ``slug`` whose role may ever see ``data_class`` (least privilege)."""
        sector = self.by_slug[slug].sector
        found = []
        for username, role in self.members.get(slug, ()):
            classes = rules.ROLE_CLASSES.get(role, frozenset())
            if sector == cat.POLICE_JUSTICE:
                classes = classes - rules.PROTECTED_FROM_JUSTICE
            if data_class in classes:
                found.append((username, role))
        return found


class NamePool:
    """Names drawn from Faker once, then picked by the seeded Random: Faker's weighted draws
    cost ~70 µs each, too slow for 200,000 clients."""

    def __init__(self, fake: Faker, size: int) -> None:
        self.firsts = sorted({fake.first_name() for _ in range(size)})
        self.lasts = sorted({fake.last_name() for _ in range(size)})

    def first(self, rng: random.Random) -> str:
        return self.firsts[int(rng.random() * len(self.firsts))]

    def last(self, rng: random.Random) -> str:
        return self.lasts[int(rng.random() * len(self.lasts))]


# --- Checking a planned write against the rules kernel ------------------------------------------


def _consent_fact(index: int, consent: ConsentPlan, roster: Roster) -> rules.ConsentFact:
    return rules.ConsentFact(
        id=str(index),
        permit=consent.decision == "permit",
        data_classes=frozenset(consent.data_classes),
        purposes=frozenset(consent.purposes),
        organization_ids=frozenset(roster.index[s] for s in consent.organizations),
        sectors=frozenset(consent.sectors),
        care_team=consent.care_team,
        active=consent.state == "active",
    )


class EntryJudge:
    """What the policy will say about writes to one planned client, asked of the rules kernel.

    The writer adds entries after the care team and the consents, so the judge sees both; the
    consent ids are the indexes into the client's ``consents``.
    """

    def __init__(
        self,
        roster: Roster,
        *,
        owner: str,
        care_team: Sequence[CareTeamPlan],
        consents: Sequence[ConsentPlan],
    ) -> None:
        self.roster = roster
        self.owner_id = roster.index[owner]
        self.care_team_ids = frozenset(roster.index[m.organization] for m in care_team)
        self.consents = tuple(_consent_fact(i, c, roster) for i, c in enumerate(consents))
        # The answer depends on the organization, role, class and purpose only: planning asks
        # about every member of an organization, so remember it.
        self._memo: dict[tuple[str, str, str, str], rules.Decision] = {}

    def decide(
        self, *, organization: str, role: str, data_class: str, purpose: str = ENTRY_PURPOSE
    ) -> rules.Decision:
        key = (organization, role, data_class, purpose)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._decide(organization, role, data_class, purpose)
        return found

    def _decide(
        self, organization: str, role: str, data_class: str, purpose: str
    ) -> rules.Decision:
        return rules.decide(
            rules.Facts(
                organization_id=self.roster.index[organization],
                sector=self.roster.by_slug[organization].sector,
                role=role,
                purpose=purpose,
                data_class=data_class,
                owner_organization_id=self.owner_id,
                privacy_regime=PRIVACY_REGIME,
                care_team_organization_ids=self.care_team_ids,
                consents=self.consents,
            )
        )

    def permits(self, *, organization: str, role: str, data_class: str) -> bool:
        """Whether the policy lets this role write the class for both care purposes."""
        return all(
            self.decide(organization=organization, role=role, data_class=data_class, purpose=p)
            for p in PURPOSES_CARE
        )

    def entry(
        self, *, author: str, organization: str, role: str, data_class: str, body: str
    ) -> EntryPlan | None:
        """The planned entry with its basis, or None if the policy would refuse it."""
        decision = self.decide(organization=organization, role=role, data_class=data_class)
        if not decision.permitted:
            return None
        return EntryPlan(
            author=author,
            organization=organization,
            data_class=data_class,
            body=body,
            basis=decision.basis.value,
            consent_index=int(decision.consent_id) if decision.consent_id is not None else None,
        )
