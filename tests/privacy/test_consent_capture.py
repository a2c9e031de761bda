"""How the person gave their consent: a signature drawn on screen, the worker's attestation, or
a paper form on file. Bad evidence is refused with the field named, and nothing is written."""

from __future__ import annotations

import base64
import random
import struct
import zlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.clients.models import Client
from carecircle.privacy.models import (
    AuditEvent,
    ConsentCapture,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.services import (
    SIGNATURE_MAX_BYTES,
    consent_record,
    png_problem,
    signature_problem,
)
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(width: int = 60, height: int = 20, *, pixels: bytes | None = None) -> bytes:
    """A real RGBA PNG, built by hand (the standard library has no PNG encoder)."""
    raw = pixels
    if raw is None:
        raw = b"".join(b"\x00" + b"\xff\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def png_data_url(data: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(data or png_bytes()).decode()


def _record(town: Riverbend, client: Client, **kwargs: Any) -> ConsentDirective:
    arguments: dict[str, Any] = {
        "decision": "permit",
        "data_classes": [DataClass.HEALTH],
        "purposes": [CARE],
        "recipient_organizations": [town.housing],
    }
    arguments.update(kwargs)
    return consent_record(actor=town.actor("alice"), person=client.person, **arguments)


# --- the PNG check (pure) -----------------------------------------------------------------------


def test_a_sound_png_passes() -> None:
    assert png_problem(png_bytes()) is None
    assert signature_problem(png_data_url()) is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"GIF89a" + b"\x00" * 40, "not a PNG file"),
        (png_bytes()[:-12], "truncated"),
        (png_bytes()[:40], "truncated"),
        (png_bytes() + b"trailing", "data after the end"),
        (png_bytes(0, 10), "image size out of range"),
        (png_bytes(5000, 1, pixels=b"\x00" + b"\x00" * 20000), "image size out of range"),
    ],
)
def test_a_broken_png_is_named(data: bytes, problem: str) -> None:
    assert png_problem(data) == problem


def test_a_flipped_byte_breaks_the_chunk_checksum() -> None:
    data = bytearray(png_bytes())
    data[40] ^= 0xFF  # inside the image data
    assert png_problem(bytes(data)) == "corrupt chunk"


def test_image_data_larger_than_the_header_says_is_refused() -> None:
    # A 1x1 header over a megabyte of zeros: the shape of a decompression bomb.
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1_000_000))
        + _chunk(b"IEND", b"")
    )
    assert len(bomb) < 5000
    assert png_problem(bomb) == "image data larger than its header says"


def test_image_data_shorter_than_the_header_says_is_refused() -> None:
    short = png_bytes(60, 20, pixels=b"\x00" * 10)
    assert png_problem(short) == "incomplete image data"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_pass_or_crash(data: bytes) -> None:
    assert png_problem(data) is not None
    assert png_problem(b"\x89PNG\r\n\x1a\n" + data) is not None


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=8, max_value=400), st.integers(min_value=0))
def test_any_single_byte_change_after_the_magic_is_caught(position: int, flip: int) -> None:
    data = bytearray(png_bytes(30, 10))
    position %= len(data)
    if position < 8:
        position += 8
    data[position] ^= (flip % 255) + 1
    assert png_problem(bytes(data)) is not None


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64,/9j/4AAQ",
        "https://example.org/sig.png",
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(),
    ],
)
def test_a_signature_that_is_not_a_png_data_url_is_refused(signature: str) -> None:
    assert signature_problem(signature) is not None


def test_a_decompression_bomb_is_refused_without_inflating_it() -> None:
    """130 KB that would inflate to 134 MB (4096 x 4096 pixels of 16-bit RGBA)."""
    import tracemalloc

    width = height = 4096
    row = b"\x00" * (width * 8 + 1)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
    tracemalloc.start()
    try:
        assert png_problem(bomb) == "image too large"
        assert tracemalloc.get_traced_memory()[1] < 8 * 1024 * 1024
    finally:
        tracemalloc.stop()


