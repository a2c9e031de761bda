"""The ``carecircle`` command: its commands, tokens, and one clear line when something is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection

from carecircle.cli import cli
from carecircle.partners.models import ApiToken
from carecircle.partners.services import token_authenticate
from carecircle.privacy.models import AuditEvent
from tests.fixtures import Riverbend, riverbend

__all__ = ["riverbend"]


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "worker", "synth", "createadmin", "audit", "token", "manage"):
        assert f"  {command} " in result.output or f"  {command}\n" in result.output, command


def test_token_create_prints_a_token_that_authenticates(riverbend: Riverbend) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "alice", "--name", "EHR bridge"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("cc_")
    found = token_authenticate(secret)
    assert found is not None
    token, membership = found
    assert (token.name, membership.organization) == ("EHR bridge", riverbend.ed)


def test_token_create_with_an_organization(riverbend: Riverbend) -> None:
    riverbend.member("alice", "clinic", "clinician")
    several = CliRunner().invoke(cli, ["token", "create", "alice"])
    assert several.exit_code == 1
    assert "--org" in several.stderr
    chosen = CliRunner().invoke(cli, ["token", "create", "alice", "--org", riverbend.clinic.slug])
    assert chosen.exit_code == 0, chosen.output
    assert ApiToken.objects.get().organization == riverbend.clinic


def _one_clear_line(result: object, expected: str) -> None:
    assert result.exit_code == 1  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert lines == [f"Error: {expected}"]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]


def test_token_create_for_an_unknown_user_says_so_in_one_line(riverbend: Riverbend) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "mallory"])
    _one_clear_line(result, "no user named 'mallory'")
    assert not ApiToken.objects.exists()


def test_token_create_for_an_unknown_organization_says_so_in_one_line(riverbend: Riverbend) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "alice", "--org", "nowhere"])
    _one_clear_line(result, "no organization with the short name 'nowhere'")


def test_token_create_for_someone_outside_the_organization_says_so(riverbend: Riverbend) -> None:
    result = CliRunner().invoke(cli, ["token", "create", "alice", "--org", riverbend.police.slug])
    _one_clear_line(result, f"alice is not a member of {riverbend.police.slug}.")


def test_token_revoke(riverbend: Riverbend) -> None:
    secret = CliRunner().invoke(cli, ["token", "create", "alice"]).stdout.strip()
    prefix = secret.split("_")[1]
    result = CliRunner().invoke(cli, ["token", "revoke", prefix])
    assert result.exit_code == 0
    assert token_authenticate(secret) is None
    _one_clear_line(
        CliRunner().invoke(cli, ["token", "revoke", "nope"]), "no token with prefix 'nope'"
    )


# --- the acceptance test of the audit trail, on the demo community -----------------------------


def _sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def _verify() -> Any:
    return CliRunner().invoke(cli, ["audit", "verify"])


def _fails(result: Any) -> list[str]:
    assert result.exit_code == 1, result.output
    return [line for line in result.stderr.splitlines() if line.startswith("FAIL")]


def test_audit_verify_on_the_demo_database(
    db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The demo command sets these when absent; keep them from leaking into later tests.
    monkeypatch.setenv("CARECIRCLE_ENV", "test")
    monkeypatch.setenv("CARECIRCLE_DATA_DIR", str(tmp_path))
    built = CliRunner().invoke(cli, ["demo", "--no-serve", "--scale", "small"])
    assert built.exit_code == 0, built.output
    intact = _verify()
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.startswith("OK: ")
    rows = AuditEvent.objects.count()
    assert rows > 100
    assert f"{rows} audit rows" in intact.stdout

    # Altered directly in the database (the test database has no append-only triggers; in
    # production a database superuser would have to drop them first).
    (name,) = _sql("SELECT actor_username FROM privacy_auditevent WHERE seq = 10")[0]
    _sql("UPDATE privacy_auditevent SET actor_username = 'mallory' WHERE seq = 10")
    assert _fails(_verify()) == ["FAIL row 10 was altered (its hash does not match)"]
    _sql("UPDATE privacy_auditevent SET actor_username = %s WHERE seq = 10", [name])
    assert _verify().exit_code == 0

    # Deleted, then put back.
    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    listed = ", ".join(columns)
    (saved,) = _sql(f"SELECT {listed} FROM privacy_auditevent WHERE seq = 20")
    _sql("DELETE FROM privacy_auditevent WHERE seq = 20")
    assert _fails(_verify()) == ["FAIL row 20 deleted (gap before row 21)"]
    placeholders = ", ".join(["%s"] * len(columns))
    _sql(f"INSERT INTO privacy_auditevent ({listed}) VALUES ({placeholders})", list(saved))
    assert _verify().exit_code == 0

    # Inserted: a copy of the last row, one past the end.
    insertable = [c for c in columns if c not in {"id", "seq"}]
    _sql(
        f"INSERT INTO privacy_auditevent (seq, {', '.join(insertable)}) "
        f"SELECT seq + 1, {', '.join(insertable)} FROM privacy_auditevent WHERE seq = %s",
        [rows],
    )
    assert _fails(_verify()) == [f"FAIL row {rows + 1} was inserted after the chain head"]
