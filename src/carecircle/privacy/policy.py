"""The one policy function: gathers facts from the database and asks the rules kernel.

Callers outside the privacy app use :mod:`carecircle.privacy.selectors`, which also audit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor
from carecircle.privacy import rules
from carecircle.privacy.models import (
    CareTeamMember,
    ConsentDecision,
    ConsentDirective,
    EmergencyAccess,
    Person,
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


def _owner_regime(person: Person) -> str:
    """The law that governs a record is that of the organization that holds it."""
    cache = person._state.fields_cache
    owner = cache.get("owner_organization")
    if owner is not None and "jurisdiction" in owner._state.fields_cache:
        return str(owner.jurisdiction.privacy_regime)
    regime = (
        Organization.objects.filter(pk=person.owner_organization_id)
        .values_list("jurisdiction__privacy_regime", flat=True)
        .first()
    )
    return str(regime or "")


def evaluate_many(
    *,
    actor: Actor,
    person: Person,
    data_classes: Iterable[str],
    purpose: str,
    at: datetime | None = None,
) -> dict[str, Decision]:
    """Decide several data classes of one person with one gathering of facts (four queries)."""
    now = at or timezone.now()
    consents = (
        ConsentDirective.objects.filter(person=person)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=now))
        .prefetch_related("recipient_organizations")
    )
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
        "privacy_regime": _owner_regime(person),
        "care_team_organization_ids": care_team,
        "consents": consent_facts(consents, at=now),
        "emergency_access": emergency is not None,
        "emergency_access_id": emergency.pk if emergency else None,
    }
    return {
        data_class: rules.decide(rules.Facts(data_class=data_class, **base))  # type: ignore[arg-type]
        for data_class in data_classes
    }


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
