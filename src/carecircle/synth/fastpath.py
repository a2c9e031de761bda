"""The bulk path for the large scale: the same rows the services write, thousands at a time.

Per-row services cost a dozen queries per write; 200,000 clients and their entries would take
hours. Here each batch of clients is one transaction: the people, clients, care teams, consents,
entries and emergency accesses are inserted with one ``executemany`` per table
(:class:`carecircle.privacy.bulk.BulkInsert`, with ids reserved up front so rows can point at
each other), then their audit rows are appended to the hash chain with
:func:`carecircle.privacy.bulk.audit_append_bulk`, in the order and with the basis the services
would have written them.

What the services check is already guaranteed by the plan: every entry's author is permitted
(``EntryJudge`` asked the rules kernel), consents and care-team changes are made by a member of
the owning organization, and emergency access is granted to clinicians and reviewed by the
owner's admin. ``tests/synth/test_fastpath.py`` checks the two paths write the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from carecircle.clients.models import Client, ClientEntry
from carecircle.partners.selectors import Actor
from carecircle.privacy.bulk import AuditRow, BulkInsert, audit_append_bulk, reserve_ids
from carecircle.privacy.models import (
    AuditAction,
    CareTeamMember,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Person,
    Purpose,
)
from carecircle.privacy.rules import Basis
from carecircle.privacy.services import EMERGENCY_ACCESS_MINUTES
from carecircle.synth.model import ENTRY_PURPOSE, ClientPlan
from carecircle.synth.riverbend import ProgressLike
from carecircle.synth.writer import BULK_BATCH, Context, batched


@cache
def _inserters() -> dict[str, BulkInsert]:
    recipients = ConsentDirective.recipient_organizations.through
    return {
        "person": BulkInsert(Person, ["id", "owner_organization", "created_at"]),
        "client": BulkInsert(
            Client, ["id", "person", "preferred_name", "identifier_code", "created_at"]
        ),
        "care_team": BulkInsert(
            CareTeamMember,
            ["id", "person", "organization", "user", "role", "is_lead", "started_at", "ended_at"],
        ),
        "consent": BulkInsert(
            ConsentDirective,
            [
                "id",
                "person",
                "decision",
                "data_classes",
                "purposes",
                "recipient_sectors",
                "recipient_care_team",
                "period_start",
                "period_end",
                "recorded_by",
                "recorded_for",
                "recorded_at",
                "revoked_at",
                "revoked_by",
                "revocation_reason",
            ],
        ),
        "recipient": BulkInsert(recipients, ["consentdirective", "organization"]),
        "entry": BulkInsert(
            ClientEntry,
            ["id", "client", "data_class", "organization", "author", "body", "created_at"],
        ),
        "emergency": BulkInsert(
            EmergencyAccess,
            [
                "id",
                "person",
                "user",
                "organization",
                "role",
                "reason",
                "granted_at",
                "expires_at",
                "reviewed_at",
                "reviewed_by",
                "review_outcome",
                "review_note",
            ],
        ),
    }


def _owner_write(
    actor: Actor, person_id: uuid.UUID, owner_id: int, *, object_type: str, object_id: object
) -> AuditRow:
    """The row ``privacy.services._write_audit`` writes for a member of the owning org."""
    return {
        "actor": actor,
        "action": AuditAction.WRITE,
        "permitted": True,
        "purpose": Purpose.CARE_COORDINATION,
        "person_id": person_id,
        "owner_organization_id": owner_id,
        "data_class": DataClass.GENERAL,
        "basis": Basis.OWN_RECORD if owner_id == actor.organization.pk else Basis.CARE_TEAM,
        "object_type": object_type,
        "object_id": str(object_id),
    }


def write_batch(ctx: Context, batch: list[ClientPlan]) -> None:
    """One transaction's worth of clients; call inside ``transaction.atomic``."""
    tables = _inserters()
    now = timezone.now()
    expires = now + timedelta(minutes=EMERGENCY_ACCESS_MINUTES)
    orgs, users = ctx.organizations, ctx.user_ids

    client_ids = iter(reserve_ids(Client, len(batch)))
    team_ids = iter(reserve_ids(CareTeamMember, sum(len(c.care_team) for c in batch)))
    entry_ids = iter(reserve_ids(ClientEntry, sum(len(c.entries) for c in batch)))
    grant_ids = iter(reserve_ids(EmergencyAccess, sum(len(c.emergencies) for c in batch)))

    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
    audit: list[AuditRow] = []
    for plan in batch:
        creator = ctx.actor(plan.creator, plan.owner)
        owner_id = orgs[plan.owner].pk
        person_id, client_id = uuid.uuid4(), next(client_ids)
        rows["person"].append((person_id, owner_id, now))
        rows["client"].append(
            (client_id, person_id, plan.preferred_name, plan.identifier_code, now)
        )
        audit.append(
            _owner_write(creator, person_id, owner_id, object_type="person", object_id=person_id)
        )

        for member in plan.care_team:
            member_id = next(team_ids)
            user_id = users[member.username] if member.username else None
            rows["care_team"].append(
                (
                    member_id,
                    person_id,
                    orgs[member.organization].pk,
                    user_id,
                    member.role,
                    member.is_lead,
                    now,
                    None,
                )
            )
            audit.append(
                _owner_write(
                    creator, person_id, owner_id, object_type="care_team", object_id=member_id
                )
            )

        consent_ids: list[uuid.UUID] = []
        for consent in plan.consents:
            consent_id = uuid.uuid4()
            consent_ids.append(consent_id)
            revoked = consent.state == "revoked"
            rows["consent"].append(
                (
                    consent_id,
                    person_id,
                    consent.decision,
                    sorted(set(consent.data_classes)),
                    sorted(set(consent.purposes)),
                    sorted(set(consent.sectors)),
                    consent.care_team,
                    ctx.days(consent.start_days) or now,
                    ctx.days(consent.end_days) if consent.end_days is not None else None,
                    creator.user_id,
                    creator.organization.pk,
                    now,
                    now if revoked else None,
                    creator.user_id if revoked else None,
                    consent.revoke_reason if revoked else "",
                )
            )
            rows["recipient"] += [(consent_id, orgs[slug].pk) for slug in consent.organizations]
            # consent_record, then consent_revoke: one audit row each.
            for _ in range(2 if revoked else 1):
                audit.append(
                    _owner_write(
                        creator, person_id, owner_id, object_type="consent", object_id=consent_id
                    )
                )

        for entry in plan.entries:
            entry_id = next(entry_ids)
            rows["entry"].append(
                (
                    entry_id,
                    client_id,
                    entry.data_class,
                    orgs[entry.organization].pk,
                    users[entry.author],
                    entry.body,
                    now,
                )
            )
            audit.append(
                {
                    "actor": ctx.actor(entry.author, entry.organization),
                    "action": AuditAction.WRITE,
                    "permitted": True,
                    "purpose": ENTRY_PURPOSE,
                    "person_id": person_id,
                    "owner_organization_id": owner_id,
                    "data_class": entry.data_class,
                    "basis": entry.basis,
                    "consent_id": consent_ids[entry.consent_index]
                    if entry.consent_index is not None
                    else None,
                    "object_type": "client_entry",
                    "object_id": str(entry_id),
                }
            )

        for grant in plan.emergencies:
            grant_id = next(grant_ids)
            granter = ctx.actor(grant.username, grant.organization)
            rows["emergency"].append(
                (
                    grant_id,
                    person_id,
                    granter.user_id,
                    granter.organization.pk,
                    granter.role,
                    grant.reason,
                    now,
                    expires,
                    now if grant.reviewer else None,
                    users[grant.reviewer] if grant.reviewer else None,
                    grant.outcome,
                    grant.note,
                )
            )
            audit.append(
                {
                    "actor": granter,
                    "action": AuditAction.EMERGENCY,
                    "permitted": True,
                    "purpose": Purpose.TREATMENT,
                    "person_id": person_id,
                    "owner_organization_id": owner_id,
                    "basis": Basis.EMERGENCY,
                    "object_type": "emergency_access",
                    "object_id": str(grant_id),
                }
            )
            if grant.reviewer:
                reviewer = ctx.actor(grant.reviewer, plan.owner)
                audit.append(
                    _owner_write(
                        reviewer,
                        person_id,
                        owner_id,
                        object_type="emergency_access",
                        object_id=grant_id,
                    )
                )

    # Parents before children, so the foreign keys hold at every statement.
    for name in ("person", "client", "care_team", "consent", "recipient", "entry", "emergency"):
        tables[name].insert(rows[name])
    audit_append_bulk(actor=None, rows=audit)

    counts = ctx.counts
    counts["clients"] += len(batch)
    counts["client entries"] += len(rows["entry"])
    counts["care-team members"] += len(rows["care_team"])
    counts["consent directives"] += len(rows["consent"])
    counts["emergency accesses"] += len(rows["emergency"])


def write_clients_bulk(
    ctx: Context,
    clients: Iterable[ClientPlan],
    progress: ProgressLike,
    *,
    batch_size: int = BULK_BATCH,
) -> None:
    for batch in batched(clients, batch_size):
        with transaction.atomic():
            write_batch(ctx, batch)
        progress.advance(len(batch))
