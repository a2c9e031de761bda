"""Writing and verifying the audit trail. Every read and write of person-level data lands here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carecircle.partners.selectors import Actor
from carecircle.privacy import chain
from carecircle.privacy.models import AuditChainHead, AuditEvent
from carecircle.privacy.rules import Decision
from carecircle.requestctx import get_request_id


def _key() -> bytes:
    return str(settings.AUDIT_HMAC_KEY).encode()


@dataclass(frozen=True)
class AuditSubject:
    person_id: UUID | None
    owner_organization_id: int | None


@dataclass(frozen=True)
class AuditEntry:
    """What one audit row says, before the chain gives it a number and a hash."""

    action: str
    permitted: bool
    purpose: str = ""
    person_id: UUID | None = None
    owner_organization_id: int | None = None
    data_class: str = ""
    basis: str = ""
    consent_id: str | UUID | None = None
    object_type: str = ""
    object_id: str | int = ""
    # For a disclosure: the organization the information was sent to.
    recipient_organization_id: int | None = None


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    """The columns that say who acted, for which organization, in which role."""
    organization = actor.organization if actor else None
    return {
        "actor_id": actor.user_id if actor else None,
        "actor_username": actor.username if actor else "",
        "organization_id": organization.pk if organization else None,
        "organization_name": organization.name if organization else "",
        "organization_sector": organization.sector if organization else "",
        "role": actor.role if actor else "",
    }


def audit_append_many(*, actor: Actor | None, entries: Sequence[AuditEntry]) -> None:
    """Append rows to the chain under one lock of its head, in one statement.

    Joins the caller's transaction when there is one, so a rolled-back write leaves no audit
    row and a committed one always has its row.
    """
    _append(actor=actor, entries=entries)


def _append(*, actor: Actor | None, entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    """``audit_append_many``, returning the rows written (plain values: a page of an inbox
    audits dozens of rows, and building a model instance for each would cost more than
    hashing it)."""
    if not entries:
        return []
    key = _key()
    who = _actor_fields(actor)
    request_id = get_request_id()
    now = timezone.now()
    # No savepoint inside the caller's transaction: an audit row that cannot be written must
    # take the caller's write down with it, never be rolled back alone.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        rows = []
        last_seq, last_hash = head.last_seq, head.last_hash
        for entry in entries:
            row: dict[str, Any] = {
                "seq": last_seq + 1,
                "occurred_at": now,
                "request_id": request_id,
                **who,
                "purpose": entry.purpose,
                "person_id": UUID(str(entry.person_id)) if entry.person_id else None,
                "owner_organization_id": entry.owner_organization_id,
                "data_class": entry.data_class,
                "action": entry.action,
                "permitted": entry.permitted,
                "basis": entry.basis,
                "consent_id": UUID(str(entry.consent_id)) if entry.consent_id else None,
                "object_type": entry.object_type,
                "object_id": str(entry.object_id),
                "recipient_organization_id": entry.recipient_organization_id,
                "prev_hash": last_hash,
            }
            row["hash"] = chain.row_hash(key, last_hash, row)
            rows.append(row)
            last_seq, last_hash = row["seq"], row["hash"]
        _insert(rows)
        head.last_seq, head.last_hash = last_seq, last_hash
        head.mac = chain.head_mac(key, last_seq, last_hash)
        head.save()
    return rows


def _insert(rows: list[dict[str, Any]]) -> None:
    """One statement for the rows, whatever their number (an ``executemany`` on SQLite, a
    ``COPY`` on PostgreSQL: :class:`~carecircle.privacy.bulk.BulkInsert`): a page of an inbox
    audits a row per item and class, and ``bulk_create`` would split it into statements of ~45
    rows on SQLite (999 parameters), so the queries a page costs would grow with its size."""
    from carecircle.privacy.bulk import BulkInsert  # bulk builds on this module

    columns = [*chain.COLUMNS, "prev_hash", "hash"]
    BulkInsert(AuditEvent, columns).insert([tuple(row[name] for name in columns) for row in rows])


def audit_append(*, actor: Actor | None, **fields: Any) -> AuditEvent:
    """Append one row; ``fields`` are those of :class:`AuditEntry`."""
    return AuditEvent(**_append(actor=actor, entries=[AuditEntry(**fields)])[0])


def decision_entry(
    *,
    decision: Decision,
    action: str,
    purpose: str,
    person_id: UUID,
    owner_organization_id: int,
    data_class: str,
    object_type: str = "",
    object_id: str | int = "",
) -> AuditEntry:
    """The audit entry recording one policy decision."""
    return AuditEntry(
        action=action,
        permitted=decision.permitted,
        purpose=purpose,
        person_id=person_id,
        owner_organization_id=owner_organization_id,
        data_class=data_class,
        basis=decision.basis.value,
        consent_id=decision.consent_id,
        object_type=object_type,
        object_id=object_id,
    )


def audit_decision(*, actor: Actor, **fields: Any) -> AuditEvent:
    """Append the row for one policy decision (``fields`` as for :func:`decision_entry`)."""
    return AuditEvent(**_append(actor=actor, entries=[decision_entry(**fields)])[0])


def _rows() -> Iterator[dict[str, Any]]:
    fields = [*chain.COLUMNS, "prev_hash", "hash"]
    yield from AuditEvent.objects.order_by("seq").values(*fields).iterator(chunk_size=5000)


def audit_verify(*, limit: int = 50, at_least: int = 0) -> list[chain.Problem]:
    """Recompute the whole chain; an empty list means nobody quietly edited the trail.

    ``at_least`` is a sequence number recorded elsewhere earlier (e.g. last night's verify):
    a chain now shorter than that was cut back, head and all.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return [chain.Problem(0, "head", "the chain head is missing (created by migrations)")]
    problems = chain.verify(
        _key(),
        _rows(),
        head_seq=head.last_seq,
        head_hash=head.last_hash,
        head_mac_value=head.mac,
        limit=limit,
    )
    if head.last_seq < at_least:
        problems.append(
            chain.Problem(
                head.last_seq + 1,
                "deleted",
                f"the trail ends at row {head.last_seq}, but row {at_least} existed",
            )
        )
    return problems


def audit_count() -> int:
    head = AuditChainHead.objects.filter(pk=1).first()
    return head.last_seq if head else 0
