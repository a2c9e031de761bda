"""The bulk path writes what the services write: same rows, same audit trail, intact chain."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from carecircle.clients.models import Client, ClientEntry
from carecircle.privacy.audit import audit_verify
from carecircle.privacy.models import (
    AuditEvent,
    CareTeamMember,
    ConsentDirective,
    EmergencyAccess,
)
from carecircle.synth import writer
from carecircle.synth.fastpath import write_clients_bulk
from carecircle.synth.plan import plan_community
from carecircle.synth.riverbend import NoProgress

SEED = 17
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


def snapshot() -> dict[str, Any]:
    """What a build wrote, without ids and timestamps."""
    return {
        "audit": list(AuditEvent.objects.order_by("seq").values_list(*AUDIT_FIELDS)),
        "audit_consents": AuditEvent.objects.exclude(consent_id=None).count(),
        "clients": sorted(Client.objects.values_list("preferred_name", "identifier_code")),
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
            )
            for c in ConsentDirective.objects.prefetch_related("recipient_organizations")
        ),
        "emergency": sorted(
            EmergencyAccess.objects.values_list(
                "user__username", "organization__slug", "role", "review_outcome"
            )
        ),
    }


def build_small(*, bulk: bool, seed: int) -> dict[str, Any]:
    plan = plan_community(scale="small", seed=seed)
    ctx = writer.write_partners(plan, NoProgress())
    writer.write_clients(ctx, plan.story_clients(), NoProgress())
    if bulk:
        write_clients_bulk(ctx, plan.crowd_clients(), NoProgress(), batch_size=17)
    else:
        writer.write_clients(ctx, plan.crowd_clients(), NoProgress())
    assert audit_verify() == []
    return snapshot()


@pytest.mark.django_db
def test_the_bulk_path_writes_what_the_services_write() -> None:
    # Seed 17's crowd has emergency accesses reviewed and not, a revoked consent and an entry
    # written on the basis of a consent: every kind of row the bulk path makes.
    crowd = list(plan_community(scale="small", seed=SEED).crowd_clients())
    assert {bool(e.reviewer) for c in crowd for e in c.emergencies} == {True, False}
    assert any(e.basis == "consent" for c in crowd for e in c.entries)
    assert any(x.state == "revoked" for c in crowd for x in c.consents)
    with transaction.atomic():
        through_services = build_small(bulk=False, seed=SEED)
        transaction.set_rollback(True)
    with transaction.atomic():
        in_bulk = build_small(bulk=True, seed=SEED)
        transaction.set_rollback(True)
    assert through_services["audit_consents"] > 0
    assert in_bulk["audit"] == through_services["audit"]
    for key in through_services:
        assert in_bulk[key] == through_services[key], key
