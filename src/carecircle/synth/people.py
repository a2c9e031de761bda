"""How Riverbend's clients describe themselves: identification, self-identified demographics,
safe-contact preferences and the people who support them; and how they gave their consent.

Pure Python (no Django). Draws come from the caller's seeded ``random.Random``; most answers are
left unsaid, as they are in real records, because every one of them is optional.
"""

from __future__ import annotations

import base64
import math
import random
import struct
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from itertools import accumulate
from typing import Generic, TypeVar

from carecircle.synth import care_catalogue as cc
from carecircle.synth import catalogue as cat
from carecircle.synth.model import ConsentPlan, NamePool, ProfilePlan, SupportPlan

T = TypeVar("T")

PART2 = "substance_use"
_STREET_NAMES = ("Sunny", "Red", "Tex", "Bird", "Smiley", "Doc", "Slim", "Jazz", "Shorty", "Ace")
_OLDEST, _YOUNGEST = date(1952, 1, 1), date(2007, 12, 31)


class Weighted(Generic[T]):
    """A weighted choice that costs one ``random()`` (``Random.choices`` costs several)."""

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def __call__(self, rng: random.Random) -> T:
        x = rng.random() * self.cumulative[-1]
        for value, edge in zip(self.values, self.cumulative, strict=True):
            if x < edge:
                return value
        return self.values[-1]


_IDENTIFICATION = Weighted(cc.NAMED_IDENTIFICATION)
_GENDER = Weighted(cc.GENDER_IDENTITIES)
_INDIGENOUS = Weighted(cc.INDIGENOUS_IDENTITIES)
_LANGUAGES = Weighted(cc.LANGUAGE_SETS)
_TWO_SLGBTQ = Weighted(list(zip(cc.YES_NO_UNSAID, cc.TWO_SLGBTQ_WEIGHTS, strict=True)))
_RURAL = Weighted(list(zip(cc.YES_NO_UNSAID, cc.RURAL_WEIGHTS, strict=True)))
_HOUSING = Weighted(cc.HOUSING)
_PARENT = Weighted(cc.PARENT)
_CAPTURE = Weighted(cc.CAPTURE_METHODS)


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def phone(rng: random.Random) -> str:
    """A fictional number (555-0100 to 555-0199 are reserved for fiction)."""
    return f"({_pick(rng, cc.AREA_CODES)}) 555-01{int(rng.random() * 100):02d}"


def _yes_no(rng: random.Random, yes: float, said: float) -> str:
    if rng.random() >= said:
        return ""
    return "yes" if rng.random() < yes else "no"


def profile(
    rng: random.Random, names: NamePool, *, preferred_name: str, identifier_code: str
) -> ProfilePlan:
    """The person's self-description; a code-only client stays pseudonymous and says little."""
    level = _IDENTIFICATION(rng) if preferred_name else "pseudonymous"
    first = preferred_name.split(" ")[0] if preferred_name else ""
    given = family = alias = ""
    if level == "identified":
        # Some go by a name that is not their legal one.
        given = first if rng.random() < 0.8 else names.first(rng)
        family = names.last(rng)
    elif level == "alias" and rng.random() < 0.35:
        alias = _pick(rng, _STREET_NAMES)
    birth_date: date | None = None
    birth_year: int | None = None
    known = rng.random()
    span = (_YOUNGEST - _OLDEST).days
    if known < (0.55 if level == "identified" else 0.15):
        birth_date = _OLDEST + timedelta(days=int(rng.random() * span))
    elif known < 0.6:
        birth_year = _OLDEST.year + int(rng.random() * (_YOUNGEST.year - _OLDEST.year + 1))
    gender = _GENDER(rng)
    pronouns = _pick(rng, cc.PRONOUNS[gender]) if rng.random() < 0.6 else ""
    contact = level != "pseudonymous" or rng.random() < 0.3
    number = phone(rng) if contact and rng.random() < 0.7 else ""
    email = ""
    if contact and rng.random() < 0.15:
        email = f"{(first or 'participant').lower().rstrip('.')}{int(rng.random() * 900) + 100}"
        email += "@example.org"
    notes = ""
    if number and rng.random() < 0.25:
        notes = _pick(rng, cc.CONTACT_NOTES).format(name=first or "Sam", day=_pick(rng, cat.DAYS))
    return ProfilePlan(
        identification=level,
        alias=alias,
        legal_given_name=given,
        legal_family_name=family,
        birth_date=birth_date,
        birth_year=birth_year,
        gender_identity=gender,
        pronouns=pronouns,
        indigenous_identity=_INDIGENOUS(rng),
        two_slgbtq=_TWO_SLGBTQ(rng),
        languages=_LANGUAGES(rng),
        rural_remote=_RURAL(rng),
        housing_status=_HOUSING(rng),
        parent_status=_PARENT(rng),
        phone=number,
        email=email,
        safe_to_text=_yes_no(rng, 0.8, 0.7) if number else "",
        safe_to_voicemail=_yes_no(rng, 0.4, 0.6) if number else "",
        safe_contact_time=_pick(rng, cc.SAFE_TIMES) if number and rng.random() < 0.4 else "",
        contact_notes=notes,
    )


