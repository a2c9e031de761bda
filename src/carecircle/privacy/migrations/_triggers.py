"""The append-only triggers on the audit table, shared by the migration and the test suite.

A database superuser can still drop them; the hash chain is what catches that.
"""

from typing import Any

SQLITE = [
    """CREATE TRIGGER privacy_auditevent_no_update BEFORE UPDATE ON privacy_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;""",
    """CREATE TRIGGER privacy_auditevent_no_delete BEFORE DELETE ON privacy_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS privacy_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS privacy_auditevent_no_delete;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION privacy_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER privacy_auditevent_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
       ON privacy_auditevent FOR EACH STATEMENT EXECUTE FUNCTION privacy_audit_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent;",
    "DROP FUNCTION IF EXISTS privacy_audit_append_only();",
]


def create(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(statement)


def drop(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []):
        schema_editor.execute(statement)
