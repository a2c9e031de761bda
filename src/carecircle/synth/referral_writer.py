"""Writing planned referrals: through ``referrals.services`` for the stories, in bulk for the
crowd.

The services stamp every write with the moment it happens, so a story referral made "three
weeks ago" is written now, step by step, then its dates (and its history's) are moved back to
when the plan says each step happened (:func:`backdate`). The overdue ones among them then meet
the real follow-up worker (``referrals_follow_up``), which reminds and escalates them.

The crowd's referrals take the bulk path (:class:`ReferralRows`): the same Referral and
ReferralEvent rows and the same audit rows, in the same order, the services would write for
the planned steps (a WRITE row per class an actor touched with the basis the policy gives,
DISCLOSE rows under the consent each time the referral is sent, the worker's own rows for
reminders and escalations), thousands at a time. ``tests/synth`` checks the two paths agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from carecircle.clients.models import Client
from carecircle.directory.models import Service
from carecircle.privacy.bulk import AuditRow, BulkInsert
from carecircle.privacy.models import AuditAction, DataClass, Purpose
from carecircle.privacy.rules import Basis, Decision
from carecircle.referrals import deadlines
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.services import (
    deadline_rules,
    referral_create,
    referral_record_appointment,
    referral_record_outcome,
    referral_reopen,
    referral_transition,
)
from carecircle.referrals.states import Status
from carecircle.synth.model import ClientPlan, EntryJudge, ReferralPlan
from carecircle.synth.referrals import (
    Replayed,
    disclosed_classes,
    replay,
    sender_classes,
)
from carecircle.synth.writer import Context

#: The purposes the services try, in order, when a step names none.
_WORK_PURPOSES = (Purpose.CARE_COORDINATION, Purpose.TREATMENT)


@dataclass(frozen=True)
class Clock:
    """The jurisdiction's time zone and response rules, and the moment of the build."""

    zone: ZoneInfo
    rules: dict[str, deadlines.DeadlineRule]

    @classmethod
    def of(cls, ctx: Context) -> Clock:
        some = next(iter(ctx.organizations.values()))
        jurisdiction = some.jurisdiction
        own = {u: r for (j, u), r in deadline_rules().items() if j == jurisdiction.pk}
        return cls(ZoneInfo(jurisdiction.time_zone), {**deadlines.DEFAULT_RULES, **own})

    def replay(self, plan: ReferralPlan, ctx: Context) -> Replayed:
        return replay(plan, now=ctx.now, zone=self.zone, rules_by_urgency=self.rules)


# --- The stories, through the services -------------------------------------------------------


def backdate(referral_id: uuid.UUID, times: Replayed) -> None:
    """Move a referral written now, and its history, back to when its steps happened."""
    Referral.objects.filter(pk=referral_id).update(
        created_at=times.created_at,
        updated_at=times.updated_at,
        requested_at=times.requested_at,
        responded_at=times.responded_at,
        closed_at=times.closed_at,
        due_at=times.due_at,
    )
    events = list(ReferralEvent.objects.filter(referral_id=referral_id).order_by("pk"))
    for event, planned in zip(events, times.events, strict=False):
        event.at = planned.at
    ReferralEvent.objects.bulk_update(events, ["at"])


def write_story_referral(ctx: Context, client: Client, plan: ReferralPlan, clock: Clock) -> None:
    """One story referral, every step through ``referrals.services``."""
    times = clock.replay(plan, ctx)
    requester = ctx.actor(plan.requester, plan.requester_org)
    receiver = ctx.actor(plan.receiver, plan.receiver_org)
    service = Service.objects.get(pk=plan.service_id) if plan.service_id else None
    proposed = not any(s.kind == "appointment" for s in plan.steps)
    first = plan.steps[0]
    referral = referral_create(
        actor=requester,
        client=client,
        receiving_organization=ctx.organizations[plan.receiver_org],
        data_class=plan.data_class,
        purpose=plan.purpose,
        service=service,
        urgency=plan.urgency,
        reason=plan.reason,
        do_not_contact=plan.do_not_contact,
        # The requester may propose the warm handoff when referring.
        appointment_at=times.appointment_at if proposed else None,
        accompanied_by=plan.accompanied_by if proposed else "",
        transport=plan.transport if proposed else "",
        handoff_notes=plan.handoff_notes,
        send=first.to == Status.REQUESTED,
        waitlist_ok=plan.waitlist,
    )
    for index, step in enumerate(plan.steps[1:], start=1):
        actor = requester if step.side == "requester" else receiver
        if step.kind in ("move", "send"):
            referral_transition(
                actor=actor, referral_id=referral.pk, to=step.to, reason=step.reason
            )
        elif step.kind == "appointment":
            referral_record_appointment(
                actor=actor,
                referral_id=referral.pk,
                appointment_at=times.appointment_at,
                accompanied_by=plan.accompanied_by,
                transport=plan.transport,
            )
        elif step.kind == "outcome":
            referral_record_outcome(
                actor=actor,
                referral_id=referral.pk,
                enrollment=step.to,
                outcome_on=times.events[index].at.astimezone(clock.zone).date(),
                reason=step.reason,
            )
        elif step.kind == "reopen":
            referral_reopen(actor=actor, referral_id=referral.pk, reason=step.reason)
        else:
            raise ValueError(f"unknown referral step {step.kind!r}")
    backdate(referral.pk, times)


