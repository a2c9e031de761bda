"""Writing a planned Riverbend into the database.

Organizations go through ``partners.services``. Accounts and memberships are bulk-inserted:
the partners services for them write no audit rows and have no side effects, and hashing the
demo password once instead of 20,000 times is what keeps the large scale fast. Person-level
data goes through the services (``client_create``, ``care_team_add``, ``consent_record``,
``consent_revoke``, ``client_entry_add``, ``emergency_access_grant``/``_review``), so the
policy is asked and the audit trail is real; at the large scale the crowd takes the bulk path
in :mod:`carecircle.synth.fastpath`, which keeps the same rows and audit trail.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.clients.services import (
    care_plan_goal_add,
    care_plan_task_add,
    care_plan_task_complete,
    client_create,
    client_entry_add,
    support_contact_add,
)
from carecircle.partners.models import Jurisdiction, Membership, Organization
from carecircle.partners.selectors import Actor
from carecircle.partners.services import jurisdiction_create, organization_create
from carecircle.privacy.bulk import AuditRow
from carecircle.privacy.models import ConsentDirective, Person
from carecircle.privacy.services import (
    care_team_add,
    consent_record,
    consent_revoke,
    emergency_access_grant,
    emergency_access_review,
)
from carecircle.synth import care_catalogue as cc
from carecircle.synth import catalogue as cat
from carecircle.synth.model import ClientPlan, ConsentPlan, Roster
from carecircle.synth.people import signature_data_url
from carecircle.synth.plan import CommunityPlan
from carecircle.synth.riverbend import DEMO_PASSWORD, ProgressLike

if TYPE_CHECKING:
    from django.contrib.auth.models import User

T = TypeVar("T")

#: Clients written per transaction through the services (they join it, so a client's record,
#: care team, consents and audit rows commit together) and through the bulk path.
SERVICE_BATCH = 250
BULK_BATCH = 5000
INSERT_BATCH = 5000


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class Context:
    """What the writers share: the organizations, accounts and actors by name, and the tally."""

    now: datetime
    organizations: dict[str, Organization]
    user_ids: dict[str, int]
    actors: dict[tuple[str, str], Actor]
    counts: Counter[str]
    roster: Roster | None = None

    def actor(self, username: str, slug: str) -> Actor:
        return self.actors[(username, slug)]

    def days(self, days: int) -> datetime | None:
        return self.now + timedelta(days=days) if days else None

    def day(self, days: int | None) -> date | None:
        return (self.now + timedelta(days=days)).date() if days is not None else None


def check_empty(plan: CommunityPlan) -> None:
    """The demo is built into an empty database; say clearly when it is already there."""
    taken = sorted(
        get_user_model()
        .objects.filter(username__in=sorted(cat.PERSONA_USERNAMES))
        .values_list("username", flat=True)
    )
    if taken:
        raise ValueError(
            f"Riverbend is already built here (the account {taken[0]!r} exists); "
            "build into an empty database, e.g. `carecircle demo --fresh`."
        )
    name = str(plan.jurisdiction["name"])
    if Jurisdiction.objects.filter(name=name).exists():
        raise ValueError(f"the jurisdiction {name!r} already exists; use an empty database.")
    slugs = [o.slug for o in plan.organizations]
    clash = Organization.objects.filter(slug__in=slugs).values_list("slug", flat=True).first()
    if clash:
        raise ValueError(f"an organization with the short name {clash!r} already exists.")
    existing = {u.lower() for u in get_user_model().objects.values_list("username", flat=True)}
    clash_user = next((s.username for s in plan.staff if s.username.lower() in existing), None)
    if clash_user:
        raise ValueError(f"the account {clash_user!r} already exists; use an empty database.")


def write_partners(plan: CommunityPlan, progress: ProgressLike) -> Context:
    """The jurisdiction, the coalition and its members, every account and membership."""
    counts: Counter[str] = Counter()
    with transaction.atomic():
        progress.step("Organizations", len(plan.organizations))
        jurisdiction = jurisdiction_create(**plan.jurisdiction)  # type: ignore[arg-type]
        organizations: dict[str, Organization] = {}
        coalition: Organization | None = None
        for org in plan.organizations:
            organizations[org.slug] = organization_create(
                name=org.name,
                sector=org.sector,
                jurisdiction=jurisdiction,
                parent=coalition,
                slug=org.slug,
            )
            if org.is_coalition:
                coalition = organizations[org.slug]
            progress.advance()
        counts["organizations"] = len(organizations)

        progress.step("Staff accounts", len(plan.staff))
        UserModel = get_user_model()
        password = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
        users: list[User] = []
        for staff in batched(plan.staff, INSERT_BATCH):
            made = [
                UserModel(
                    username=s.username,
                    email=s.email,
                    first_name=s.first_name,
                    last_name=s.last_name,
                    is_superuser=s.is_superuser,
                    is_staff=s.is_superuser,
                    password=password,
                )
                for s in staff
            ]
            users += UserModel.objects.bulk_create(made)
            progress.advance(len(staff))
        _require_ids(users, "accounts")
        memberships = [
            Membership(user=user, organization=organizations[slug], role=role)
            for person, user in zip(plan.staff, users, strict=True)
            for slug, role in person.memberships
        ]
        for chunk in batched(memberships, INSERT_BATCH):
            Membership.objects.bulk_create(chunk)
        _require_ids(memberships, "memberships")
        counts["user accounts"] = len(users)
        counts["memberships"] = len(memberships)
    return Context(
        now=timezone.now(),
        organizations=organizations,
        user_ids={u.get_username(): u.pk for u in users},
        actors={
            (m.user.get_username(), m.organization.slug): Actor.from_membership(m)
            for m in memberships
        },
        counts=counts,
        roster=plan.roster,
    )


def _require_ids(objects: Sequence[object], what: str) -> None:
    if any(getattr(o, "pk", None) is None for o in objects):
        raise RuntimeError(f"the database did not return the ids of the bulk-created {what}")


# --- Person-level data through the services -----------------------------------------------------


def consent_capture(plan: ConsentPlan) -> dict[str, str]:
    """The evidence of how the person consented: their signature drawn on screen, the
    worker's attestation of verbal consent, or a note about the paper form."""
    if plan.capture == "signature":
        return {"capture_method": "signature", "signature": signature_data_url()}
    if plan.capture == "paper":
        return {"capture_method": "paper", "note": plan.note}
    return {"capture_method": "verbal", "attestation": cc.ATTESTATION}


