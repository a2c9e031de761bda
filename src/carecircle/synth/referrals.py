"""Closed-loop referrals in Riverbend: who refers whom to which service, and what came of it.

Pure Python (no Django). The planner gives each referral a requester who may see what it
carries, a receiving partner with a directory service that takes referrals, the person's
consent that lets it go there (an existing one, or one taken for it, signed when it carries
substance-use treatment information), and a history of steps the referral kernel
(:mod:`carecircle.referrals.states`) allows, ending in every state the Gravity workflow has.

:func:`timeline` turns a plan into moments relative to the build (due dates from the
deadline kernel, reminders and escalations of overdue referrals), and :func:`replay` into the
fields and history rows the services would leave; the writers use both.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from carecircle.privacy import rules
from carecircle.referrals import deadlines
from carecircle.referrals.states import (
    CLOSED_STATES,
    Side,
    Status,
    check_move,
    check_reopen,
)
from carecircle.synth import care_catalogue as cc
from carecircle.synth import catalogue as cat
from carecircle.synth.model import (
    PURPOSES_CARE,
    CareTeamPlan,
    ConsentPlan,
    EntryJudge,
    ReferralPlan,
    ReferralStep,
    Roster,
)
from carecircle.synth.people import Weighted, captured

if TYPE_CHECKING:
    from carecircle.synth.directory import DirectoryPlan

#: The purpose referrals are made and worked under (the services' first work purpose).
PURPOSE = "care_coordination"

STATUS_WEIGHTS: Sequence[tuple[str, int]] = (
    (Status.DRAFT.value, 3),
    (Status.REQUESTED.value, 14),
    (Status.ACCEPTED.value, 8),
    (Status.IN_PROGRESS.value, 10),
    (Status.ON_HOLD.value, 5),
    (Status.COMPLETED.value, 31),
    (Status.FAILED.value, 9),
    (Status.REJECTED.value, 8),
    (Status.CANCELLED.value, 9),
    (Status.ENTERED_IN_ERROR.value, 3),
)
#: For referrals still waiting for an answer: on time, or past the deadline (not yet
#: reminded, reminded, escalated).
OVERDUE_WEIGHTS: Sequence[tuple[str, int]] = (
    ("", 55),
    ("overdue", 5),
    ("reminded", 15),
    ("escalated", 25),
)
_STATUS = Weighted(STATUS_WEIGHTS)
_OVERDUE = Weighted(OVERDUE_WEIGHTS)
_URGENCY = Weighted(cc.URGENCY)

#: Roles that answer referrals at a receiving organization, best first.
_ANSWERING_ROLES = (
    cat.CASE_MANAGER,
    cat.CLINICIAN,
    cat.PEER_WORKER,
    cat.OUTREACH_WORKER,
    cat.INTAKE_VOLUNTEER,
    cat.COORDINATOR,
)


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """A directory service a partner organization offers, as a referral names it."""

    id: uuid.UUID | None
    name: str
    data_class: str
    full: bool = False  # has capacity rows and none available (sent to the waitlist)


def referral_targets(directory: DirectoryPlan, roster: Roster) -> dict[str, tuple[ServiceRef, ...]]:
    """The services each partner organization takes referrals for, by its slug: its listings'
    active services that people are referred to, then the needs no listing names."""
    slug_of = {o.name: o.slug for o in roster.organizations}
    found: dict[str, list[ServiceRef]] = {}
    listings = [*directory.riverbend, *islice(directory.crowd(), len(directory.partners))]
    for listing in listings:
        slug = slug_of.get(listing.partner or "")
        if slug is None:
            continue
        for service in listing.services:
            data_class = cc.TEMPLATE_CLASS.get(service.template)
            if data_class is None or service.status != "active":
                continue
            full = bool(service.capacities) and max(c.available for c in service.capacities) <= 0
            found.setdefault(slug, []).append(
                ServiceRef(service.id, service.name, data_class, full)
            )
    for org in roster.organizations:
        for sector, need, data_class in cc.UNLISTED:
            if org.sector == sector and not org.is_coalition:
                found.setdefault(org.slug, []).append(ServiceRef(None, need, data_class))
    return {slug: tuple(refs) for slug, refs in found.items()}


# --- The consent a referral needs ---------------------------------------------------------------


PART2 = "substance_use"


def sender_classes(data_class: str, requester_sector: str) -> tuple[str, ...]:
    """What the sender must be allowed to see to send a referral: the person's general
    information, what it is about, and what their own organization's name says (as
    ``referrals.services`` checks)."""
    implied = rules.implied_class(requester_sector)
    return tuple(dict.fromkeys(["general", data_class, *([implied] if implied else [])]))


def disclosed_classes(
    data_class: str, requester_sector: str, receiver_sector: str
) -> tuple[str, ...]:
    """Everything sending a referral discloses (``referrals.models.effective_classes``): the
    sender's classes and what the receiving organization's name says (being referred to a
    treatment clinic is substance-use information)."""
    implied = rules.implied_class(receiver_sector)
    sent = sender_classes(data_class, requester_sector)
    return tuple(dict.fromkeys([*sent, *([implied] if implied else [])]))


def consent_for(
    consents: Sequence[ConsentPlan],
    roster: Roster,
    *,
    receiver: str,
    data_classes: Iterable[str],
    purpose: str,
    care_team: frozenset[str],
) -> int | None:
    """Which active consent lets these classes go to ``receiver`` (its index), ``-1`` when the
    person refused it, None when none does. As ``privacy.policy.disclosure_consent``: a
    refusal wins; police and justice receive protected classes only under a consent naming
    their very organization; one consent must cover every class."""
    sector = roster.by_slug[receiver].sector
    police = sector == cat.POLICE_JUSTICE
    classes = list(dict.fromkeys(data_classes))
    # 42 CFR Part 2: substance-use information goes only under a consent the person signed.
    signed = ("signature", "paper")

    def names(c: ConsentPlan) -> bool:
        return (
            receiver in c.organizations
            or sector in c.sectors
            or (c.care_team and receiver in care_team)
        )

    def specificity(index: int) -> tuple[int, int]:
        c = consents[index]
        named = 0 if receiver in c.organizations else 1 if sector in c.sectors else 2
        return named, -index  # then the newest, as the policy does

    candidates: set[int] | None = None
    for data_class in classes:
        active = [
            (i, c)
            for i, c in enumerate(consents)
            if c.state == "active" and data_class in c.data_classes and purpose in c.purposes
        ]
        if any(c.decision == "deny" and names(c) for _, c in active):
            return -1
        if police and data_class in rules.PROTECTED_FROM_JUSTICE:
            permits = {
                i for i, c in active if c.decision == "permit" and receiver in c.organizations
            }
        else:
            permits = {i for i, c in active if c.decision == "permit" and names(c)}
        if data_class == PART2:
            permits = {i for i in permits if consents[i].capture in signed}
        candidates = permits if candidates is None else candidates & permits
    if not candidates:
        return None
    return min(candidates, key=specificity)


# --- A referral's history -----------------------------------------------------------------------


def _span_hours(urgency: str) -> float:
    rule = deadlines.DEFAULT_RULES[urgency]
    return float(rule.hours) if rule.hours is not None else 24.0 * (rule.business_days or 1)


def _gap_hours(urgency: str) -> float:
    return float(deadlines.DEFAULT_RULES[urgency].escalate_after_hours)


@dataclass
class _Path:
    steps: list[ReferralStep]
    t: float  # hours after creation of the last step
    appointment: float | None = None

    def add(self, kind: str, side: str, after: float, to: str = "", reason: str = "") -> None:
        self.t += after
        self.steps.append(ReferralStep(kind, side, round(self.t, 3), to, reason))


def _pick(rng: random.Random, seq: Sequence[str]) -> str:
    return seq[int(rng.random() * len(seq))]


def _pick_among(rng: random.Random, groups: Sequence[Sequence[str]]) -> str | None:
    """One item of the concatenated groups, without concatenating them."""
    n = int(rng.random() * sum(len(g) for g in groups))
    for group in groups:
        if n < len(group):
            return group[n]
        n -= len(group)
    return None


def _history(rng: random.Random, status: str, urgency: str) -> _Path:
    """Steps that take a new referral to ``status`` (the last may reopen it)."""
    requester, receiver = Side.REQUESTER.value, Side.RECEIVER.value
    span = _span_hours(urgency)
    path = _Path([], 0.0)
    if status == Status.DRAFT:
        path.add("create", requester, 0, Status.DRAFT)
        return path
    if status == Status.ENTERED_IN_ERROR:
        first = Status.DRAFT if rng.random() < 0.5 else Status.REQUESTED
        path.add("create", requester, 0, first)
        path.add(
            "move",
            requester,
            rng.uniform(0.1, 30),
            Status.ENTERED_IN_ERROR,
            _pick(rng, cc.ERROR_REASONS),
        )
        return path
    # Most are sent at once; some were drafts first.
    if rng.random() < 0.15:
        path.add("create", requester, 0, Status.DRAFT)
        path.add("send", requester, rng.uniform(0.2, 30), Status.REQUESTED)
    else:
        path.add("create", requester, 0, Status.REQUESTED)
    if status == Status.REQUESTED:
        return path
    response = span * rng.uniform(0.05, 1.2)
    if status == Status.REJECTED:
        path.add("move", receiver, response, Status.REJECTED, _pick(rng, cc.REJECT_REASONS))
        return _maybe_reopen(rng, path, Status.REJECTED)
    if status == Status.CANCELLED and rng.random() < 0.4:
        side = requester if rng.random() < 0.6 else receiver
        path.add("move", side, response, Status.CANCELLED, _pick(rng, cc.CANCEL_REASONS))
        return path
    path.add("move", receiver, response, Status.ACCEPTED)
    wants_appointment = {
        Status.ACCEPTED: 0.5,
        Status.IN_PROGRESS: 0.85,
        Status.ON_HOLD: 0.3,
        Status.COMPLETED: 0.9,
        Status.FAILED: 0.7,
        Status.CANCELLED: 0.3,
    }.get(Status(status), 0.0)
    if rng.random() < wants_appointment:
        path.add("appointment", receiver, rng.uniform(0.1, 24))
        path.appointment = path.t + rng.uniform(12, 120)
    if status == Status.ACCEPTED:
        return path
    working = status == Status.IN_PROGRESS or rng.random() < 0.6
    if working:
        after = rng.uniform(2, 72)
        if path.appointment is not None:
            after = max(after, path.appointment - path.t + 0.5)  # once the person came in
        path.add("move", receiver, after, Status.IN_PROGRESS)
    if status == Status.IN_PROGRESS:
        return path
    later = rng.uniform(2, 240)
    if path.appointment is not None:
        later = max(later, path.appointment - path.t + rng.uniform(1, 72))
    if status == Status.CANCELLED:
        side = requester if rng.random() < 0.5 else receiver
        path.add("move", side, later, Status.CANCELLED, _pick(rng, cc.CANCEL_REASONS))
        return path
    if status == Status.ON_HOLD:
        if rng.random() < 0.6:
            path.add("outcome", receiver, later, "waitlisted", cc.WAITLISTED)
        else:
            path.add("move", receiver, later, Status.ON_HOLD, _pick(rng, cc.HOLD_REASONS))
        return path
    if status == Status.COMPLETED:
        path.add("outcome", receiver, later, "enrolled")
        return path
    path.add("outcome", receiver, later, "not_enrolled", _pick(rng, cc.FAIL_REASONS))
    return _maybe_reopen(rng, path, Status.FAILED)


def _maybe_reopen(rng: random.Random, path: _Path, status: str) -> _Path:
    """A few closed referrals were reopened: the history stays, the work resumes."""
    if rng.random() >= 0.12:
        return path
    reason = _pick(rng, cc.REOPEN_REASONS)
    if status == Status.REJECTED:
        path.add("reopen", Side.REQUESTER.value, rng.uniform(24, 400), Status.REQUESTED, reason)
        if rng.random() < 0.6:
            path.add("move", Side.RECEIVER.value, rng.uniform(1, 48), Status.ACCEPTED)
    else:
        path.add("reopen", Side.RECEIVER.value, rng.uniform(24, 400), Status.IN_PROGRESS, reason)
    return path


# --- Replaying a history: the fields and rows the services leave ----------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One ReferralEvent row; ``side`` says whose organization and worker made it (system for
    the follow-up worker's reminders and escalations)."""

    kind: str
    from_status: str
    to_status: str
    reason: str
    side: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Replayed:
    status: str
    status_reason: str
    enrollment: str
    outcome_on: date | None
    created_at: datetime
    updated_at: datetime
    requested_at: datetime | None
    responded_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    appointment_at: datetime | None
    reopened_count: int
    version: int
    events: tuple[Event, ...]
    sends: tuple[int, ...]  # indexes of the events that sent it (disclosures)


