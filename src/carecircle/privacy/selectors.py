"""Reads of person-level data: each asks the policy and leaves an audit row, permitted or not."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.partners.models import Organization, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_append, audit_append_many, decision_entry
from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Person,
)
from carecircle.privacy.rules import PROTECTED_FROM_JUSTICE, Decision


def person_read(
    *,
    actor: Actor,
    person: Person,
    data_classes: Iterable[str],
    purpose: str,
    object_type: str = "person",
    object_id: str | int = "",
    action: str = AuditAction.READ,
) -> dict[str, Decision]:
    """Decide and audit a read of some data classes of one person. Callers show only what
    the returned decisions permit."""
    classes = list(dict.fromkeys(data_classes))
    decisions = policy.evaluate_many(
        actor=actor, person=person, data_classes=classes, purpose=purpose
    )
    audit_append_many(
        actor=actor,
        entries=[
            decision_entry(
                decision=decisions[data_class],
                action=action,
                purpose=purpose,
                person_id=person.pk,
                owner_organization_id=person.owner_organization_id,
                data_class=data_class,
                object_type=object_type,
                object_id=object_id or str(person.pk),
            )
            for data_class in classes
        ],
    )
    return decisions


def people_read(
    *,
    actor: Actor,
    reads: Iterable[tuple[Person, Iterable[str], str, str | int]],
    purpose: str,
    action: str = AuditAction.READ,
) -> dict[object, dict[str, Decision]]:
    """Decide and audit reads of many people at once, in a fixed number of queries (a page of
    an inbox or a list). ``reads`` holds, per object shown, ``(person, data classes,
    object_type, object_id)``; one audit row is written per object and class. Returns the
    decisions keyed by person id (a person shown twice is decided once)."""
    wanted = list(reads)
    people: dict[object, Person] = {}
    classes: dict[str, None] = {}
    for person, data_classes, _type, _id in wanted:
        people[person.pk] = person
        classes.update(dict.fromkeys(data_classes))
    decisions = policy.evaluate_people(
        actor=actor, people=people.values(), data_classes=classes, purpose=purpose
    )
    audit_append_many(
        actor=actor,
        entries=[
            decision_entry(
                decision=decisions[person.pk][data_class],
                action=action,
                purpose=purpose,
                person_id=person.pk,
                owner_organization_id=person.owner_organization_id,
                data_class=data_class,
                object_type=object_type,
                object_id=object_id,
            )
            for person, data_classes, object_type, object_id in wanted
            for data_class in dict.fromkeys(data_classes)
        ],
    )
    return decisions


def person_require(
    *, actor: Actor, person: Person, data_class: str, purpose: str, object_type: str = "person"
) -> Decision:
    """Like :func:`person_read` for one class, raising PermissionDenied on a refusal."""
    decision = person_read(
        actor=actor,
        person=person,
        data_classes=[data_class],
        purpose=purpose,
        object_type=object_type,
    )[data_class]
    if not decision.permitted:
        raise PermissionDenied(decision.reason)
    return decision


def consent_list(*, actor: Actor, person: Person, purpose: str) -> list[ConsentDirective]:
    """The person's consent directives, for the organization that holds the record only.

    A directive's recipients are themselves sensitive (a consent naming a treatment clinic for
    substance-use data tells what Part 2 protects), so nobody else sees them. Reading them is
    a read of general data, audited.
    """
    if person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied("Only the organization holding the record sees its consents.")
    person_require(
        actor=actor,
        person=person,
        data_class=DataClass.GENERAL,
        purpose=purpose,
        object_type="consent_list",
    )
    return list(
        ConsentDirective.objects.filter(person=person)
        .prefetch_related("recipient_organizations")
        .select_related("recorded_by", "recorded_for")
        .order_by("-recorded_at")
    )


def disclosure_list(*, actor: Actor, person: Person) -> QuerySet[AuditEvent]:
    """Accounting of disclosures: what was shown to whom outside the owning organization.

    Only the owning organization gives a person their accounting; the request is audited.
    """
    if person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied("Only the owning organization gives an accounting of disclosures.")
    person_require(
        actor=actor,
        person=person,
        data_class=DataClass.GENERAL,
        purpose="payment_operations",
        object_type="accounting_of_disclosures",
    )
    # Reads by anyone outside the holder, and what was sent out (a referral discloses the
    # person's data to the receiving organization, whoever sends it).
    read_elsewhere = Q(
        action__in=[AuditAction.READ, AuditAction.EXPORT, AuditAction.EMERGENCY],
        organization_id__isnull=False,
    ) & ~Q(organization_id=person.owner_organization_id)
    events = (
        AuditEvent.objects.filter(person_id=person.pk, permitted=True)
        .filter(read_elsewhere | Q(action=AuditAction.DISCLOSE))
        .order_by("seq")
    )
    if actor.organization.sector == Sector.POLICE_JUSTICE:
        # Who read which protected class is itself protected: a police service that holds a
        # record must not learn through the accounting that a clinic read substance-use data.
        events = events.exclude(data_class__in=PROTECTED_FROM_JUSTICE)
    return events


def emergency_access_for_review(*, actor: Actor) -> QuerySet[EmergencyAccess]:
    """Break-the-glass events on this organization's records awaiting its admin's review."""
    if not actor.is_org_admin:
        raise PermissionDenied("Only an organization admin reviews emergency access.")
    return (
        EmergencyAccess.objects.filter(
            person__owner_organization=actor.organization, reviewed_at__isnull=True
        )
        .select_related("user", "organization")
        .order_by("granted_at")
    )


def emergency_access_active(*, actor: Actor, person: Person) -> EmergencyAccess | None:
    return policy.active_emergency_access(actor=actor, person=person, at=timezone.now())


@dataclass(frozen=True)
class DisclosureRow:
    """One line of a person's accounting: who received which information, how and why."""

    event: AuditEvent
    # The organization that received it: the reader's, or a referral's recipient.
    recipient: str
    # For a disclosure sent by a referral, the organization that sent it (else "").
    sent_by: str


def disclosure_rows(events: Iterable[AuditEvent]) -> list[DisclosureRow]:
    """The accounting's lines, naming the recipient of each disclosure (one extra query)."""
    items = list(events)
    ids = {e.recipient_organization_id for e in items if e.recipient_organization_id}
    names: dict[int | None, str] = dict(
        Organization.objects.filter(pk__in=ids).values_list("pk", "name")
    )
    rows = []
    for event in items:
        if event.action == AuditAction.DISCLOSE:
            recipient = str(names.get(event.recipient_organization_id, ""))
            rows.append(DisclosureRow(event, recipient, event.organization_name))
        else:
            rows.append(DisclosureRow(event, event.organization_name, ""))
    return rows


def audit_export_row(row: DisclosureRow) -> list[str]:
    event = row.event
    return [
        event.occurred_at.isoformat(),
        row.recipient,
        event.organization_sector,
        event.role,
        event.actor_username,
        event.data_class,
        event.action,
        event.purpose,
        event.basis,
        str(event.consent_id or ""),
        row.sent_by,
    ]


__all__ = [
    "audit_append",
    "consent_list",
    "disclosure_list",
    "emergency_access_for_review",
    "people_read",
    "person_read",
    "person_require",
]