# --- The crowd, in bulk ---------------------------------------------------------------------------


def _inserters() -> dict[str, BulkInsert]:
    """New for every batch: an inserter remembers each timestamp it adapted, and referrals
    have many (a cached one would grow with the whole build)."""
    return {
        "referral": BulkInsert(
            Referral,
            [
                "id",
                "client",
                "requester_organization",
                "requester",
                "receiving_organization",
                "service",
                "service_name",
                "data_class",
                "consent",
                "status",
                "status_reason",
                "urgency",
                "reason",
                "do_not_contact",
                "appointment_at",
                "accompanied_by",
                "transport",
                "handoff_notes",
                "enrollment",
                "outcome_on",
                "created_at",
                "updated_at",
                "requested_at",
                "responded_at",
                "closed_at",
                "due_at",
                "reminded_at",
                "escalated_at",
                "reopened_count",
                "version",
            ],
        ),
        "event": BulkInsert(
            ReferralEvent,
            [
                "referral",
                "kind",
                "from_status",
                "to_status",
                "reason",
                "organization",
                "actor",
                "at",
            ],
        ),
    }


def _active(plan: ClientPlan) -> list[Any]:
    """The person's consents as they stood when the referrals were made: the ones taken for
    them were in force then, even those that have since expired."""
    return [*plan.consents, *(replace(c, state="active") for c in plan.referral_consents)]


