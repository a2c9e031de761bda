"""Writes to the minimal client record, through the privacy core."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_decision
from carecircle.privacy.models import AuditAction, DataClass, Purpose
from carecircle.privacy.services import person_create

from .models import Client, ClientEntry


def client_create(*, actor: Actor, preferred_name: str = "", identifier_code: str = "") -> Client:
    """A client known by a chosen name, or by an identifier code only (pseudonymous)."""
    preferred_name = preferred_name.strip()
    identifier_code = identifier_code.strip().upper()
    if not preferred_name and not identifier_code:
        raise ValidationError(
            {"preferred_name": _("Give a preferred name or an identifier code (or both).")}
        )
    with transaction.atomic():
        person = person_create(actor=actor)
        return Client.objects.create(
            person=person, preferred_name=preferred_name, identifier_code=identifier_code
        )


def client_entry_add(
    *,
    actor: Actor,
    client: Client,
    data_class: str,
    body: str,
    purpose: str = Purpose.TREATMENT,
) -> ClientEntry:
    """Add a labelled entry. Writing a class needs the same permission as reading it."""
    if data_class not in DataClass.values:
        raise ValidationError({"data_class": _("Choose a known kind of information.")})
    if not body.strip():
        raise ValidationError({"body": _("Write the entry.")})
    decision = policy.evaluate(
        actor=actor, person=client.person, data_class=data_class, purpose=purpose
    )
    with transaction.atomic():
        entry = None
        if decision.permitted:
            entry = ClientEntry.objects.create(
                client=client,
                data_class=data_class,
                organization=actor.organization,
                author_id=actor.user_id,
                body=body.strip(),
            )
        audit_decision(
            actor=actor,
            decision=decision,
            action=AuditAction.WRITE,
            purpose=purpose,
            person_id=client.person_id,
            owner_organization_id=client.person.owner_organization_id,
            data_class=data_class,
            object_type="client_entry",
            object_id=entry.pk if entry else "",
        )
    if entry is None:
        raise PermissionDenied(decision.reason)
    return entry