def test_an_oversized_signature_is_refused() -> None:
    # Noise does not compress: a real 300x300 PNG of it is well over the limit.
    noise = random.Random(4).randbytes(300 * (1 + 300 * 4))
    big = png_bytes(300, 300, pixels=noise)
    assert png_problem(big) is None
    assert len(big) > SIGNATURE_MAX_BYTES
    problem = signature_problem(png_data_url(big))
    assert problem is not None
    assert "too large" in problem
    # Refused before decoding, however long the text.
    problem = signature_problem("data:image/png;base64," + "A" * (SIGNATURE_MAX_BYTES * 2))
    assert problem is not None
    assert "too large" in problem


# --- consent_record with capture ----------------------------------------------------------------


def test_a_signed_consent_keeps_the_signature(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    signature = png_data_url()
    consent = _record(
        riverbend, sam, capture_method=ConsentCapture.SIGNATURE, signature=signature, note="Desk"
    )
    consent.refresh_from_db()
    assert (consent.capture_method, consent.signature, consent.note) == (
        "signature",
        signature,
        "Desk",
    )
    assert consent.attestation == ""


def test_a_verbal_consent_needs_the_workers_attestation(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        _record(riverbend, sam, capture_method=ConsentCapture.VERBAL, attestation="  ")
    assert "attestation" in refused.value.message_dict
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.count() == audit_before

    consent = _record(
        riverbend,
        sam,
        capture_method=ConsentCapture.VERBAL,
        attestation="Alice read it aloud; Sam agreed.",
    )
    assert consent.attestation == "Alice read it aloud; Sam agreed."


def test_a_paper_consent_needs_no_drawing(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = _record(riverbend, sam, capture_method=ConsentCapture.PAPER)
    assert consent.capture_method == "paper"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"capture_method": "telepathy"}, "capture_method"),
        ({"capture_method": ConsentCapture.SIGNATURE}, "signature"),
        (
            {"capture_method": ConsentCapture.SIGNATURE, "signature": "data:image/png;base64,AAAA"},
            "signature",
        ),
        (
            {"capture_method": ConsentCapture.PAPER, "signature": png_data_url()},
            "signature",
        ),
        ({"capture_method": ConsentCapture.PAPER, "note": "x" * 301}, "note"),
        ({"capture_method": ConsentCapture.VERBAL, "attestation": "x" * 2001}, "attestation"),
    ],
)
def test_bad_capture_names_the_field_and_writes_nothing(
    riverbend: Riverbend, kwargs: dict[str, Any], field: str
) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        _record(riverbend, sam, **kwargs)
    assert field in refused.value.message_dict
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_sharing_part2_records_needs_a_signature_not_a_spoken_yes(riverbend: Riverbend) -> None:
    # 42 CFR 2.31: a Part 2 consent is signed (on screen or on paper).
    sam = riverbend.client_record(name="Sam", classes=[])
    with pytest.raises(ValidationError) as refused:
        _record(
            riverbend,
            sam,
            data_classes=[DataClass.SUBSTANCE_USE],
            recipient_organizations=[riverbend.clinic],
            capture_method=ConsentCapture.VERBAL,
            attestation="Alice read it aloud; Sam agreed.",
        )
    assert "42 CFR Part 2" in refused.value.message_dict["capture_method"][0]
    assert not ConsentDirective.objects.exists()
    # A spoken refusal is fine, and so is a signature.
    _record(
        riverbend,
        sam,
        decision="deny",
        data_classes=[DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.police],
        capture_method=ConsentCapture.VERBAL,
        attestation="Alice read it aloud; Sam said no.",
    )
    _record(
        riverbend,
        sam,
        data_classes=[DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.clinic],
        capture_method=ConsentCapture.SIGNATURE,
        signature=png_data_url(),
    )
    assert ConsentDirective.objects.count() == 2


def test_callers_from_before_capture_still_record(riverbend: Riverbend) -> None:
    # Demo data and imports call without capture; the directive shows "not recorded".
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = _record(riverbend, sam, data_classes=[DataClass.SUBSTANCE_USE])
    assert (consent.capture_method, consent.attestation, consent.signature) == ("verbal", "", "")
