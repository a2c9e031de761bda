"""The hash-chain kernel: any edit, insertion or deletion is found and the row is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from carecircle.privacy import chain

KEY = b"test-audit-key"
#: Chains of up to eight rows of seventeen fields are slow to draw; fifty cases each suffice.
examples = settings(max_examples=50)
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

row_values = st.fixed_dictionaries(
    {
        "request_id": st.text(max_size=8),
        "actor_id": st.none() | st.integers(1, 10**6),
        "actor_username": st.text(max_size=12),
        "organization_id": st.none() | st.integers(1, 10**6),
        "organization_name": st.text(max_size=12),
        "organization_sector": st.sampled_from(["", "housing", "police_justice"]),
        "role": st.sampled_from(["", "clinician", "analyst"]),
        "purpose": st.sampled_from(["", "treatment", "research"]),
        "person_id": st.none() | st.uuids(),
        "owner_organization_id": st.none() | st.integers(1, 10**6),
        "data_class": st.sampled_from(["", "general", "health"]),
        "action": st.sampled_from(["read", "write", "export", "emergency", "disclose"]),
        "permitted": st.booleans(),
        "basis": st.sampled_from(["", "own_record", "consent", "none"]),
        "consent_id": st.none() | st.uuids(),
        "object_type": st.sampled_from(["", "person", "client"]),
        "object_id": st.text(max_size=8),
        "recipient_organization_id": st.none() | st.integers(1, 10**6),
    }
)


def build_chain(
    values: list[dict[str, Any]], key: bytes = KEY
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows as the database returns them, and the head, exactly as audit_append writes them."""
    rows: list[dict[str, Any]] = []
    prev = chain.GENESIS
    for index, value in enumerate(values, start=1):
        row = {"seq": index, "occurred_at": T0 + timedelta(seconds=index), **value}
        row["prev_hash"] = prev
        row["hash"] = chain.row_hash(key, prev, row)
        prev = row["hash"]
        rows.append(row)
    last_seq = len(rows)
    head = {
        "head_seq": last_seq,
        "head_hash": prev,
        "head_mac_value": chain.head_mac(key, last_seq, prev),
    }
    return rows, head


def verify(
    rows: list[dict[str, Any]], head: dict[str, Any], key: bytes = KEY
) -> list[chain.Problem]:
    # The database hands rows over in ascending seq.
    return chain.verify(key, sorted(rows, key=lambda r: int(str(r["seq"]))), **head)


def different(value: object, draw: st.DrawFn) -> object:
    """Another value for a field, one whose canonical form differs."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + draw(st.integers(1, 1000))
    if isinstance(value, datetime):
        return value + timedelta(microseconds=draw(st.integers(1, 10**9)))
    if isinstance(value, UUID):
        return draw(st.uuids().filter(lambda u: u != value))
    if value is None:
        return draw(st.one_of(st.integers(0, 10**6), st.uuids()))
    return value + draw(st.text(min_size=1, max_size=4))  # type: ignore[operator]


chains = st.lists(row_values, min_size=1, max_size=8)


@examples
@given(chains)
def test_an_intact_chain_verifies(values: list[dict[str, Any]]) -> None:
    rows, head = build_chain(values)
    assert verify(rows, head) == []


Modified = tuple[list[dict[str, Any]], dict[str, Any], int, str]


@st.composite
def one_field_modified(draw: st.DrawFn) -> Modified:
    rows, head = build_chain(draw(chains))
    index = draw(st.integers(0, len(rows) - 1))
    name = draw(st.sampled_from([*chain.COLUMNS, "prev_hash", "hash"]))
    original = rows[index][name]
    rows[index] = {**rows[index], name: different(original, draw)}
    return rows, head, index + 1, name


@examples
@given(one_field_modified())
def test_any_single_field_modification_of_any_row_is_detected(case: Modified) -> None:
    rows, head, _seq, _name = case
    assert verify(rows, head)


@examples
@given(one_field_modified())
def test_a_modified_row_is_named(case: Modified) -> None:
    rows, head, seq, name = case
    problems = verify(rows, head)
    if name == "seq":
        # Renumbering moves the row: the gap it leaves is named.
        assert any(p.kind in {"deleted", "inserted", "altered"} for p in problems), problems
    else:
        assert any(p.seq == seq and p.kind == "altered" for p in problems), problems


@examples
@given(chains, st.data())
def test_deleting_any_row_is_detected_and_named(
    values: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows, head = build_chain(values)
    index = data.draw(st.integers(0, len(rows) - 1))
    del rows[index]
    problems = verify(rows, head)
    assert any(p.kind == "deleted" and p.seq == index + 1 for p in problems), problems


@examples
@given(chains, row_values, st.data())
def test_inserting_a_forged_row_anywhere_is_detected(
    values: list[dict[str, Any]], forged_values: dict[str, Any], data: st.DataObject
) -> None:
    rows, head = build_chain(values)
    seq = data.draw(st.integers(-2, len(rows) + 3))
    assume(seq < 1 or seq > len(rows))  # seq is unique in the database
    forged = {"seq": seq, "occurred_at": T0, **forged_values}
    forged["prev_hash"] = rows[-1]["hash"]
    forged["hash"] = chain.row_hash(b"not-the-key", forged["prev_hash"], forged)
    problems = verify([*rows, forged], head)
    assert any(p.kind == "inserted" and p.seq == seq for p in problems), problems


@examples
@given(chains)
def test_rolling_the_head_back_to_hide_a_cut_tail_is_detected(values: list[dict[str, Any]]) -> None:
    rows, head = build_chain(values)
    assume(len(rows) >= 2)
    cut = rows[:-1]
    rolled_back = {**head, "head_seq": len(cut), "head_hash": cut[-1]["hash"]}
    problems = verify(cut, rolled_back)
    assert [p.kind for p in problems] == ["head"]


@examples
@given(chains)
def test_a_chain_written_with_another_key_does_not_verify(values: list[dict[str, Any]]) -> None:
    rows, head = build_chain(values, key=b"someone-else")
    assert verify(rows, head)


def test_verify_stops_at_the_limit() -> None:
    rows, head = build_chain([{"actor_username": f"u{i}"} for i in range(10)])
    for row in rows:
        row["actor_username"] = "mallory"
    assert len(chain.verify(KEY, rows, **head, limit=3)) == 3


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        chain.row_hash(KEY, chain.GENESIS, {"occurred_at": datetime(2025, 1, 1)})  # noqa: DTZ001


@given(row_values)
def test_a_field_added_later_leaves_the_hash_of_older_rows_unchanged(value: dict[str, Any]) -> None:
    """Rows written before ``recipient_organization_id`` existed (None) hash as they did."""
    import hashlib
    import hmac

    row = {"seq": 1, "occurred_at": T0, **value, "recipient_organization_id": None}
    message = chain.GENESIS + "".join(
        f"\x1e{name}\x1f{chain._canonical(row.get(name))}" for name in chain.FIELDS
    )
    before = hmac.new(KEY, message.encode(), hashlib.sha256).hexdigest()
    assert chain.row_hash(KEY, chain.GENESIS, row) == before
    assert chain.row_hash(KEY, chain.GENESIS, {**row, "recipient_organization_id": 7}) != before
