"""The audit trail: every person-level read is recorded, and tampering in the database shows.

The test database runs without the append-only triggers (see tests/conftest.py), so these
tests can tamper with raw SQL as someone with database access would.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from django.db import DatabaseError, connection, transaction

from carecircle.cli import cli
from carecircle.privacy.audit import audit_count, audit_verify
from carecircle.privacy.migrations import _triggers
from carecircle.privacy.models import AuditChainHead, AuditEvent, DataClass, Purpose
from carecircle.privacy.rules import Basis
from carecircle.privacy.selectors import person_read
from carecircle.privacy.services import (
    care_team_add,
    consent_record,
    emergency_access_grant,
    person_create,
)
from tests.fixtures import Riverbend


@pytest.fixture
def trail(riverbend: Riverbend) -> Riverbend:
    """A little activity: records, a consent, care team, reads, an emergency: a dozen rows."""
    alice = riverbend.actor("alice")
    person = person_create(actor=alice)
    consent_record(
        actor=alice,
        person=person,
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing],
    )
    care_team_add(actor=alice, person=person, organization=riverbend.peer)
    person_read(
        actor=riverbend.actor("hana"),
        person=person,
        data_classes=[DataClass.GENERAL, DataClass.HEALTH],
        purpose=Purpose.CARE_COORDINATION,
    )
    emergency_access_grant(
        actor=riverbend.actor("pat"), person=person, reason="Overdose in the waiting room."
    )
    person_read(
        actor=riverbend.actor("lee"),
        person=person,
        data_classes=DataClass.values,
        purpose=Purpose.CARE_COORDINATION,
    )
    assert audit_count() >= 12
    return riverbend


def sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def last_seq() -> int:
    return int(sql("SELECT MAX(seq) FROM privacy_auditevent")[0][0])


def forge_copy(of_seq: int, *, seq: int, **changes: Any) -> None:
    """Insert a copy of row ``of_seq`` under a new ``seq``, as a forger without the key would."""
    columns = [f.column for f in AuditEvent._meta.concrete_fields if f.column != "id"]
    source = sql(f"SELECT {', '.join(columns)} FROM privacy_auditevent WHERE seq = %s", [of_seq])
    values = dict(zip(columns, source[0], strict=True))
    values.update(seq=seq, **changes)
    placeholders = ", ".join(["%s"] * len(columns))
    sql(
        f"INSERT INTO privacy_auditevent ({', '.join(columns)}) VALUES ({placeholders})",
        [values[c] for c in columns],
    )


def kinds(problems: list[Any]) -> set[tuple[str, int]]:
    return {(p.kind, p.seq) for p in problems}


# --- every read is recorded --------------------------------------------------------------------


def test_person_read_writes_one_audit_row_per_class_with_the_decision_basis(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=person,
        decision="permit",
        data_classes=[DataClass.HEALTH, DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing],
    )
    start = audit_count()
    decisions = person_read(
        actor=riverbend.actor("hana"),
        person=person,
        data_classes=[DataClass.GENERAL, DataClass.HEALTH, DataClass.JUSTICE, DataClass.GENERAL],
        purpose=Purpose.CARE_COORDINATION,
    )
    rows = list(AuditEvent.objects.filter(seq__gt=start))
    assert [r.data_class for r in rows] == [DataClass.GENERAL, DataClass.HEALTH, DataClass.JUSTICE]
    for row in rows:
        decision = decisions[row.data_class]
        assert row.action == "read"
        assert row.permitted == decision.permitted
        assert row.basis == decision.basis.value
        assert row.actor_username == "hana"
        assert row.organization_id == riverbend.housing.pk
        assert row.organization_sector == "housing"
        assert row.person_id == person.pk
        assert row.owner_organization_id == riverbend.ed.pk
        assert row.purpose == Purpose.CARE_COORDINATION
    health = rows[1]
    assert (health.permitted, health.basis, health.consent_id) == (True, "consent", consent.pk)
    justice = rows[2]
    assert (justice.permitted, justice.basis, justice.consent_id) == (False, "none", None)


def test_a_refused_read_is_recorded_too(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    decisions = person_read(
        actor=riverbend.actor("lee"),
        person=person,
        data_classes=[DataClass.HARM_REDUCTION],
        purpose=Purpose.CARE_COORDINATION,
    )
    assert not decisions[DataClass.HARM_REDUCTION].permitted
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    assert (row.actor_username, row.permitted, row.basis) == ("lee", False, Basis.NONE)


def test_a_rolled_back_write_leaves_no_audit_row(riverbend: Riverbend) -> None:
    start = audit_count()

    def create_then_fail() -> None:
        with transaction.atomic():
            person_create(actor=riverbend.actor("alice"))
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert audit_count() == start
    assert not AuditEvent.objects.filter(seq__gt=start).exists()
    assert audit_verify() == []


# --- verification ------------------------------------------------------------------------------


def test_audit_verify_passes_on_an_intact_chain(trail: Riverbend) -> None:
    assert audit_verify() == []


def test_audit_verify_passes_on_an_empty_trail(db: None) -> None:
    assert audit_verify() == []


def test_an_altered_row_is_named(trail: Riverbend) -> None:
    sql("UPDATE privacy_auditevent SET actor_username = %s WHERE seq = %s", ["mallory", 5])
    assert kinds(audit_verify()) == {("altered", 5)}


def test_an_altered_decision_is_named(trail: Riverbend) -> None:
    refused = AuditEvent.objects.filter(permitted=False).order_by("seq").first()
    assert refused is not None
    sql("UPDATE privacy_auditevent SET permitted = %s WHERE seq = %s", [True, refused.seq])
    assert kinds(audit_verify()) == {("altered", refused.seq)}


def test_a_row_deleted_from_the_middle_is_named(trail: Riverbend) -> None:
    sql("DELETE FROM privacy_auditevent WHERE seq = %s", [4])
    assert kinds(audit_verify()) == {("deleted", 4)}


def test_a_row_deleted_from_the_end_is_detected(trail: Riverbend) -> None:
    end = last_seq()
    sql("DELETE FROM privacy_auditevent WHERE seq = %s", [end])
    assert kinds(audit_verify()) == {("deleted", end)}


def test_a_cut_tail_hidden_by_rolling_back_the_head_is_detected(trail: Riverbend) -> None:
    end = last_seq()
    previous_hash = sql("SELECT hash FROM privacy_auditevent WHERE seq = %s", [end - 1])[0][0]
    sql("DELETE FROM privacy_auditevent WHERE seq = %s", [end])
    sql(
        "UPDATE privacy_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
        [end - 1, previous_hash],
    )
    assert [p.kind for p in audit_verify()] == ["head"]


def test_a_forged_row_after_the_end_is_named_as_inserted(trail: Riverbend) -> None:
    end = last_seq()
    forge_copy(end, seq=end + 1)
    assert kinds(audit_verify()) == {("inserted", end + 1)}


def test_a_forged_row_before_the_start_is_named_as_inserted(trail: Riverbend) -> None:
    forge_copy(1, seq=0, actor_username="mallory")
    assert kinds(audit_verify()) == {("inserted", 0)}


def test_a_row_replaced_by_a_forgery_is_named(trail: Riverbend) -> None:
    sql("DELETE FROM privacy_auditevent WHERE seq = %s", [3])
    forge_copy(2, seq=3, permitted=True)
    problems = audit_verify()
    assert ("altered", 3) in kinds(problems)


def test_a_tampered_head_is_detected(trail: Riverbend) -> None:
    sql("UPDATE privacy_auditchainhead SET last_seq = last_seq + 1 WHERE id = 1")
    assert [p.kind for p in audit_verify()] == ["head"]


def test_a_deleted_head_is_detected(trail: Riverbend) -> None:
    sql("DELETE FROM privacy_auditchainhead")
    assert [p.kind for p in audit_verify()] == ["head"]


# --- the command line --------------------------------------------------------------------------


def test_cli_audit_verify_says_ok_on_an_intact_chain(trail: Riverbend) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK")
    assert f"{audit_count()} audit rows" in result.stdout


def test_cli_audit_verify_names_each_broken_row_and_fails(trail: Riverbend) -> None:
    end = last_seq()
    sql("UPDATE privacy_auditevent SET actor_username = %s WHERE seq = %s", ["mallory", 2])
    sql("DELETE FROM privacy_auditevent WHERE seq = %s", [6])
    forge_copy(end, seq=end + 1)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    fails = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert fails == [
        "FAIL row 2 was altered (its hash does not match)",
        "FAIL row 6 deleted (gap before row 7)",
        f"FAIL row {end + 1} was inserted after the chain head",
    ]
    assert "Traceback" not in result.output
    assert "OK" not in result.stdout


# --- append-only, in the ORM and in the database ----------------------------------------------


def test_an_audit_row_cannot_be_saved_again_or_deleted_through_the_orm(trail: Riverbend) -> None:
    row = AuditEvent.objects.first()
    assert row is not None
    row.actor_username = "mallory"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    assert audit_verify() == []


class _Editor:
    """Just what _triggers.create needs of a schema editor. SQLite's real one refuses to open
    inside the test's transaction; rolling back that transaction removes the triggers again."""

    connection = connection

    def execute(self, statement: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE privacy_auditevent SET actor_username = 'mallory' WHERE seq = 1",
        "DELETE FROM privacy_auditevent WHERE seq = 1",
    ],
)
def test_the_database_refuses_updates_and_deletes_of_the_trail(
    trail: Riverbend, statement: str
) -> None:
    _triggers.create(_Editor())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)
    # Appending still works, and nothing was changed.
    person_create(actor=trail.actor("alice"))
    assert audit_verify() == []
    assert AuditChainHead.objects.get().last_seq == last_seq()