def _sent_for_due(due: datetime, rule: deadlines.DeadlineRule, zone: ZoneInfo) -> datetime:
    """A moment a referral could have been sent so that it is due at ``due`` (or just
    before)."""
    if rule.hours is not None:
        return due - timedelta(hours=rule.hours)
    best = due - timedelta(days=7)
    for days in range(3, 8):
        sent = due - timedelta(days=days)
        if deadlines.due_at(sent, rule, zone) <= due:
            return sent
    return best


def replay(
    plan: ReferralPlan,
    *,
    now: datetime,
    zone: ZoneInfo,
    rules_by_urgency: Mapping[str, deadlines.DeadlineRule] = deadlines.DEFAULT_RULES,
) -> Replayed:
    """Where the plan's steps leave the referral ``plan.age_hours`` after it was created,
    seen at ``now``; overdue referrals get their due date, reminder and escalation from the
    deadline kernel."""
    rule = rules_by_urgency.get(plan.urgency, deadlines.DEFAULT_RULES[plan.urgency])
    steps = plan.steps
    if plan.overdue:
        # Place the send so that the deadline passed the planned while ago.
        late = plan.age_hours
        sent = _sent_for_due(now - timedelta(hours=late), rule, zone)
        created = sent - timedelta(hours=steps[-1].hours)
    else:
        created = now - timedelta(hours=plan.age_hours)
    latest = now - timedelta(minutes=1)
    status = ""
    reason = enrollment = ""
    outcome_on: date | None = None
    requested_at = responded_at = closed_at = due = None
    events: list[Event] = []
    sends: list[int] = []
    reopened = 0
    at = created
    for step in steps:
        at = min(created + timedelta(hours=step.hours), latest)
        previous = status
        if step.kind == "create":
            status = step.to
            events.append(Event("created", "", status, "", step.side, at))
        elif step.kind == "appointment":
            events.append(Event("appointment", status, status, "", step.side, at))
            continue
        elif step.kind == "outcome":
            enrollment = step.to
            outcome_on = at.astimezone(zone).date()
            status = {
                "enrolled": Status.COMPLETED.value,
                "not_enrolled": Status.FAILED.value,
                "waitlisted": Status.ON_HOLD.value,
            }[step.to]
            reason = step.reason
            events.append(Event("outcome", previous, status, reason, step.side, at))
        elif step.kind == "reopen":
            status, reason = step.to, step.reason
            reopened += 1
            closed_at, enrollment, outcome_on = None, "", None
            events.append(Event("reopened", previous, status, reason, step.side, at))
        else:  # send or move
            status, reason = step.to, step.reason
            events.append(Event("status", previous, status, reason, step.side, at))
        if status == Status.REQUESTED and previous != Status.REQUESTED:
            requested_at, responded_at = at, None
            due = deadlines.due_at(at, rule, zone)
            sends.append(len(events) - 1)
        if previous == Status.REQUESTED and status in (Status.ACCEPTED, Status.REJECTED):
            responded_at = at
        if status in CLOSED_STATES and previous not in CLOSED_STATES:
            closed_at = at
    reminded = escalated = None
    if plan.overdue and status == Status.REQUESTED and due is not None:
        if plan.overdue in ("reminded", "escalated") and due < latest:
            reminded = min(due + timedelta(minutes=7), latest)
            events.append(Event("reminded", status, status, "", "system", reminded))
        escalate = deadlines.escalate_at(due, rule)
        if plan.overdue == "escalated" and escalate < latest:
            escalated = min(escalate + timedelta(minutes=9), latest)
            events.append(Event("escalated", status, status, "", "system", escalated))
    appointment = (
        created + timedelta(hours=plan.appointment_hours)
        if plan.appointment_hours is not None
        else None
    )
    return Replayed(
        status=status,
        status_reason=reason,
        enrollment=enrollment,
        outcome_on=outcome_on,
        created_at=created,
        updated_at=at,
        requested_at=requested_at,
        responded_at=responded_at,
        closed_at=closed_at,
        due_at=due,
        reminded_at=reminded,
        escalated_at=escalated,
        appointment_at=appointment,
        reopened_count=reopened,
        version=len(steps),  # the create is version 1; every later step adds one
        events=tuple(events),
        sends=tuple(sends),
    )


