"""The audit trail's hash chain: a pure kernel, no Django.

Each row's hash is HMAC-SHA256(key, previous hash + the row's canonical fields). Someone who can
write to the database but does not hold the key cannot forge a row, re-link the chain around a
deleted row, or roll the head back, so :func:`verify` names the first row where it breaks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

GENESIS = "0" * 64

#: The fields covered by the hash, in order. Changing this list breaks every existing chain.
FIELDS: Sequence[str] = (
    "seq",
    "occurred_at",
    "request_id",
    "actor_id",
    "actor_username",
    "organization_id",
    "organization_name",
    "organization_sector",
    "role",
    "purpose",
    "person_id",
    "owner_organization_id",
    "data_class",
    "action",
    "permitted",
    "basis",
    "consent_id",
    "object_type",
    "object_id",
)
#: Fields added later: hashed after the others, and only when set, so that every row written
#: before they existed keeps its hash.
OPTIONAL_FIELDS: Sequence[str] = ("recipient_organization_id",)
#: Every column the chain covers (and the bulk path writes), in order.
COLUMNS: Sequence[str] = (*FIELDS, *OPTIONAL_FIELDS)


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
        # Databases hand timestamps back in UTC; hash what they will hand back.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    return str(value)


def row_hash(key: bytes, prev_hash: str, row: Mapping[str, object]) -> str:
    """The hash a row must carry, given the previous row's hash."""
    message = prev_hash + "".join(f"\x1e{name}\x1f{_canonical(row.get(name))}" for name in FIELDS)
    message += "".join(
        f"\x1e{name}\x1f{_canonical(row[name])}"
        for name in OPTIONAL_FIELDS
        if row.get(name) is not None
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def head_mac(key: bytes, last_seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head\x1f{last_seq}\x1f{last_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One break in the chain, naming the row."""

    seq: int
    kind: str  # altered | inserted | deleted | relinked | head
    message: str


def verify(
    key: bytes,
    rows: Iterable[Mapping[str, object]],
    *,
    head_seq: int,
    head_hash: str,
    head_mac_value: str,
    limit: int = 50,
) -> list[Problem]:
    """Check rows (in ascending ``seq``) against the chain and the recorded head.

    Returns at most ``limit`` problems; an empty list means the trail is intact.
    """
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    last_seq = 0
    hash_at_head = GENESIS if head_seq == 0 else None

    def add(problem: Problem) -> bool:
        problems.append(problem)
        return len(problems) >= limit

    for row in rows:
        seq = int(str(row["seq"]))
        stored_hash = str(row["hash"])
        stored_prev = str(row["prev_hash"])
        if seq > head_seq:
            # Rows appended while verify ran (the head was read first) are fine if they carry
            # a valid HMAC and continue the chain; nobody without the key can make such a row.
            continues = (
                seq == expected_seq
                and stored_prev == prev_hash
                and row_hash(key, stored_prev, row) == stored_hash
            )
            if not continues:
                if add(Problem(seq, "inserted", f"row {seq} was inserted after the chain head")):
                    return problems
                continue
            prev_hash, expected_seq, last_seq = stored_hash, seq + 1, seq
            continue
        if seq < expected_seq:
            # Below the first row or at a position already taken: it cannot belong to the
            # chain, whatever its hash says. Skip it so the rows after it still check out.
            if add(Problem(seq, "inserted", f"row {seq} was inserted out of sequence")):
                return problems
            continue
        gap = seq > expected_seq
        if gap:
            missing = (
                f"row {expected_seq}"
                if seq == expected_seq + 1
                else f"rows {expected_seq} to {seq - 1}"
            )
            if add(Problem(expected_seq, "deleted", f"{missing} deleted (gap before row {seq})")):
                return problems
        recomputed = row_hash(key, stored_prev, row)
        if recomputed != stored_hash:
            if add(Problem(seq, "altered", f"row {seq} was altered (its hash does not match)")):
                return problems
        # After a gap the row cannot link to the one before it: the gap is the problem.
        elif (
            stored_prev != prev_hash
            and not gap
            and add(Problem(seq, "relinked", f"row {seq} does not link to the row before it"))
        ):
            return problems
        prev_hash = stored_hash
        expected_seq = seq + 1
        last_seq = max(last_seq, seq)
        if seq == head_seq:
            hash_at_head = stored_hash

    if head_mac(key, head_seq, head_hash) != head_mac_value:
        add(Problem(head_seq, "head", "the chain head was altered"))
    elif hash_at_head is None:
        first = min(last_seq, head_seq) + 1 if last_seq < head_seq else head_seq
        missing = f"row {head_seq}" if first == head_seq else f"rows {first} to {head_seq}"
        add(Problem(first, "deleted", f"{missing} deleted from the end of the trail"))
    elif hash_at_head != head_hash:
        add(Problem(head_seq, "altered", f"row {head_seq} does not match the chain head"))
    return problems
