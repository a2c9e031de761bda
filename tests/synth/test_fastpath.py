"""The bulk path writes what the services write: same rows, same audit trail, intact chain."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

import pytest
from django.db import connection, transaction

from carecircle.clients.models import (
    CarePlanGoal,
    CarePlanTask,
    Client,
    ClientEntry,
    SupportContact,
)
from carecircle.privacy.audit import audit_verify
from carecircle.privacy.models import (
    AuditEvent,
    CareTeamMember,
    ConsentDirective,
    EmergencyAccess,
)
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.synth import writer
from carecircle.synth.directory import write_directory
from carecircle.synth.fastpath import write_clients_bulk
from carecircle.synth.model import ClientPlan
from carecircle.synth.plan import CommunityPlan, plan_community
from carecircle.synth.riverbend import NoProgress

SEED = 17
#: Enough of seed 17's crowd to hold every kind of row (checked below), few enough to be quick.
CROWD = 40
AUDIT_FIELDS = (
    "actor_username",
    "organization_name",
    "organization_sector",
    "role",
    "purpose",
    "data_class",
    "action",
    "permitted",
    "basis",
    "object_type",
)
PROFILE = (
    "identification",
    "preferred_name",
    "alias",
    "legal_given_name",
    "legal_family_name",
    "identifier_code",
    "search_name",
    "birth_date",
    "birth_year",
    "gender_identity",
    "pronouns",
    "two_slgbtq",
    "languages",
    "housing_status",
    "phone",
    "safe_to_text",
    "contact_notes",
)


def referrals_snapshot() -> list[tuple[Any, ...]]:
    found = []
    for r in Referral.objects.select_related(
        "client", "requester", "requester_organization", "receiving_organization", "consent"
    ).prefetch_related("consent__recipient_organizations"):
        events = tuple(
            ReferralEvent.objects.filter(referral=r)
            .order_by("pk")
            .values_list(
                "kind",
                "from_status",
                "to_status",
                "reason",
                "organization__slug",
                "actor__username",
            )
        )
        consent = (
            (
                tuple(r.consent.data_classes),
                tuple(sorted(o.slug for o in r.consent.recipient_organizations.all())),
                tuple(r.consent.recipient_sectors),
            )
            if r.consent
            else None
        )
        found.append(
            (
                r.client.preferred_name,
                r.client.identifier_code,
                r.requester.username,
                r.requester_organization.slug,
                r.receiving_organization.slug,
                r.service_id,
                r.service_name,
                r.data_class,
                consent,
                r.status,
                r.status_reason,
                r.urgency,
                r.reason,
                r.do_not_contact,
                r.accompanied_by,
                r.transport,
                r.handoff_notes,
                r.enrollment,
                r.outcome_on is not None,
                r.appointment_at is not None,
                r.requested_at is not None,
                r.responded_at is not None,
                r.closed_at is not None,
                r.reminded_at is not None,
                r.escalated_at is not None,
                r.due_at is not None,
                r.reopened_count,
                r.version,
                events,
            )
        )
    return sorted(found, key=repr)


def snapshot() -> dict[str, Any]:
    """What a build wrote, without ids and timestamps."""
    if connection.vendor == "postgresql":
        # The build is not committed, so autovacuum never saw it: the planner's statistics
        # are whatever an earlier test left (once, in a run of the whole suite, a join below
        # ran for minutes on them). ANALYZE in the transaction counts its own rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "audit": list(AuditEvent.objects.order_by("seq").values_list(*AUDIT_FIELDS)),
        "audit_consents": AuditEvent.objects.exclude(consent_id=None).count(),
        "clients": sorted(Client.objects.values_list(*PROFILE), key=repr),
        "entries": sorted(
            ClientEntry.objects.values_list(
                "client__preferred_name",
                "client__identifier_code",
                "data_class",
                "organization__slug",
                "author__username",
                "body",
            )
        ),
        "care_team": sorted(
            CareTeamMember.objects.values_list(
                "organization__slug", "user__username", "role", "is_lead"
            ),
            key=str,
        ),
        "consents": sorted(
            (
                c.decision,
                tuple(c.data_classes),
                tuple(c.purposes),
                tuple(c.recipient_sectors),
                c.recipient_care_team,
                tuple(sorted(o.slug for o in c.recipient_organizations.all())),
                c.state(),
                c.capture_method,
                bool(c.signature),
                bool(c.attestation),
                c.note,
            )
            for c in ConsentDirective.objects.prefetch_related("recipient_organizations")
        ),
        "emergency": sorted(
            EmergencyAccess.objects.values_list(
                "user__username", "organization__slug", "role", "review_outcome"
            )
        ),
        "goals": sorted(
            CarePlanGoal.objects.values_list(
                "client__preferred_name",
                "domain",
                "own_words",
                "data_class",
                "status",
                "organization__slug",
                "author__username",
            ),
            key=repr,
        ),
        "tasks": sorted(
            (
                (
                    t.goal.own_words,
                    t.description,
                    t.owner_organization.slug,
                    t.owner_user.username if t.owner_user else None,
                    t.owner_is_person,
                    t.due_on,
                    t.done_at is not None,
                )
                for t in CarePlanTask.objects.select_related(
                    "goal", "owner_organization", "owner_user"
                )
            ),
            key=repr,
        ),
        "supports": sorted(
            SupportContact.objects.values_list(
                "client__preferred_name",
                "name",
                "kind",
                "relationship",
                "phone",
                "is_emergency_contact",
                "may_be_contacted",
            ),
            key=repr,
        ),
        "referrals": referrals_snapshot(),
    }


def same(found: list[Any], expected: list[Any], what: str) -> None:
    """Equal lists, or a failure that shows the first pair that differs in full."""
    for index, (one, other) in enumerate(zip(found, expected, strict=False)):
        assert one == other, f"{what}[{index}]:\n  bulk:     {one!r}\n  services: {other!r}"
    assert len(found) == len(expected), what


def start(plan: CommunityPlan) -> writer.Context:
    ctx = writer.write_partners(plan, NoProgress())
    write_directory(plan.directory, NoProgress())
    return ctx


def build(plan: CommunityPlan, clients: Iterable[ClientPlan], *, bulk: bool) -> dict[str, Any]:
    ctx = start(plan)
    if bulk:
        write_clients_bulk(ctx, clients, NoProgress(), batch_size=7)
    else:
        writer.write_clients(ctx, clients, NoProgress())
    assert audit_verify() == []
    return snapshot()


def in_both_ways(plan: CommunityPlan, clients: list[ClientPlan], **kwargs: Any) -> tuple[Any, Any]:
    with transaction.atomic():
        through_services = build(plan, clients, bulk=False, **kwargs)
        transaction.set_rollback(True)
    with transaction.atomic():
        in_bulk = build(plan, clients, bulk=True, **kwargs)
        transaction.set_rollback(True)
    return through_services, in_bulk


@pytest.mark.django_db
def test_the_bulk_path_writes_what_the_services_write() -> None:
    plan = plan_community(scale="small", seed=SEED)
    crowd = list(islice(plan.crowd_clients(), CROWD))
    # Every kind of row the bulk path makes: emergency accesses reviewed and not, a revoked
    # consent, an entry written on the basis of a consent, care plans, supports, referrals.
    assert {bool(e.reviewer) for c in crowd for e in c.emergencies} == {True, False}
    assert any(e.basis == "consent" for c in crowd for e in c.entries)
    assert any(x.state == "revoked" for c in crowd for x in c.consents)
    assert any(t.done_days is not None for c in crowd for g in c.goals for t in g.tasks)
    assert any(c.supports for c in crowd)
    assert any(c.referral_consents for c in crowd)
    through_services, in_bulk = in_both_ways(plan, crowd)
    assert through_services["audit_consents"] > 0
    assert through_services["referrals"]
    for key in through_services:
        if isinstance(through_services[key], list):
            same(in_bulk[key], through_services[key], key)
        assert in_bulk[key] == through_services[key], key


@pytest.mark.django_db
def test_bulk_referrals_are_what_the_referral_services_write() -> None:
    """The stories' referrals go through ``referrals.services`` step by step (and meet the
    follow-up worker); the same plans through the bulk path leave the same rows."""
    plan = plan_community(scale="small", seed=SEED)
    stories = plan.story_clients()
    with transaction.atomic():
        ctx = start(plan)
        writer.write_clients(ctx, stories, NoProgress(), stories=True)
        through_services = snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        ctx = start(plan)
        write_clients_bulk(ctx, stories, NoProgress())
        in_bulk = snapshot()
        transaction.set_rollback(True)
    statuses = {r[9] for r in through_services["referrals"]}
    assert len(statuses) == 10  # every state of the workflow
    same(in_bulk["referrals"], through_services["referrals"], "referrals")
    # The worker reminds the overdue ones after all the stories; the bulk path as it goes.
    same(sorted(in_bulk["audit"]), sorted(through_services["audit"]), "audit")