def check_history(plan: ReferralPlan) -> None:
    """Raise ``TransitionError`` if a step is one the referral kernel refuses."""
    status = ""
    accepted = False
    for step in plan.steps:
        sides = {Side(step.side)}
        if step.kind == "create":
            status = step.to
        elif step.kind == "appointment":
            continue
        elif step.kind == "reopen":
            move = check_reopen(status=status, sides=sides, reason=step.reason, accepted=accepted)
            if move.to_status != step.to:
                raise ValueError(f"reopening a {status} referral leads to {move.to_status}")
            status = step.to
        else:
            to = step.to
            if step.kind == "outcome":
                to = {"enrolled": "completed", "not_enrolled": "failed", "waitlisted": "on-hold"}[
                    step.to
                ]
                if to == status:
                    continue
            check_move(status=status, to=to, sides=sides, reason=step.reason, accepted=accepted)
            if to == Status.ACCEPTED:
                accepted = True
            if to == Status.REQUESTED:
                accepted = False
            status = to
    if status != plan.status:
        raise ValueError(f"the steps end {status}, the plan says {plan.status}")


# --- The planner ----------------------------------------------------------------------------------


def final_status(steps: Sequence[ReferralStep]) -> str:
    status = ""
    for step in steps:
        if step.kind == "appointment":
            continue
        if step.kind == "outcome":
            status = {"enrolled": "completed", "not_enrolled": "failed", "waitlisted": "on-hold"}[
                step.to
            ]
        else:
            status = step.to
    return status


