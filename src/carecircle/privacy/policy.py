"""The one policy function: gathers facts from the database and asks the rules kernel.

Callers outside the privacy app use :mod:`carecircle.privacy.selectors`, which also audit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor
from carecircle.privacy import rules
from carecircle.privacy.models import (
    SENSITIVITY,
    CareTeamMember,
    ConsentCapture,
    ConsentDecision,
    ConsentDirective,
    EmergencyAccess,
    Person,
    Sensitivity,
    consent_state,
)
from carecircle.privacy.rules import Decision


def consent_facts(
    consents: Iterable[ConsentDirective], *, at: datetime
) -> tuple[rules.ConsentFact, ...]:
    return tuple(
        rules.ConsentFact(
            id=str(c.id),
            permit=c.decision == ConsentDecision.PERMIT,
            data_classes=frozenset(c.data_classes),
            purposes=frozenset(c.purposes),
            organization_ids=frozenset(o.pk for o in c.recipient_organizations.all()),
            sectors=frozenset(c.recipient_sectors),
            care_team=c.recipient_care_team,
            active=c.state(at) == "active",
        )
        for c in consents
    )


def consent_facts_of(
    person_ids: Iterable[object], *, at: datetime
) -> dict[object, tuple[rules.ConsentFact, ...]]:
    """The facts of every consent of these people not revoked by ``at`` (``consent_facts``),
    keyed by person id, newest first, in one query: a row per consent and organization it
    names. Reads only what deciding needs (never a signature image, up to megabytes)."""
    rows = (
        ConsentDirective.objects.filter(person_id__in=list(person_ids))
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))
        .order_by("-recorded_at", "id")
        .values_list(
            "id",
            "person_id",
            "decision",
            "data_classes",
            "purposes",
            "recipient_sectors",
            "recipient_care_team",
            "period_start",
            "period_end",
            "revoked_at",
            "recipient_organizations",
        )
    )
    consents: dict[object, tuple[object, dict[str, Any], set[int]]] = {}
    for (
        pk,
        person_id,
        decision,
        data_classes,
        purposes,
        sectors,
        care_team,
        start,
        end,
        revoked,
        organization_id,
    ) in rows:
        if pk not in consents:
            consents[pk] = (
                person_id,
                {
                    "id": str(pk),
                    "permit": decision == ConsentDecision.PERMIT,
                    "data_classes": frozenset(data_classes),
                    "purposes": frozenset(purposes),
                    "sectors": frozenset(sectors),
                    "care_team": care_team,
                    "active": consent_state(start, end, revoked, at) == "active",
                },
                set(),
            )
        if organization_id is not None:
            consents[pk][2].add(organization_id)
    facts: dict[object, list[rules.ConsentFact]] = {}
    for owner, fields, organizations in consents.values():
        facts.setdefault(owner, []).append(
            rules.ConsentFact(organization_ids=frozenset(organizations), **fields)
        )
    return {person_id: tuple(found) for person_id, found in facts.items()}


def active_emergency_access(
    *, actor: Actor, person: Person, at: datetime | None = None
) -> EmergencyAccess | None:
    now = at or timezone.now()
    return (
        EmergencyAccess.objects.filter(
            person=person,
            user_id=actor.user_id,
            organization=actor.organization,
            granted_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("-expires_at")
        .first()
    )


def owner_regime(person: Person) -> str:
    """The law that governs a record is that of the organization that holds it. The holding
    organization (with its jurisdiction) is read once and kept on ``person``, so the several
    questions one request asks of it cost one query."""
    owner = person._state.fields_cache.get("owner_organization")
    if owner is None or "jurisdiction" not in owner._state.fields_cache:
        owner = (
            Organization.objects.select_related("jurisdiction")
            .filter(pk=person.owner_organization_id)
            .first()
        )
        if owner is None:
            return ""
        person.owner_organization = owner
    jurisdiction = owner.jurisdiction
    return str(jurisdiction.privacy_regime if jurisdiction else "")


def _owner_regimes(persons: Iterable[Person]) -> dict[int, str]:
    """The privacy law of each person's holding organization, by organization id: from the
    persons as loaded when they came with ``owner_organization__jurisdiction``, else with one
    query for the rest."""
    regimes: dict[int, str] = {}
    missing: set[int] = set()
    for person in persons:
        owner = person._state.fields_cache.get("owner_organization")
        if owner is not None and "jurisdiction" in owner._state.fields_cache:
            jurisdiction = owner.jurisdiction
            regimes[owner.pk] = str(jurisdiction.privacy_regime if jurisdiction else "")
        else:
            missing.add(person.owner_organization_id)
    missing -= set(regimes)
    if missing:
        for pk, regime in Organization.objects.filter(pk__in=missing).values_list(
            "pk", "jurisdiction__privacy_regime"
        ):
            regimes[pk] = str(regime or "")
    return regimes


def evaluate_many(
    *,
    actor: Actor,
    person: Person,
    data_classes: Iterable[str],
    purpose: str,
    at: datetime | None = None,
) -> dict[str, Decision]:
    """Decide several data classes of one person with one gathering of facts (three or four
    queries)."""
    now = at or timezone.now()
    consents = consent_facts_of([person.pk], at=now).get(person.pk, ())
    care_team = frozenset(
        CareTeamMember.objects.filter(person=person, started_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .values_list("organization_id", flat=True)
    )
    emergency = active_emergency_access(actor=actor, person=person, at=now)
    organization = actor.organization
    base: dict[str, object] = {
        "organization_id": organization.pk,
        "sector": organization.sector,
        "role": actor.role,
        "purpose": purpose,
        "owner_organization_id": person.owner_organization_id,
        "privacy_regime": owner_regime(person),
        "care_team_organization_ids": care_team,
        "consents": consents,
        "emergency_access": emergency is not None,
        "emergency_access_id": emergency.pk if emergency else None,
    }
    return {
        data_class: rules.decide(rules.Facts(data_class=data_class, **base))  # type: ignore[arg-type]
        for data_class in data_classes
    }


def evaluate_people(
    *,
    actor: Actor,
    people: Iterable[Person],
    data_classes: Iterable[str],
    purpose: str,
    at: datetime | None = None,
) -> dict[object, dict[str, Decision]]:
    """Decide several data classes of many people at once (a page of an inbox or a list),
    in a fixed number of queries whatever the number of people: the same decisions
    :func:`evaluate_many` gives one by one. Keyed by person id."""
    now = at or timezone.now()
    persons = {p.pk: p for p in people}
    if not persons:
        return {}
    classes = list(dict.fromkeys(data_classes))
    consents_by = consent_facts_of(persons, at=now)
    teams: dict[object, set[int]] = {pk: set() for pk in persons}
    for person_id, organization_id in (
        CareTeamMember.objects.filter(person_id__in=list(persons), started_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .values_list("person_id", "organization_id")
    ):
        teams[person_id].add(organization_id)
    emergencies: dict[object, int] = {}
    for person_id, grant_id in (
        EmergencyAccess.objects.filter(
            person_id__in=list(persons),
            user_id=actor.user_id,
            organization=actor.organization,
            granted_at__lte=now,
            expires_at__gt=now,
        )
        .order_by("expires_at")
        .values_list("person_id", "pk")
    ):
        emergencies[person_id] = grant_id
    regimes = _owner_regimes(persons.values())
    organization = actor.organization
    decisions: dict[object, dict[str, Decision]] = {}
    for pk, person in persons.items():
        grant = emergencies.get(pk)
        base: dict[str, object] = {
            "organization_id": organization.pk,
            "sector": organization.sector,
            "role": actor.role,
            "purpose": purpose,
            "owner_organization_id": person.owner_organization_id,
            "privacy_regime": regimes.get(person.owner_organization_id, ""),
            "care_team_organization_ids": frozenset(teams[pk]),
            "consents": consents_by.get(pk, ()),
            "emergency_access": grant is not None,
            "emergency_access_id": grant,
        }
        decisions[pk] = {
            data_class: rules.decide(rules.Facts(data_class=data_class, **base))  # type: ignore[arg-type]
            for data_class in classes
        }
    return decisions


def evaluate(
    *,
    actor: Actor,
    person: Person,
    data_class: str,
    purpose: str,
    at: datetime | None = None,
) -> Decision:
    """May this actor, for this purpose, see this data class of this person? With the basis."""
    return evaluate_many(
        actor=actor, person=person, data_classes=[data_class], purpose=purpose, at=at
    )[data_class]


def disclosure_consent(
    *,
    person: Person,
    recipient: Organization,
    data_classes: Iterable[str],
    purpose: str,
    at: datetime | None = None,
    signed_classes: Iterable[str] = (),
    by_class: dict[str, ConsentDirective] | None = None,
) -> ConsentDirective | None:
    """The person's active consent that permits disclosing all of ``data_classes`` to the
    ``recipient`` organization for ``purpose`` (a referral sends them there), or None when
    the person's consents, together, do not cover every one of them.

    Sending someone's information to another organization needs the person's say-so: owning
    the record or the care team are bases for reading it, not for sending it elsewhere. A
    refusal covering the recipient wins over any permit, and police and justice receive the
    protected classes only under a consent naming their very organization (as in
    :func:`rules.decide`). For the classes in ``signed_classes`` only a consent the person
    signed (on screen or on paper) counts: 42 CFR 2.31 requires the patient's signature to
    disclose substance-use treatment records.

    Every class must be covered, by one consent or several. When one consent covers them all
    it is the one returned; otherwise the one covering the most sensitive class (the HL7
    confidentiality code, then the last given). ``by_class``, when given, is filled with the
    consent that covers each class (for the disclosure's audit rows).
    """
    now = at or timezone.now()
    classes = list(dict.fromkeys(data_classes))
    if not classes:
        return None
    must_sign = frozenset(signed_classes)
    directives = {
        str(c.id): c
        for c in ConsentDirective.objects.filter(person=person)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        # The signature image (up to megabytes) and the worker's words decide nothing here.
        .defer("signature", "attestation")
        .prefetch_related("recipient_organizations")
        .order_by("-recorded_at")
    }
    facts = consent_facts(directives.values(), at=now)
    police = recipient.sector == rules.POLICE_JUSTICE
    signed = {ConsentCapture.SIGNATURE.value, ConsentCapture.PAPER.value}
    care_team: frozenset[int] | None = None

    def in_care_team() -> bool:
        # Read only when a consent names the care team: most name organizations or sectors.
        nonlocal care_team
        if care_team is None:
            care_team = frozenset(
                CareTeamMember.objects.filter(person=person, started_at__lte=now)
                .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
                .values_list("organization_id", flat=True)
            )
        return recipient.pk in care_team

    def names(consent: rules.ConsentFact) -> bool:
        return (
            consent.names_organization(recipient.pk)
            or recipient.sector in consent.sectors
            or (consent.care_team and in_care_team())
        )

    def specificity(consent: rules.ConsentFact) -> int:
        if consent.names_organization(recipient.pk):
            return 0
        return 1 if recipient.sector in consent.sectors else 2

    permits_by_class: dict[str, list[str]] = {}
    for data_class in classes:
        active = [c for c in facts if c.covers(data_class=data_class, purpose=purpose)]
        if any(not c.permit and names(c) for c in active):
            return None
        if police and data_class in rules.PROTECTED_FROM_JUSTICE:
            permits = [c for c in active if c.permit and c.names_organization(recipient.pk)]
        else:
            permits = [c for c in active if c.permit and names(c)]
        if data_class in must_sign:
            permits = [c for c in permits if directives[c.id].capture_method in signed]
        if not permits:
            return None
        # A consent naming the organization is the most specific, then its sector, then the
        # care team; the newest first among equals (the query's order).
        permits.sort(key=specificity)
        permits_by_class[data_class] = [c.id for c in permits]

    rank: dict[str, int] = {
        Sensitivity.NORMAL: 0,
        Sensitivity.RESTRICTED: 1,
        Sensitivity.VERY_RESTRICTED: 2,
    }
    order = {data_class: index for index, data_class in enumerate(classes)}
    most_sensitive = max(
        classes, key=lambda c: (rank.get(SENSITIVITY.get(c, Sensitivity.NORMAL), 0), order[c])
    )
    everywhere = set.intersection(*(set(ids) for ids in permits_by_class.values()))
    chosen = next(
        (i for i in permits_by_class[most_sensitive] if i in everywhere),
        permits_by_class[most_sensitive][0],
    )
    if by_class is not None:
        for data_class, ids in permits_by_class.items():
            by_class[data_class] = directives[chosen if chosen in ids else ids[0]]
    return directives[chosen]
