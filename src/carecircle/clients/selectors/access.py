"""Reads for consent capture and "who can see what and why", for the organization that holds
the record only.

A consent directive's recipients are themselves sensitive (a consent naming a treatment clinic
for substance-use data tells what 42 CFR Part 2 protects), so every read here is refused to
anyone but the record holder, as ``privacy.selectors.consent_list`` does, and is audited as a
read of general data. The plain words the form, the summary and the access page share live
here too, so they say the same thing everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.clients.models import Client
from carecircle.partners.models import Organization, PrivacyRegime, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy, rules
from carecircle.privacy.models import (
    CareTeamMember,
    ConsentCapture,
    ConsentDecision,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.selectors import consent_list, person_read
from carecircle.privacy.services import CONSENT_KEEPERS

# --- The plain words ------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """How a data class or a purpose is said: a title, a sentence explaining it, and the noun
    phrase that fits in "may see your ___" or "for ___"."""

    title: Promise
    explanation: Promise
    phrase: Promise


CLASS_WORDS: dict[str, Words] = {
    DataClass.GENERAL: Words(
        gettext_lazy("Who you are and how to reach you"),
        gettext_lazy("Your name, how to contact you safely, and the basics of your record."),
        gettext_lazy("name and contact details"),
    ),
    DataClass.HEALTH: Words(
        gettext_lazy("Health"),
        gettext_lazy("Your physical health: conditions, medicines, wounds, tests and care."),
        gettext_lazy("health information"),
    ),
    DataClass.SUBSTANCE_USE: Words(
        gettext_lazy("Substance-use treatment"),
        gettext_lazy(
            "Treatment for substance use, such as methadone or buprenorphine. It has extra "
            "protection."
        ),
        gettext_lazy("substance-use treatment information"),
    ),
    DataClass.MENTAL_HEALTH: Words(
        gettext_lazy("Mental health"),
        gettext_lazy("Counselling, mental-health care and how you are feeling."),
        gettext_lazy("mental-health information"),
    ),
    DataClass.HARM_REDUCTION: Words(
        gettext_lazy("Harm reduction"),
        gettext_lazy("Supplies, naloxone, drug checking and visits to harm-reduction services."),
        gettext_lazy("harm-reduction information"),
    ),
    DataClass.JUSTICE: Words(
        gettext_lazy("Justice"),
        gettext_lazy("Contact with police, courts, probation or parole."),
        gettext_lazy("justice information"),
    ),
}

#: Where 42 CFR Part 2 applies, the person is told which law protects their treatment record.
PART2_EXPLANATION = gettext_lazy(
    "Treatment for substance use, such as methadone or buprenorphine. Protected by federal law "
    "(42 CFR Part 2)."
)

PURPOSE_WORDS: dict[str, Words] = {
    Purpose.TREATMENT: Words(
        gettext_lazy("Care and treatment"),
        gettext_lazy("So the people treating you know what they need to."),
        gettext_lazy("care and treatment"),
    ),
    Purpose.CARE_COORDINATION: Words(
        gettext_lazy("Coordinating care"),
        gettext_lazy("So the people helping you can work together, for example on a referral."),
        gettext_lazy("coordinating care"),
    ),
    Purpose.PAYMENT_OPERATIONS: Words(
        gettext_lazy("Running and paying for services"),
        gettext_lazy("Billing, funding and checking the quality of services."),
        gettext_lazy("running and paying for services"),
    ),
    Purpose.RESEARCH: Words(
        gettext_lazy("Research"),
        gettext_lazy("Studies that learn what helps people."),
        gettext_lazy("research"),
    ),
}


#: The people in each role, as a sentence names them ("only clinicians and peer workers").
ROLE_PEOPLE: dict[str, Promise] = {
    Role.COORDINATOR: gettext_lazy("coordinators"),
    Role.CLINICIAN: gettext_lazy("clinicians"),
    Role.CASE_MANAGER: gettext_lazy("case managers"),
    Role.PEER_WORKER: gettext_lazy("peer workers"),
    Role.OUTREACH_WORKER: gettext_lazy("outreach workers"),
    Role.INTAKE_VOLUNTEER: gettext_lazy("intake volunteers"),
    Role.ANALYST: gettext_lazy("analysts"),
    Role.ORG_ADMIN: gettext_lazy("organization admins"),
}


def class_explanation(data_class: str, regime: str) -> str:
    if data_class == DataClass.SUBSTANCE_USE and regime == PrivacyRegime.US_PART2_HIPAA:
        return str(PART2_EXPLANATION)
    return str(CLASS_WORDS[data_class].explanation)


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c", in the reader's language."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def user_name(user: Any) -> str:
    """How a worker is named on a consent: their full name, else their username."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


