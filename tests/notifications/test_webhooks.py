"""The signature scheme partner systems check: pure functions, no database."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.notifications import webhooks

SECRET = "whsec-test-secret"
BODY = b'{"event":"referral_received","id":1}'
NOW = 1_763_710_200


def test_header_is_timestamp_and_hex_hmac_over_timestamp_dot_body():
    header = webhooks.sign(SECRET, NOW, BODY)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)


@given(
    secret=st.text(min_size=1, max_size=64),
    timestamp=st.integers(min_value=0, max_value=10**11),
    body=st.binary(max_size=2048),
    skew=st.integers(min_value=-300, max_value=300),
)
def test_sign_then_verify_round_trips(secret: str, timestamp: int, body: bytes, skew: int):
    header = webhooks.sign(secret, timestamp, body)
    assert webhooks.verify(secret, header, body, now=timestamp + skew)


@given(body=st.binary(min_size=1, max_size=512), flip=st.integers(min_value=0, max_value=511))
def test_any_changed_byte_fails(body: bytes, flip: int):
    header = webhooks.sign(SECRET, NOW, body)
    index = flip % len(body)
    tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
    assert not webhooks.verify(SECRET, header, tampered, now=NOW)


def test_it_rejects_a_tampered_body():
    header = webhooks.sign(SECRET, NOW, BODY)
    assert not webhooks.verify(SECRET, header, BODY.replace(b"1", b"2"), now=NOW)


def test_it_rejects_another_secret():
    header = webhooks.sign(SECRET, NOW, BODY)
    assert not webhooks.verify("another-secret", header, BODY, now=NOW)


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_it_rejects_a_stale_or_future_timestamp(age: int):
    header = webhooks.sign(SECRET, NOW, BODY)
    assert not webhooks.verify(SECRET, header, BODY, now=NOW + age)
    assert webhooks.verify(SECRET, header, BODY, now=NOW + age, tolerance=abs(age))


def test_it_rejects_a_timestamp_changed_to_look_fresh():
    header = webhooks.sign(SECRET, NOW, BODY)
    replayed = header.replace(f"t={NOW}", f"t={NOW + 3600}")
    assert not webhooks.verify(SECRET, replayed, BODY, now=NOW + 3600)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"t={NOW}",
        "v1=abc",
        f"t=abc,v1={'0' * 64}",
        f"t={NOW},t={NOW},v1={'0' * 64}",
        f"t=-{NOW},v1={'0' * 64}",
        f"t={NOW},v1=é",
    ],
)
def test_it_rejects_malformed_headers(header: str):
    assert not webhooks.verify(SECRET, header, BODY, now=NOW)


def test_one_matching_signature_among_several_is_enough():
    good = webhooks.sign(SECRET, NOW, BODY).split(",")[1]
    old = webhooks.sign("old-secret", NOW, BODY).split(",")[1]
    assert webhooks.verify(SECRET, f"t={NOW},{old},{good}", BODY, now=NOW)
    assert webhooks.verify(SECRET, f"t={NOW},v0=unknown-scheme,{good}", BODY, now=NOW)


def test_payload_holds_exactly_five_keys_and_encodes_stably():
    payload = webhooks.build_payload(
        delivery_id=7,
        event="referral_received",
        occurred_at=dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC),
        organization="riverbend-ed",
        link="https://carecircle.example/referrals/7/",
    )
    assert payload == {
        "id": 7,
        "event": "referral_received",
        "occurred_at": "2026-11-21T07:30:00+00:00",
        "organization": "riverbend-ed",
        "link": "https://carecircle.example/referrals/7/",
    }
    encoded = webhooks.encode_payload(payload)
    assert json.loads(encoded) == payload
    assert encoded == webhooks.encode_payload(dict(reversed(list(payload.items()))))


def test_payload_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        webhooks.build_payload(
            delivery_id=1,
            event="system",
            occurred_at=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
            organization="x",
            link="https://x.example/",
        )


def test_the_module_imports_nothing_from_django():
    tree = ast.parse(Path(webhooks.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "django"}