def supports(rng: random.Random, names: NamePool) -> tuple[SupportPlan, ...]:
    """Zero to three people in the person's support network, one maybe the emergency
    contact."""
    count = (0, 0, 1, 1, 1, 2, 2, 3)[int(rng.random() * 8)]
    made: list[SupportPlan] = []
    emergency = rng.random() < 0.6
    for i in range(count):
        kind, relationship = _pick(rng, cc.SUPPORTS)
        name = names.first(rng)
        if rng.random() < 0.5:
            name += f" {names.last(rng)[0]}."
        may_contact = rng.random() < 0.6
        first_emergency = emergency and i == 0  # an emergency contact has a phone number
        made.append(
            SupportPlan(
                name=name,
                kind=kind,
                relationship=relationship,
                phone=phone(rng) if first_emergency or may_contact or rng.random() < 0.3 else "",
                is_emergency_contact=emergency and i == 0,
                may_be_contacted=may_contact,
            )
        )
    return tuple(made)


def captured(rng: random.Random, consent: ConsentPlan) -> ConsentPlan:
    """How the person gave this consent: signed on screen, out loud, or on paper. Sharing
    substance-use treatment information needs a signature (42 CFR Part 2), on screen or paper."""
    method = _CAPTURE(rng)
    if method == "verbal" and consent.decision == "permit" and PART2 in consent.data_classes:
        method = "signature" if rng.random() < 0.75 else "paper"
    note = _pick(rng, cc.PAPER_NOTES) if method == "paper" else ""
    return replace(consent, capture=method, note=note)


# --- A drawn signature ----------------------------------------------------------------------------


def _png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@cache
def signature_data_url() -> str:
    """A small PNG of a pen stroke, as a data URL: what the consent form stores when the person
    signs on screen. One for the whole demo keeps the database small."""
    width, height = 120, 36
    pixels = [bytearray(b"\xff" * width) for _ in range(height)]
    for x in range(8, width - 8):
        t = x / 9.0
        y = int(height / 2 + 9 * math.sin(t) * math.exp(-x / 160) + 3 * math.sin(3.1 * t))
        for dy in (0, 1):
            if 0 <= y + dy < height:
                pixels[y + dy][x] = 0x20
    png = _png(width, height, [bytes(row) for row in pixels])
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def capture_fields(consent: ConsentPlan, recorder_name: str) -> dict[str, str]:
    """The consent directive's capture columns for a planned consent."""
    if consent.capture == "signature":
        return {"capture_method": "signature", "signature": signature_data_url(), "attestation": ""}
    if consent.capture == "paper":
        return {"capture_method": "paper", "signature": "", "attestation": ""}
    return {
        "capture_method": "verbal",
        "signature": "",
        "attestation": f"{cc.ATTESTATION} — {recorder_name}",
    }