class ReferralPlanner:
    """Plans a client's referrals, given who they are, who holds their record, their care
    team and their consents."""

    def __init__(self, roster: Roster, targets: Mapping[str, Sequence[ServiceRef]]) -> None:
        self.roster = roster
        self.targets = {slug: tuple(refs) for slug, refs in targets.items() if refs}
        self.receivers = sorted(self.targets)
        self.partners: dict[str, list[str]] = {}
        for org in roster.organizations:
            self.partners[org.slug] = [
                slug
                for sector in cat.CARE_PARTNERS.get(org.sector, ())
                for slug in roster.by_sector.get(sector, ())
                if slug in self.targets
            ]
        self._answerers: dict[tuple[str, str], list[str]] = {}
        self._askers: dict[tuple[str, str], dict[str, list[str]]] = {}

    def answerers(self, slug: str, data_class: str) -> list[str]:
        """Who at a receiving organization answers referrals carrying ``data_class``: those
        whose role sees it, else anyone who works with referrals."""
        key = (slug, data_class)
        if key not in self._answerers:
            members = [
                (u, r) for u, r in self.roster.members.get(slug, ()) if r in _ANSWERING_ROLES
            ]
            seeing = [u for u, r in members if data_class in rules.ROLE_CLASSES.get(r, frozenset())]
            self._answerers[key] = seeing or [u for u, _ in members]
        return self._answerers[key]

    def askers(self, slug: str, data_class: str) -> dict[str, list[str]]:
        """Who at ``slug`` may refer with ``data_class`` information, by role."""
        key = (slug, data_class)
        if key not in self._askers:
            by_role: dict[str, list[str]] = {}
            for u, r in self.roster.who_may_write(slug, data_class):
                if r not in (cat.ORG_ADMIN, cat.ANALYST):
                    by_role.setdefault(r, []).append(u)
            self._askers[key] = by_role
        return self._askers[key]

    def _receiver(self, rng: random.Random, owner: str, avoid: set[str]) -> str | None:
        near = self.partners.get(owner, ())
        pool = near if near and rng.random() < 0.65 else self.receivers
        for _ in range(4):  # a partner of the owner, rarely the owner or requester itself
            found = pool[int(rng.random() * len(pool))]
            if found not in avoid:
                return found
        return None

    def plan(
        self,
        rng: random.Random,
        *,
        owner: str,
        care_team: Sequence[CareTeamPlan],
        consents: Sequence[ConsentPlan],
        count: int,
    ) -> tuple[tuple[ConsentPlan, ...], tuple[ReferralPlan, ...]]:
        """``count`` referrals (fewer when the person's refusals leave nowhere to go), and the
        consents taken for them."""
        roster = self.roster
        team = frozenset(m.organization for m in care_team)
        taken: list[ConsentPlan] = []
        judge = EntryJudge(roster, owner=owner, care_team=care_team, consents=consents)
        planned: list[ReferralPlan] = []
        team_partners = [m.organization for m in care_team if m.organization != owner]
        for _ in range(count):
            for _attempt in range(3):
                made = self._one(rng, owner, team, team_partners, judge, consents, taken)
                if made is not None:
                    planned.append(made)
                    break
        return self._date(rng, len(consents), taken, planned), tuple(planned)

    @staticmethod
    def _date(
        rng: random.Random, first: int, taken: list[ConsentPlan], planned: list[ReferralPlan]
    ) -> tuple[ConsentPlan, ...]:
        """Each consent taken for referrals dates from just before the first of them; some
        that only old, closed referrals used have since expired."""
        dated: list[ConsentPlan] = []
        for i, consent in enumerate(taken):
            users = [r for r in planned if r.consent_index == first + i]
            ages = [created_days_ago(r) for r in users] or [0]
            start = -(max(ages) + 1)
            end: int | None = None
            if (
                start <= -150
                and all(r.status in CLOSED_STATES for r in users)
                and rng.random() < 0.4
            ):
                end = start + 120
                if min(ages) < -end:  # a referral made after it ended: keep it open-ended
                    end = None
            if end is not None and end < 0:
                consent = replace(consent, state="expired", end_days=end)
            dated.append(replace(consent, start_days=start))
        return tuple(dated)

    def _one(
        self,
        rng: random.Random,
        owner: str,
        team: frozenset[str],
        team_partners: Sequence[str],
        judge: EntryJudge,
        consents: Sequence[ConsentPlan],
        taken: list[ConsentPlan],
    ) -> ReferralPlan | None:
        roster = self.roster
        # Usually the organization holding the record refers; sometimes a care-team partner.
        requester_org = owner
        if team_partners and rng.random() < 0.2:
            requester_org = team_partners[int(rng.random() * len(team_partners))]
        receiver = self._receiver(rng, owner, {owner, requester_org})
        if receiver is None:
            return None
        refs = self.targets[receiver]
        service = refs[int(rng.random() * len(refs))]
        data_class = service.data_class
        requester_sector = roster.by_slug[requester_org].sector
        sent = sender_classes(data_class, requester_sector)
        askers = [
            users
            for role, users in self.askers(requester_org, data_class).items()
            if all(
                judge.decide(organization=requester_org, role=role, data_class=c, purpose=PURPOSE)
                for c in sent
            )
        ]
        requester = _pick_among(rng, askers)
        if requester is None:
            return None
        classes = disclosed_classes(data_class, requester_sector, roster.by_slug[receiver].sector)
        every = (*consents, *taken)
        index = consent_for(
            every, roster, receiver=receiver, data_classes=classes, purpose=PURPOSE, care_team=team
        )
        if index == -1:
            return None  # the person refused sharing this with them
        if index is None:
            consent = ConsentPlan("permit", classes, PURPOSES_CARE, organizations=(receiver,))
            taken.append(captured(rng, consent))
            index = len(every)
        answerers = self.answerers(receiver, data_class)
        if not answerers:
            return None
        urgency = _URGENCY(rng)
        status = _STATUS(rng)
        path = _history(rng, status, urgency)
        final = final_status(path.steps)
        overdue = _OVERDUE(rng) if final == Status.REQUESTED and len(path.steps) <= 2 else ""
        span = _span_hours(urgency)
        if overdue == "overdue":
            age = rng.uniform(0.05, 0.9) * min(_gap_hours(urgency), 2.0)
        elif overdue == "reminded":
            age = rng.uniform(0.2, 0.8) * _gap_hours(urgency)
        elif overdue == "escalated":
            age = _gap_hours(urgency) * rng.uniform(1.2, 3.0) + rng.uniform(0, 240)
        elif final == Status.REQUESTED:
            # Still within its deadline (three business days are at least 72 hours).
            fresh = span if deadlines.DEFAULT_RULES[urgency].hours else 60.0
            age = path.t + rng.uniform(0.05, 0.6) * fresh
        elif final in CLOSED_STATES:
            age = path.t + rng.uniform(1, 8000)
        else:
            age = path.t + rng.uniform(0.5, 300)
        reason = _pick(rng, cc.REASONS[data_class])
        if service.id is None:
            # No listing to name: the need is said in the reason (the services keep the
            # service's name only for a directory service).
            reason = f"{service.name}. {reason}"
        accompanied = transport = ""
        if path.appointment is not None and rng.random() < 0.6:
            accompanied = _pick(rng, cc.ACCOMPANIED_BY)
            transport = _pick(rng, cc.TRANSPORT)
        receiver_user = answerers[int(rng.random() * len(answerers))]
        return ReferralPlan(
            requester_org=requester_org,
            requester=requester,
            receiver_org=receiver,
            receiver=receiver_user,
            service_id=service.id,
            service_name=service.name if service.id else "",
            data_class=data_class,
            purpose=PURPOSE,
            consent_index=index,
            urgency=urgency,
            reason=reason,
            do_not_contact=rng.random() < 0.12,
            status=final,
            steps=tuple(path.steps),
            age_hours=round(age, 3),
            overdue=overdue,
            accompanied_by=accompanied,
            transport=transport,
            handoff_notes=_pick(rng, cc.HANDOFF_NOTES) if rng.random() < 0.35 else "",
            appointment_hours=round(path.appointment, 3) if path.appointment else None,
            waitlist=service.full,
        )


def created_days_ago(plan: ReferralPlan) -> int:
    """About how many days before the build the referral was made (rounded up; generous for
    overdue ones, whose dates the deadline kernel places)."""
    hours = plan.age_hours
    if plan.overdue:
        hours += _span_hours(plan.urgency) * (5 / 3) + plan.steps[-1].hours
    return math.ceil(hours / 24) + (2 if plan.overdue else 0)


def referral_count(rng: random.Random, mean: float) -> int:
    """How many referrals one person has: most a few, some many, many none."""
    if mean <= 0:
        return 0
    # A geometric spread with this mean (a person with one referral often gets another).
    p = 1.0 / (1.0 + mean)
    return min(15, int(math.log(1.0 - rng.random()) / math.log(1.0 - p)))
