"""Bulk loads for the privacy core: extending the audit trail by many rows at once.

:func:`audit_append_bulk` writes exactly the rows :func:`carecircle.privacy.audit.audit_append`
would write one call at a time, hashed with the same kernel (:mod:`carecircle.privacy.chain`),
under the same chain-head lock, in one transaction: the chain stays verifiable and a bulk load
that rolls back leaves no audit rows behind.

:class:`BulkInsert` is the fast insert underneath (and under the synthetic data's bulk path):
one ``executemany`` of plain tuples on SQLite, one ``COPY`` on PostgreSQL. Django's
``bulk_create`` spends ~100 µs of Python per row building model instances and preparing each
field, and caps SQLite statements at 999 parameters; a million audit rows would take minutes in
that overhead alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Required, TypedDict
from uuid import UUID

from django.db import connections, models, router, transaction
from django.utils import timezone

from carecircle.partners.selectors import Actor
from carecircle.privacy import chain
from carecircle.privacy.audit import _actor_fields, _key
from carecircle.privacy.models import AuditChainHead, AuditEvent
from carecircle.requestctx import get_request_id

BATCH_SIZE = 5000

# Columns whose Python values the database drivers take as they are.
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
    }
)


def _is_auto(field: Any) -> bool:
    return bool(field.get_internal_type().endswith("AutoField"))


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows of plain Python values.

    Values are adapted to the database the way Django's fields adapt them (timestamps to UTC
    text on SQLite, UUIDs to hex where there is no native type, JSON through the field), but
    per column type rather than per field and row. No model is instantiated and no signal is
    sent: callers own the invariants a service would check.
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        self.using = router.db_for_write(model)
        connection = connections[self.using]
        opts = model._meta
        self.fields: list[Any] = [opts.get_field(name) for name in fields]
        given = {f.name for f in self.fields}
        # Columns the caller does not name get their field's default, row by row: a field a
        # later migration adds must not break the bulk path.
        self.defaults = [
            f
            for f in opts.concrete_fields
            if f.name not in given
            and not (f.primary_key and f.get_internal_type().endswith("AutoField"))
            # The database computes a generated column itself.
            and not f.generated
        ]
        every = [*self.fields, *self.defaults]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in every)
        placeholders = ", ".join(["%s"] * len(every))
        # Table and column names come from the model, quoted; the values are parameters.
        table = quote(opts.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.adapters = [self._adapter(f) for f in every]

    def _adapter(self, field: Any) -> Callable[[Any], Any] | None:
        connection = connections[self.using]
        if isinstance(field, models.ForeignKey):
            return self._adapter(field.target_field)
        kind = field.get_internal_type()
        if kind in _PLAIN:
            return None
        if kind == "DateTimeField":
            adapt = connection.ops.adapt_datetimefield_value
            seen: dict[Any, Any] = {}

            def datetime_value(value: Any) -> Any:
                # Bulk rows share a handful of timestamps; adapt each once.
                if value not in seen:
                    seen[value] = adapt(value)
                return seen[value]

            return datetime_value
        if kind == "UUIDField":
            if connection.features.has_native_uuid_field:
                return None
            return lambda value: value.hex if value is not None else None
        return partial(field.get_db_prep_save, connection=connection)

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        active = [(i, adapt) for i, adapt in enumerate(self.adapters) if adapt is not None]
        defaults = self.defaults
        prepared: list[list[Any]] = []
        for row in rows:
            values = [*row, *(f.get_default() for f in defaults)] if defaults else list(row)
            for i, adapt in active:
                values[i] = adapt(values[i])
            prepared.append(values)
        if not prepared:
            return 0
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                # SQLite runs in-process: its executemany is as fast as it gets.
                cursor.executemany(self.sql, prepared)
                return len(prepared)
            # PostgreSQL: COPY. An executemany or a many-row INSERT has the driver write every
            # value into the statement's text in Python (Django binds on the client): a page of
            # 58 audit rows took 10 ms that way, 2 ms through COPY.
            started = time.perf_counter()
            with cursor.cursor.copy(self.copy_sql) as copy:
                for values in prepared:
                    copy.write_row(values)
            if connection.queries_logged:
                # Seen where Django's own statements are (query counts in tests, debug tools).
                connection.queries_log.append(
                    {
                        "sql": f"{len(prepared)} rows: {self.copy_sql}",
                        "time": f"{time.perf_counter() - started:.3f}",
                    }
                )
        return len(prepared)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` ids from the model's auto-increment primary key, for rows inserted with
    :class:`BulkInsert` that others must point to. Call it inside the transaction that inserts:
    SQLite's IMMEDIATE transactions hold the write lock, PostgreSQL's sequences are safe."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    table, column = model._meta.db_table, str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            # AUTOINCREMENT never reuses an id, even one whose row was deleted.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            start = max(highest, found[0] if found else 0) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"reserving ids is not implemented for {connection.vendor}")


class AuditRow(TypedDict, total=False):
    """One row to append: the keyword arguments of ``audit_append``, plus an optional actor
    that overrides the call's default (bulk loads write on behalf of many people)."""

    actor: Actor | None
    action: Required[str]
    permitted: Required[bool]
    purpose: str
    person_id: UUID | None
    owner_organization_id: int | None
    data_class: str
    basis: str
    consent_id: str | UUID | None
    object_type: str
    object_id: str | int
    recipient_organization_id: int | None