class ReferralRows:
    """Referral and ReferralEvent rows, and their audit rows, for clients written in bulk."""

    def __init__(self, ctx: Context, clock: Clock) -> None:
        self.ctx, self.clock = ctx, clock
        self.rows: dict[str, list[tuple[Any, ...]]] = {"referral": [], "event": []}
        self.tables = _inserters()
        self.written = 0

    def add(
        self,
        plan: ClientPlan,
        *,
        client_id: int,
        person_id: uuid.UUID,
        owner_id: int,
        consent_ids: Sequence[uuid.UUID],
        audit: list[AuditRow],
    ) -> None:
        """Queue the rows of this client's referrals; their audit rows go to ``audit``."""
        if not plan.referrals:
            return
        ctx = self.ctx
        assert ctx.roster is not None
        judge = EntryJudge(
            ctx.roster, owner=plan.owner, care_team=plan.care_team, consents=_active(plan)
        )
        for referral in plan.referrals:
            self._one(referral, judge, client_id, person_id, owner_id, consent_ids, audit)

    def _one(
        self,
        plan: ReferralPlan,
        judge: EntryJudge,
        client_id: int,
        person_id: uuid.UUID,
        owner_id: int,
        consent_ids: Sequence[uuid.UUID],
        audit: list[AuditRow],
    ) -> None:
        ctx = self.ctx
        times = self.clock.replay(plan, ctx)
        referral_id = uuid.uuid4()
        consent_id = consent_ids[plan.consent_index]
        orgs, users = ctx.organizations, ctx.user_ids
        requester = ctx.actor(plan.requester, plan.requester_org)
        receiver = ctx.actor(plan.receiver, plan.receiver_org)
        cross = plan.requester_org != plan.receiver_org
        receiving_id = orgs[plan.receiver_org].pk
        sector = orgs[plan.requester_org].sector
        # What sending checks the sender may see, and what it discloses to the receiver.
        sent = sender_classes(plan.data_class, sector)
        disclosed = disclosed_classes(plan.data_class, sector, orgs[plan.receiver_org].sector)

        def decision(actor: Any, data_class: str, purpose: str) -> Decision:
            return judge.decide(
                organization=actor.organization.slug,
                role=actor.role,
                data_class=data_class,
                purpose=purpose,
            )

        def write_rows(actor: Any, classes: Sequence[str], purpose: str | None) -> str:
            """The decision rows of one write; returns the purpose used."""
            used = purpose
            if used is None:  # the first work purpose under which general is permitted
                used = next(
                    (p for p in _WORK_PURPOSES if decision(actor, DataClass.GENERAL, p)),
                    _WORK_PURPOSES[0],
                )
            for data_class in dict.fromkeys(classes):
                found = decision(actor, data_class, used)
                audit.append(
                    {
                        "actor": actor,
                        "action": AuditAction.WRITE,
                        "permitted": found.permitted,
                        "purpose": used,
                        "person_id": person_id,
                        "owner_organization_id": owner_id,
                        "data_class": data_class,
                        "basis": found.basis.value,
                        "consent_id": consent_ids[int(found.consent_id)]
                        if found.consent_id is not None
                        else None,
                        "object_type": "referral",
                        "object_id": str(referral_id),
                    }
                )
            return used

        def disclose(actor: Any, purpose: str) -> None:
            for data_class in disclosed:
                audit.append(
                    {
                        "actor": actor,
                        "action": AuditAction.DISCLOSE,
                        "permitted": True,
                        "purpose": purpose,
                        "person_id": person_id,
                        "owner_organization_id": owner_id,
                        "data_class": data_class,
                        "basis": Basis.CONSENT.value,
                        "consent_id": consent_id,
                        "object_type": "referral",
                        "object_id": str(referral_id),
                        "recipient_organization_id": receiving_id,
                    }
                )

        def system() -> None:
            audit.append(
                {
                    "actor": None,
                    "action": AuditAction.WRITE,
                    "permitted": True,
                    "purpose": Purpose.CARE_COORDINATION,
                    "person_id": person_id,
                    "owner_organization_id": owner_id,
                    "data_class": DataClass.GENERAL,
                    "object_type": "referral",
                    "object_id": str(referral_id),
                }
            )

        # The steps, as the services write them: each its event and its audit rows.
        for index, step in enumerate(plan.steps):
            actor = requester if step.side == "requester" else receiver
            if step.kind == "create":
                if step.to == Status.REQUESTED:
                    write_rows(actor, sent, plan.purpose)
                    if cross:
                        disclose(actor, plan.purpose)
                else:  # a draft stays with the requester: what it carries, no consent yet
                    write_rows(actor, [DataClass.GENERAL, plan.data_class], plan.purpose)
                continue
            if index in times.sends:  # sent, or reopened back to the receiver: disclosed again
                used = write_rows(actor, sent, None)
                if cross:
                    disclose(actor, used)
            else:  # every other step writes general information only
                write_rows(actor, [DataClass.GENERAL], None)
        for _ in times.events[len(plan.steps) :]:
            system()  # the follow-up worker's reminder and escalation

        self.rows["referral"].append(
            (
                referral_id,
                client_id,
                orgs[plan.requester_org].pk,
                users[plan.requester],
                orgs[plan.receiver_org].pk,
                plan.service_id,
                plan.service_name,
                plan.data_class,
                consent_id if cross and times.sends else None,
                times.status,
                times.status_reason,
                plan.urgency,
                plan.reason,
                plan.do_not_contact,
                times.appointment_at,
                plan.accompanied_by,
                plan.transport,
                plan.handoff_notes,
                times.enrollment,
                times.outcome_on,
                times.created_at,
                times.updated_at,
                times.requested_at,
                times.responded_at,
                times.closed_at,
                times.due_at,
                times.reminded_at,
                times.escalated_at,
                times.reopened_count,
                times.version,
            )
        )
        for event in times.events:
            if event.side == "system":
                org_id, user_id = orgs[plan.receiver_org].pk, None
            else:
                acting = requester if event.side == "requester" else receiver
                org_id, user_id = acting.organization.pk, acting.user_id
            self.rows["event"].append(
                (
                    referral_id,
                    event.kind,
                    event.from_status,
                    event.to_status,
                    event.reason,
                    org_id,
                    user_id,
                    event.at,
                )
            )
        self.written += 1

    def flush(self) -> int:
        """Insert the queued rows (call inside the batch's transaction, after the clients and
        consents, before the audit rows); returns how many referrals."""
        tables = self.tables
        tables["referral"].insert(self.rows["referral"])
        tables["event"].insert(self.rows["event"])
        written = len(self.rows["referral"])
        self.ctx.counts["referrals"] += written
        self.ctx.counts["referral events"] += len(self.rows["event"])
        self.rows = {"referral": [], "event": []}
        return written
