"""privacy.bulk.audit_append_bulk: many rows, one lock, the same chain as audit_append."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from carecircle.partners.models import Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import chain
from carecircle.privacy.audit import audit_append, audit_count, audit_verify
from carecircle.privacy.bulk import AuditRow, audit_append_bulk
from carecircle.privacy.models import AuditChainHead, AuditEvent
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

COMPARED = tuple(f for f in chain.FIELDS if f not in {"seq", "occurred_at"})


def make_actor(username: str, sector: str = Sector.EMERGENCY_DEPARTMENT) -> Actor:
    membership = MembershipFactory(
        user__username=username,
        organization=OrganizationFactory(sector=sector),
        role=Role.CLINICIAN,
    )
    return Actor.from_membership(membership)


def a_row(person_id: uuid.UUID, owner_id: int) -> AuditRow:
    return {
        "action": "write",
        "permitted": True,
        "purpose": "treatment",
        "person_id": person_id,
        "owner_organization_id": owner_id,
        "data_class": "health",
        "basis": "own_record",
        "consent_id": str(uuid.uuid4()),
        "object_type": "client_entry",
        "object_id": 42,
    }


def fields(event: AuditEvent) -> tuple[object, ...]:
    return tuple(getattr(event, name) for name in COMPARED)


def test_bulk_rows_are_the_rows_audit_append_writes() -> None:
    alice = make_actor("alice")
    row = a_row(uuid.uuid4(), alice.organization.pk)
    single = audit_append(actor=alice, **row)  # type: ignore[arg-type]
    assert audit_append_bulk(actor=alice, rows=[row, row]) == 2
    first, second = AuditEvent.objects.filter(seq__gt=single.seq).order_by("seq")
    assert fields(first) == fields(single) == fields(second)
    assert audit_verify() == []


def test_it_interleaves_with_single_appends_in_batches() -> None:
    alice = make_actor("alice")
    row = a_row(uuid.uuid4(), alice.organization.pk)
    audit_append(actor=alice, **row)  # type: ignore[arg-type]
    assert audit_append_bulk(actor=alice, rows=[row] * 5, batch_size=2) == 5
    audit_append(actor=alice, **row)  # type: ignore[arg-type]
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 8))
    assert audit_count() == 7
    assert audit_verify() == []


def test_a_row_can_name_its_own_actor() -> None:
    alice, lee = make_actor("alice"), make_actor("lee", Sector.POLICE_JUSTICE)
    row = a_row(uuid.uuid4(), alice.organization.pk)
    audit_append_bulk(actor=alice, rows=[row, {**row, "actor": lee}, {**row, "actor": None}])
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.actor_username for e in events] == ["alice", "lee", ""]
    assert events[1].organization_sector == Sector.POLICE_JUSTICE
    assert audit_verify() == []


def test_no_rows_leave_the_head_alone() -> None:
    assert audit_append_bulk(actor=None, rows=[]) == 0
    assert not AuditEvent.objects.exists()
    assert audit_verify() == []


def test_a_rolled_back_load_leaves_no_rows() -> None:
    alice = make_actor("alice")
    row = a_row(uuid.uuid4(), alice.organization.pk)
    audit_append(actor=alice, **row)  # type: ignore[arg-type]
    head = AuditChainHead.objects.get()

    def load() -> None:
        with transaction.atomic():
            audit_append_bulk(actor=alice, rows=[row] * 3)
            raise RuntimeError("the load failed")

    with pytest.raises(RuntimeError):
        load()
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get().last_hash == head.last_hash
    assert audit_verify() == []