def _consent(ctx: Context, actor: Actor, person: Person, plan: ConsentPlan) -> ConsentDirective:
    consent = consent_record(
        actor=actor,
        person=person,
        decision=plan.decision,
        data_classes=plan.data_classes,
        purposes=plan.purposes,
        recipient_organizations=[ctx.organizations[s] for s in plan.organizations],
        recipient_sectors=plan.sectors,
        recipient_care_team=plan.care_team,
        period_start=ctx.days(plan.start_days),
        period_end=ctx.days(plan.end_days) if plan.end_days is not None else None,
        **consent_capture(plan),
    )
    ctx.counts["consent directives"] += 1
    if plan.state == "revoked":
        consent_revoke(actor=actor, consent=consent, reason=plan.revoke_reason)
    return consent


def profile_values(plan: ClientPlan) -> dict[str, Any]:
    """The client record's fields for a planned person (``client_create``'s arguments)."""
    p = plan.profile
    return {
        "identification": p.identification,
        "preferred_name": plan.preferred_name,
        "identifier_code": plan.identifier_code,
        "alias": p.alias,
        "legal_given_name": p.legal_given_name,
        "legal_family_name": p.legal_family_name,
        "birth_date": p.birth_date,
        "birth_year": p.birth_year if p.birth_date is None else p.birth_date.year,
        "gender_identity": p.gender_identity,
        "pronouns": p.pronouns,
        "indigenous_identity": p.indigenous_identity,
        "two_slgbtq": p.two_slgbtq,
        "languages": list(p.languages),
        "rural_remote": p.rural_remote,
        "housing_status": p.housing_status,
        "parent_status": p.parent_status,
        "phone": p.phone,
        "email": p.email,
        "safe_to_text": p.safe_to_text,
        "safe_to_voicemail": p.safe_to_voicemail,
        "safe_contact_time": p.safe_contact_time,
        "contact_notes": p.contact_notes,
    }


@dataclass(frozen=True)
class Written:
    """What the bulk referral writer needs to know about a client written through services."""

    client: Client
    consent_ids: list[uuid.UUID]


