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
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from carecircle.clients.models import (
    CarePlanGoal,
    CarePlanTask,
    Client,
    ClientEntry,
    SupportContact,
)
from carecircle.clients.names import client_search_name
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
from carecircle.privacy.rules import Basis, Decision
from carecircle.privacy.services import EMERGENCY_ACCESS_MINUTES
from carecircle.synth.ahead import planned_ahead
from carecircle.synth.model import ENTRY_PURPOSE, ClientPlan, ConsentPlan, EntryJudge
from carecircle.synth.referral_writer import Clock, ReferralRows
from carecircle.synth.riverbend import ProgressLike
from carecircle.synth.writer import (
    BULK_BATCH,
    Context,
    batched,
    consent_capture,
    profile_values,
)


@cache
def _inserters() -> dict[str, BulkInsert]:
    recipients = ConsentDirective.recipient_organizations.through
    return {
        "person": BulkInsert(Person, ["id", "owner_organization", "created_at"]),
        "client": BulkInsert(Client, ["id", "person", *PROFILE, "search_name", "created_at"]),
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
                "capture_method",
                "signature",
                "attestation",
                "note",
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
        "goal": BulkInsert(
            CarePlanGoal,
            [
                "id",
                "client",
                "domain",
                "own_words",
                "data_class",
                "status",
                "organization",
                "author",
                "created_at",
                "updated_at",
            ],
        ),
        "task": BulkInsert(
            CarePlanTask,
            [
                "id",
                "goal",
                "description",
                "owner_organization",
                "owner_user",
                "owner_is_person",
                "due_on",
                "done_at",
                "created_at",
            ],
        ),
        "support": BulkInsert(
            SupportContact,
            [
                "id",
                "client",
                "name",
                "kind",
                "relationship",
                "phone",
                "is_emergency_contact",
                "may_be_contacted",
                "created_at",
            ],
        ),
    }


#: The client record's own fields, in the order ``profile_values`` gives them.
PROFILE = (
    "identification",
    "preferred_name",
    "identifier_code",
    "alias",
    "legal_given_name",
    "legal_family_name",
    "birth_date",
    "birth_year",
    "gender_identity",
    "pronouns",
    "indigenous_identity",
    "two_slgbtq",
    "languages",
    "rural_remote",
    "housing_status",
    "parent_status",
    "phone",
    "email",
    "safe_to_text",
    "safe_to_voicemail",
    "safe_contact_time",
    "contact_notes",
)


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


def _decided(
    actor: Actor,
    decision: Decision,
    person_id: uuid.UUID,
    owner_id: int,
    data_class: str,
    consent_ids: Sequence[uuid.UUID],
    *,
    object_type: str,
    object_id: object,
) -> AuditRow:
    """The row ``audit_decision`` writes for a permitted write under care coordination."""
    return {
        "actor": actor,
        "action": AuditAction.WRITE,
        "permitted": decision.permitted,
        "purpose": Purpose.CARE_COORDINATION,
        "person_id": person_id,
        "owner_organization_id": owner_id,
        "data_class": data_class,
        "basis": decision.basis.value,
        "consent_id": consent_ids[int(decision.consent_id)]
        if decision.consent_id is not None
        else None,
        "object_type": object_type,
        "object_id": str(object_id),
    }


def _consent_rows(
    ctx: Context,
    rows: dict[str, list[tuple[Any, ...]]],
    audit: list[AuditRow],
    planned: Sequence[ConsentPlan],
    creator: Actor,
    person_id: uuid.UUID,
    owner_id: int,
    consent_ids: list[uuid.UUID],
) -> None:
    """What consent_record (and consent_revoke) write for these consents; their ids are
    appended to ``consent_ids``."""
    now, orgs = ctx.now, ctx.organizations
    for consent in planned:
        consent_id = uuid.uuid4()
        consent_ids.append(consent_id)
        revoked = consent.state == "revoked"
        capture = consent_capture(consent)
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
                capture["capture_method"],
                capture.get("signature", ""),
                capture.get("attestation", ""),
                capture.get("note", ""),
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