# --- A consent directive, in words ------------------------------------------------------------


@dataclass
class ConsentWords:
    """One directive as the person hears it: who, what, what for, from when until when, how."""

    consent: ConsentDirective
    state: str  # active, pending, expired, revoked
    organizations: list[str]
    sectors: list[str]
    care_team: bool
    classes: list[str]  # noun phrases
    class_titles: list[str]
    purposes: list[str]  # noun phrases
    starts_on: date
    until: date | None
    recorded_on: date
    revoked_on: date | None
    recorded_by: str
    holder: str
    capture: str  # signature, verbal, paper, or "" when the evidence was not recorded

    @property
    def permit(self) -> bool:
        return self.consent.decision == ConsentDecision.PERMIT

    @property
    def recipients(self) -> str:
        parts = list(self.organizations)
        parts += [
            _("every organization in the %(sector)s sector") % {"sector": s} for s in self.sectors
        ]
        if self.care_team:
            parts.append(_("the people on the care team"))
        return join_words(parts)

    @property
    def class_list(self) -> str:
        return join_words(self.classes)

    @property
    def purpose_list(self) -> str:
        return join_words(self.purposes)

    @property
    def includes_part2(self) -> bool:
        return DataClass.SUBSTANCE_USE in self.consent.data_classes

    @property
    def shows_part2_notice(self) -> bool:
        """A consent that lets substance-use treatment records go out carries the 42 CFR
        2.32 notice, so whoever receives the summary knows not to pass them on."""
        return self.permit and self.includes_part2

    @property
    def capture_label(self) -> str:
        if not self.capture:
            return _("Not recorded")
        return str(ConsentCapture(self.capture).label)


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return timezone.localtime(moment, zone).date()


def record_time_zone(client: Client) -> ZoneInfo:
    """The time zone of the jurisdiction whose organization holds the record."""
    name = client.person.owner_organization.jurisdiction.time_zone or "UTC"
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def consent_words(
    consent: ConsentDirective, *, zone: ZoneInfo, at: datetime | None = None
) -> ConsentWords:
    sector_labels = dict(Sector.choices)
    capture = consent.capture_method
    # Directives recorded before capture existed (or by imports) carry no evidence at all.
    if capture == ConsentCapture.VERBAL and not consent.attestation:
        capture = ""
    recorded_for = consent.recorded_for
    return ConsentWords(
        consent=consent,
        state=consent.state(at),
        organizations=sorted(o.name for o in consent.recipient_organizations.all()),
        sectors=[str(sector_labels.get(s, s)) for s in consent.recipient_sectors],
        care_team=consent.recipient_care_team,
        classes=[str(CLASS_WORDS[c].phrase) for c in DataClass.values if c in consent.data_classes],
        class_titles=[
            str(CLASS_WORDS[c].title) for c in DataClass.values if c in consent.data_classes
        ],
        purposes=[str(PURPOSE_WORDS[p].phrase) for p in Purpose.values if p in consent.purposes],
        starts_on=_local_date(consent.period_start, zone),
        until=_local_date(consent.period_end, zone) if consent.period_end else None,
        recorded_on=_local_date(consent.recorded_at, zone),
        revoked_on=_local_date(consent.revoked_at, zone) if consent.revoked_at else None,
        recorded_by=user_name(consent.recorded_by),
        holder=recorded_for.name,
        capture=capture,
    )


# --- Holder-only, audited reads -----------------------------------------------------------------