def write_client(ctx: Context, plan: ClientPlan) -> Written:
    """One client and everything about them (but their referrals), each write through its
    service."""
    creator = ctx.actor(plan.creator, plan.owner)
    client = client_create(actor=creator, **profile_values(plan))
    person = client.person
    for member in plan.care_team:
        care_team_add(
            actor=creator,
            person=person,
            organization=ctx.organizations[member.organization],
            user_id=ctx.user_ids[member.username] if member.username else None,
            role=member.role,
            is_lead=member.is_lead,
        )
    consent_ids = [_consent(ctx, creator, person, consent).pk for consent in plan.consents]
    for entry in plan.entries:
        client_entry_add(
            actor=ctx.actor(entry.author, entry.organization),
            client=client,
            data_class=entry.data_class,
            body=entry.body,
        )
    for emergency in plan.emergencies:
        grant = emergency_access_grant(
            actor=ctx.actor(emergency.username, emergency.organization),
            person=person,
            reason=emergency.reason,
        )
        if emergency.reviewer:
            emergency_access_review(
                actor=ctx.actor(emergency.reviewer, plan.owner),
                grant=grant,
                outcome=emergency.outcome,
                note=emergency.note,
            )
    for goal in plan.goals:
        author = ctx.actor(goal.author, goal.organization)
        made = care_plan_goal_add(
            actor=author,
            client=client,
            domain=goal.domain,
            own_words=goal.own_words,
            data_class=goal.data_class,
            status=goal.status,
        )
        for task in goal.tasks:
            step = care_plan_task_add(
                actor=author,
                goal=made,
                description=task.description,
                owner_organization=ctx.organizations[task.organization],
                owner_user_id=ctx.user_ids[task.username] if task.username else None,
                owner_is_person=task.by_person,
                due_on=ctx.day(task.due_days),
            )
            if task.done_days is not None:
                care_plan_task_complete(actor=author, task=step)
    for support in plan.supports:
        support_contact_add(
            actor=creator,
            client=client,
            name=support.name,
            kind=support.kind,
            relationship=support.relationship,
            phone=support.phone,
            is_emergency_contact=support.is_emergency_contact,
            may_be_contacted=support.may_be_contacted,
        )
    # The consents taken when the person was referred (their referrals follow).
    consent_ids += [_consent(ctx, creator, person, c).pk for c in plan.referral_consents]
    count(ctx, plan)
    return Written(client, consent_ids)


def count(ctx: Context, plan: ClientPlan) -> None:
    counts = ctx.counts
    counts["clients"] += 1
    counts["client entries"] += len(plan.entries)
    counts["care-team members"] += len(plan.care_team)
    counts["emergency accesses"] += len(plan.emergencies)
    counts["care-plan goals"] += len(plan.goals)
    counts["care-plan tasks"] += sum(len(g.tasks) for g in plan.goals)
    counts["support contacts"] += len(plan.supports)


def write_clients(
    ctx: Context,
    clients: Iterable[ClientPlan],
    progress: ProgressLike,
    *,
    stories: bool = False,
) -> None:
    """Clients through the services. The stories' referrals go through the services too (and
    meet the follow-up worker); everyone else's take the bulk path, client by client, so the
    audit trail reads as the services would have written it."""
    from carecircle.privacy.bulk import audit_append_bulk
    from carecircle.referrals.services import referrals_follow_up
    from carecircle.synth.referral_writer import Clock, ReferralRows, write_story_referral

    clock = Clock.of(ctx)
    for batch in batched(clients, SERVICE_BATCH):
        with transaction.atomic():
            for plan in batch:
                written = write_client(ctx, plan)
                if stories:
                    for referral in plan.referrals:
                        write_story_referral(ctx, written.client, referral, clock)
                    ctx.counts["referrals"] += len(plan.referrals)
                    continue
                rows = ReferralRows(ctx, clock)
                audit: list[AuditRow] = []
                person = written.client.person
                rows.add(
                    plan,
                    client_id=written.client.pk,
                    person_id=person.pk,
                    owner_id=person.owner_organization_id,
                    consent_ids=written.consent_ids,
                    audit=audit,
                )
                rows.flush()
                audit_append_bulk(actor=None, rows=audit)
        progress.advance(len(batch))
    if stories:
        # The follow-up worker's round: the stories' overdue referrals are reminded (and
        # escalated, when that is due too), as they would be on the demo's first minute.
        referrals_follow_up(now=ctx.now)