_COLUMNS = (*chain.COLUMNS, "prev_hash", "hash")


def audit_append_bulk(
    *, actor: Actor | None, rows: Iterable[AuditRow], batch_size: int = BATCH_SIZE
) -> int:
    """Append ``rows`` to the chain in order and return how many were written.

    Joins the caller's transaction when there is one, so the rows commit or roll back with the
    data they describe. The chain head stays locked from the first row to the last. The rows
    of one call are written together and carry one timestamp.
    """
    key = _key()
    request_id = get_request_id()
    occurred_at = timezone.now()
    insert = BulkInsert(AuditEvent, _COLUMNS)
    actors: dict[int, dict[str, Any]] = {}  # id(actor) -> its columns, computed once
    written = 0
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        fresh_head = head.last_seq == 0 and not head.mac
        seq, prev_hash = head.last_seq, head.last_hash
        pending: list[tuple[Any, ...]] = []
        for given in rows:
            row_actor = given.get("actor", actor)
            fields = actors.get(id(row_actor))
            if fields is None:
                fields = actors[id(row_actor)] = _actor_fields(row_actor)
            consent_id = given.get("consent_id")
            seq += 1
            row: dict[str, Any] = {
                "seq": seq,
                "occurred_at": occurred_at,
                "request_id": request_id,
                **fields,
                "purpose": given.get("purpose", ""),
                "person_id": UUID(str(given["person_id"])) if given.get("person_id") else None,
                "owner_organization_id": given.get("owner_organization_id"),
                "data_class": given.get("data_class", ""),
                "action": given["action"],
                "permitted": given["permitted"],
                "basis": given.get("basis", ""),
                "consent_id": UUID(str(consent_id)) if consent_id else None,
                "object_type": given.get("object_type", ""),
                "object_id": str(given.get("object_id", "")),
                "recipient_organization_id": given.get("recipient_organization_id"),
            }
            row_hash = chain.row_hash(key, prev_hash, row)
            row["prev_hash"], row["hash"] = prev_hash, row_hash
            pending.append(tuple(row[name] for name in _COLUMNS))
            prev_hash = row_hash
            if len(pending) >= batch_size:
                written += insert.insert(pending)
                pending = []
        written += insert.insert(pending)
        if written or fresh_head:
            head.last_seq = seq
            head.last_hash = prev_hash
            head.mac = chain.head_mac(key, seq, prev_hash)
            head.save()
    return written