def _client(client_id: int) -> Client:
    client = (
        Client.objects.select_related("person__owner_organization__jurisdiction")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Client.DoesNotExist
    return client


def _require_holder(
    *, actor: Actor, client: Client, purpose: str, object_type: str, object_id: object
) -> None:
    """Only the organization holding the record, and only when the policy lets this reader
    see who the person is; the read is audited either way."""
    if client.person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied("Only the organization holding the record sees its consents.")
    decision = person_read(
        actor=actor,
        person=client.person,
        data_classes=[DataClass.GENERAL],
        purpose=purpose,
        object_type=object_type,
        object_id=str(object_id),
    )[DataClass.GENERAL]
    if not decision.permitted:
        raise PermissionDenied(decision.reason)


def consent_subject_get(*, actor: Actor, client_id: int, purpose: str) -> Client:
    """The client whose consent the holder is about to record (their name heads the form)."""
    client = _client(client_id)
    _require_holder(
        actor=actor, client=client, purpose=purpose, object_type="consent_form", object_id=client.pk
    )
    return client


def consent_partners(*, actor: Actor) -> QuerySet[Organization]:
    """The partner list a consent may name: the active organizations of the jurisdiction."""
    return Organization.objects.filter(
        jurisdiction_id=actor.organization.jurisdiction_id, is_active=True
    ).order_by("sector", "name")


@dataclass
class ConsentPanel:
    client: Client
    rows: list[ConsentWords]
    #: The reader's role records and withdraws consent (privacy.services.CONSENT_KEEPERS).
    can_keep: bool = False

    @property
    def current(self) -> list[ConsentWords]:
        return [r for r in self.rows if r.state in {"active", "pending"}]

    @property
    def past(self) -> list[ConsentWords]:
        return [r for r in self.rows if r.state not in {"active", "pending"}]


def consent_panel_get(*, actor: Actor, client: Client, purpose: str) -> ConsentPanel | None:
    """The consents for the record page's panel; None for anyone but the holder (the panel
    then shows nothing, not even that consents exist)."""
    if client.person.owner_organization_id != actor.organization.pk:
        return None
    try:
        directives = consent_list(actor=actor, person=client.person, purpose=purpose)
    except PermissionDenied:
        return None
    zone = record_time_zone(client)
    now = timezone.now()
    return ConsentPanel(
        client=client,
        rows=[consent_words(c, zone=zone, at=now) for c in directives],
        can_keep=actor.role in CONSENT_KEEPERS,
    )


@dataclass
class ConsentSummary:
    client: Client
    words: ConsentWords
    holder: str
    time_zone: str


def consent_summary_get(
    *, actor: Actor, client_id: int, consent_id: uuid.UUID | str, purpose: str
) -> ConsentSummary:
    """One directive, in words the person can keep. Raises ConsentDirective.DoesNotExist for
    a consent that is not this client's."""
    client = _client(client_id)
    consent = (
        ConsentDirective.objects.filter(pk=consent_id, person_id=client.person_id)
        .select_related("recorded_by", "recorded_for")
        .prefetch_related("recipient_organizations")
        .first()
    )
    if consent is None:
        raise ConsentDirective.DoesNotExist
    _require_holder(
        actor=actor, client=client, purpose=purpose, object_type="consent", object_id=consent.pk
    )
    zone = record_time_zone(client)
    return ConsentSummary(
        client=client,
        words=consent_words(consent, zone=zone),
        holder=client.person.owner_organization.name,
        time_zone=str(zone),
    )


# --- Who can see what, and why --------------------------------------------------------------


@dataclass(frozen=True)
class AccessBasis:
    """One reason an organization can see a kind of information, and for which purposes."""

    kind: str  # own_record, care_team, consent_named, consent_sector, consent_care_team
    purposes: tuple[str, ...]
    consent: ConsentWords | None = None

    @property
    def purpose_list(self) -> str:
        return join_words(self.purposes)


@dataclass
class OrganizationAccess:
    organization: Organization
    sector: str
    bases: list[AccessBasis]


@dataclass
class ClassAccess:
    data_class: str
    title: str
    explanation: str
    roles: list[str]
    seen_by: list[OrganizationAccess] = field(default_factory=list)
    refused: list[ConsentWords] = field(default_factory=list)
    police_need_named_consent: bool = False

    @property
    def role_list(self) -> str:
        return join_words(self.roles)


@dataclass
class AccessSummary:
    client: Client
    name: str
    holder: str
    classes: list[ClassAccess]


def _consent_kind(consent: rules.ConsentFact, organization: Organization) -> str:
    if consent.names_organization(organization.pk):
        return "consent_named"
    if organization.sector in consent.sectors:
        return "consent_sector"
    return "consent_care_team"


def _who_can_see(
    *,
    data_class: str,
    organizations: Iterable[Organization],
    owner_id: int,
    regime: str,
    care_team: frozenset[int],
    facts: tuple[rules.ConsentFact, ...],
    words: dict[str, ConsentWords],
) -> list[OrganizationAccess]:
    """Per organization, ask the rules kernel with every role and purpose: an organization can
    see a class where some role of it could, for the purposes that role could. Emergency
    access is left out: it is an exception, reviewed afterwards, not a standing permission."""
    roles = [r for r in Role.values if data_class in rules.ROLE_CLASSES.get(r, frozenset())]
    by_id = {f.id: f for f in facts}
    seen: list[OrganizationAccess] = []
    for organization in organizations:
        found: dict[tuple[str, str | None], set[str]] = {}
        for purpose in Purpose.values:
            for role in roles:
                decision = rules.decide(
                    rules.Facts(
                        organization_id=organization.pk,
                        sector=organization.sector,
                        role=role,
                        purpose=purpose,
                        data_class=data_class,
                        owner_organization_id=owner_id,
                        privacy_regime=regime,
                        care_team_organization_ids=care_team,
                        consents=facts,
                    )
                )
                if not decision.permitted:
                    continue
                key: tuple[str, str | None]
                if decision.basis == rules.Basis.CONSENT and decision.consent_id:
                    key = (
                        _consent_kind(by_id[decision.consent_id], organization),
                        decision.consent_id,
                    )
                else:
                    key = (str(decision.basis), None)
                found.setdefault(key, set()).add(purpose)
        if not found:
            continue
        order = {"own_record": 0, "care_team": 1}
        bases = [
            AccessBasis(
                kind=kind,
                purposes=tuple(
                    str(PURPOSE_WORDS[p].phrase) for p in Purpose.values if p in purposes
                ),
                consent=words.get(consent_id) if consent_id else None,
            )
            for (kind, consent_id), purposes in sorted(
                found.items(), key=lambda item: (order.get(item[0][0], 2), item[0][1] or "")
            )
        ]
        seen.append(
            OrganizationAccess(
                organization=organization,
                sector=str(Sector(organization.sector).label)
                if organization.sector in Sector.values
                else organization.sector,
                bases=bases,
            )
        )
    # The holder first, then the others by name.
    seen.sort(key=lambda o: (o.organization.pk != owner_id, o.organization.name))
    return seen


def access_summary_get(
    *, actor: Actor, client_id: int, purpose: str, at: datetime | None = None
) -> AccessSummary:
    """Who can see each kind of the person's information, and why: computed from their
    consents, care team and the holder with the same rules kernel the policy uses. For the
    holder only; audited as a read (object_type "access_summary")."""
    client = _client(client_id)
    _require_holder(
        actor=actor,
        client=client,
        purpose=purpose,
        object_type="access_summary",
        object_id=client.pk,
    )
    person = client.person
    owner = person.owner_organization
    regime = str(owner.jurisdiction.privacy_regime)
    now = at or timezone.now()
    zone = record_time_zone(client)
    directives = list(
        ConsentDirective.objects.filter(person=person)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        .select_related("recorded_by", "recorded_for")
        .prefetch_related("recipient_organizations")
    )
    active = [d for d in directives if d.state(now) == "active"]
    facts = policy.consent_facts(active, at=now)
    words = {str(d.pk): consent_words(d, zone=zone, at=now) for d in active}
    care_team = frozenset(
        CareTeamMember.objects.filter(person=person, started_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .values_list("organization_id", flat=True)
    )
    named = {o.pk for d in active for o in d.recipient_organizations.all()}
    organizations = list(
        Organization.objects.filter(
            Q(jurisdiction_id=owner.jurisdiction_id, is_active=True)
            | Q(pk__in=named | set(care_team) | {owner.pk})
        ).order_by("name")
    )
    classes: list[ClassAccess] = []
    for data_class in DataClass.values:
        refused = [
            words[str(d.pk)]
            for d in active
            if d.decision == ConsentDecision.DENY and data_class in d.data_classes
        ]
        classes.append(
            ClassAccess(
                data_class=data_class,
                title=str(CLASS_WORDS[data_class].title),
                explanation=class_explanation(data_class, regime),
                roles=[
                    str(ROLE_PEOPLE.get(r, r))
                    for r in Role.values
                    if data_class in rules.ROLE_CLASSES.get(r, frozenset())
                ],
                seen_by=_who_can_see(
                    data_class=data_class,
                    organizations=organizations,
                    owner_id=owner.pk,
                    regime=regime,
                    care_team=care_team,
                    facts=facts,
                    words=words,
                ),
                refused=refused,
                police_need_named_consent=data_class in rules.PROTECTED_FROM_JUSTICE,
            )
        )
    return AccessSummary(
        client=client, name=client.display_name, holder=owner.name, classes=classes
    )