def write_batch(ctx: Context, batch: list[ClientPlan], clock: Clock | None = None) -> None:
    """One transaction's worth of clients; call inside ``transaction.atomic``."""
    tables = _inserters()
    roster = ctx.roster
    assert roster is not None
    now = timezone.now()
    expires = now + timedelta(minutes=EMERGENCY_ACCESS_MINUTES)
    orgs, users = ctx.organizations, ctx.user_ids

    client_ids = iter(reserve_ids(Client, len(batch)))
    team_ids = iter(reserve_ids(CareTeamMember, sum(len(c.care_team) for c in batch)))
    entry_ids = iter(reserve_ids(ClientEntry, sum(len(c.entries) for c in batch)))
    grant_ids = iter(reserve_ids(EmergencyAccess, sum(len(c.emergencies) for c in batch)))
    goal_ids = iter(reserve_ids(CarePlanGoal, sum(len(c.goals) for c in batch)))
    task_ids = iter(reserve_ids(CarePlanTask, sum(len(g.tasks) for c in batch for g in c.goals)))
    support_ids = iter(reserve_ids(SupportContact, sum(len(c.supports) for c in batch)))
    referrals = ReferralRows(ctx, clock or Clock.of(ctx))

    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in tables}
    audit: list[AuditRow] = []
    for plan in batch:
        creator = ctx.actor(plan.creator, plan.owner)
        owner_id = orgs[plan.owner].pk
        person_id, client_id = uuid.uuid4(), next(client_ids)
        rows["person"].append((person_id, owner_id, now))
        values = profile_values(plan)
        rows["client"].append(
            (
                client_id,
                person_id,
                *(values[name] for name in PROFILE),
                client_search_name(
                    preferred_name=plan.preferred_name,
                    alias=plan.profile.alias,
                    legal_given_name=plan.profile.legal_given_name,
                    legal_family_name=plan.profile.legal_family_name,
                ),
                now,
            )
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
        _consent_rows(ctx, rows, audit, plan.consents, creator, person_id, owner_id, consent_ids)

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

        # The care plan: what care_plan_goal_add, _task_add and _task_complete write.
        judge = EntryJudge(
            roster, owner=plan.owner, care_team=plan.care_team, consents=plan.consents
        )
        for goal in plan.goals:
            goal_id = next(goal_ids)
            author = ctx.actor(goal.author, goal.organization)
            decision = judge.decide(
                organization=goal.organization,
                role=author.role,
                data_class=goal.data_class,
                purpose=Purpose.CARE_COORDINATION,
            )
            rows["goal"].append(
                (
                    goal_id,
                    client_id,
                    goal.domain,
                    goal.own_words,
                    goal.data_class,
                    goal.status,
                    orgs[goal.organization].pk,
                    users[goal.author],
                    now,
                    now,
                )
            )

            written = (author, decision, person_id, owner_id, goal.data_class, consent_ids)
            audit.append(_decided(*written, object_type="care_plan_goal", object_id=goal_id))
            for task in goal.tasks:
                task_id = next(task_ids)
                rows["task"].append(
                    (
                        task_id,
                        goal_id,
                        task.description,
                        orgs[task.organization].pk,
                        None if task.by_person or not task.username else users[task.username],
                        task.by_person,
                        ctx.day(task.due_days),
                        now if task.done_days is not None else None,
                        now,
                    )
                )
                audit.append(_decided(*written, object_type="care_plan_task", object_id=task_id))
                if task.done_days is not None:
                    audit.append(
                        _decided(*written, object_type="care_plan_task", object_id=task_id)
                    )

        # The support network: support_contact_add, by the record's holder.
        for support in plan.supports:
            support_id = next(support_ids)
            rows["support"].append(
                (
                    support_id,
                    client_id,
                    support.name,
                    support.kind,
                    support.relationship,
                    support.phone,
                    support.is_emergency_contact,
                    support.may_be_contacted,
                    now,
                )
            )
            audit.append(
                _owner_write(
                    creator,
                    person_id,
                    owner_id,
                    object_type="support_contact",
                    object_id=support_id,
                )
            )

        # The consents taken for the referrals, then the referrals.
        _consent_rows(
            ctx, rows, audit, plan.referral_consents, creator, person_id, owner_id, consent_ids
        )
        referrals.add(
            plan,
            client_id=client_id,
            person_id=person_id,
            owner_id=owner_id,
            consent_ids=consent_ids,
            audit=audit,
        )

    # Parents before children, so the foreign keys hold at every statement.
    for name in (
        "person",
        "client",
        "care_team",
        "consent",
        "recipient",
        "entry",
        "emergency",
        "goal",
        "task",
        "support",
    ):
        tables[name].insert(rows[name])
    referrals.flush()
    audit_append_bulk(actor=None, rows=audit)

    counts = ctx.counts
    counts["clients"] += len(batch)
    counts["client entries"] += len(rows["entry"])
    counts["care-team members"] += len(rows["care_team"])
    counts["consent directives"] += len(rows["consent"])
    counts["emergency accesses"] += len(rows["emergency"])
    counts["care-plan goals"] += len(rows["goal"])
    counts["care-plan tasks"] += len(rows["task"])
    counts["support contacts"] += len(rows["support"])


def write_clients_bulk(
    ctx: Context,
    clients: Iterable[ClientPlan] | Callable[[], Iterable[ClientPlan]],
    progress: ProgressLike,
    *,
    batch_size: int = BULK_BATCH,
) -> None:
    """Write the clients in batches, one transaction each. Given a function that generates
    them (``CommunityPlan.crowd_clients``), the next batches are planned in another process
    while these are written (:mod:`carecircle.synth.ahead`)."""
    clock = Clock.of(ctx)
    batches = (
        planned_ahead(clients, batch_size) if callable(clients) else batched(clients, batch_size)
    )
    for batch in batches:
        with transaction.atomic():
            write_batch(ctx, batch, clock)
        progress.advance(len(batch))
