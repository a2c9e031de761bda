"""Signed webhooks: how CareCircle tells a partner system that something happened.

Pure Python, no Django, so a partner can copy this file to check our signatures.

What a partner receives
=======================

An HTTP ``POST`` with ``Content-Type: application/json`` and a body holding exactly these
keys, and nothing else — never a name, a note or any other detail about a person::

    {"event": "referral_received", "id": 42, "link": "https://carecircle.example/referrals/7/",
     "occurred_at": "2026-11-21T07:30:00+00:00", "organization": "riverbend-clinic"}

``id`` identifies the delivery: deliveries are *at least once*, so a receiver should ignore an
``id`` it has already processed. To see what happened, a person follows ``link`` and signs in,
where the usual consent and access rules apply.

How it is signed
================

The ``CareCircle-Signature`` header looks like ``t=1763710200,v1=5257a869e7…``:

* ``t`` is the Unix time, in seconds, when the request was signed;
* ``v1`` is the lowercase hex HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes),
  over the ASCII timestamp, a full stop, and the raw request body:
  ``HMAC_SHA256(secret, f"{t}." + body)``.

A header may carry several ``v1`` values (for example while a secret is being rotated); one
matching value is enough. To check a request:

1. take the raw body bytes exactly as received (before any JSON parsing);
2. compute the HMAC above and compare it with each ``v1`` in constant time;
3. refuse the request if ``t`` is more than five minutes away from your clock, so a captured
   request cannot be replayed later.

:func:`verify` does all three.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

SIGNATURE_HEADER = "CareCircle-Signature"
EVENT_HEADER = "CareCircle-Event"
DELIVERY_HEADER = "CareCircle-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``CareCircle-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={int(timestamp)},{SCHEME}={_mac(secret, int(timestamp), body)}"


def parse_header(header: str) -> tuple[int, list[str]] | None:
    """The timestamp and the ``v1`` signatures in a header, or None if it is malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                return None
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
        # Unknown schemes are skipped, so a future scheme can be added beside v1.
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when ``header`` is a valid, fresh signature of ``body`` under ``secret``.

    ``now`` is the receiver's Unix time in seconds. A timestamp further than ``tolerance``
    seconds from it, in either direction, fails: the request may be a replay.
    """
    parsed = parse_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body).encode("ascii")
    matched = False
    # Compare against every candidate, without stopping early, in constant time.
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    return matched


def build_payload(
    *, delivery_id: int, event: str, occurred_at: datetime, organization: str, link: str
) -> dict[str, Any]:
    """The whole payload. Adding a key here is a privacy decision: only ids and a link."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return {
        "id": delivery_id,
        "event": event,
        "occurred_at": occurred_at.isoformat(timespec="seconds"),
        "organization": organization,
        "link": link,
    }


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
