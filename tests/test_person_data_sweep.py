"""No page and no API answer shows a kind of information the policy withholds from the reader.

Every client, care-plan, note, consent and referral page (read from the URL resolver) and every
GET operation of the clients and referrals API (read from the Ninja API) is fetched by every
persona, for a record whose pieces of information each carry a marker of their data class. For
each persona the policy is asked which classes it may see; the marker of every other class
must appear nowhere in any answer. New pages and operations are swept without anyone
remembering to add them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.clients.models import CarePlanGoal, ClientEntry
from carecircle.privacy import policy
from carecircle.privacy.models import DataClass, Purpose
from carecircle.privacy.services import care_team_add, consent_record
from tests.fixtures import PERSONAS, Riverbend, riverbend
from tests.test_url_authorization import operations, pages

__all__ = ["riverbend"]

SWEPT_NAMESPACES = ("clients", "referrals", "privacy")
SWEPT_API = ("/api/clients", "/api/referrals")
PROTECTED = [c for c in DataClass.values if c != DataClass.GENERAL]


def marker(data_class: str, kind: str) -> str:
    return f"zz-{kind}-{data_class.replace('_', '')}-secret"


@pytest.fixture
def record(riverbend: Riverbend) -> dict[str, Any]:
    """Sam, held by the ED: a note and a care-plan goal of every class; on the care team, the
    clinic and housing; the person consents to share general and substance-use information
    with the clinic (for a referral) and health information with housing. Nothing names the
    police."""
    town = riverbend
    alice = town.actor("alice")
    sam = town.client_record(name="Sam Sweep", classes=[])
    for data_class in DataClass.values:
        ClientEntry.objects.create(
            client=sam,
            data_class=data_class,
            organization=alice.organization,
            author_id=alice.user_id,
            body=marker(data_class, "note"),
        )
        CarePlanGoal.objects.create(
            client=sam,
            domain="health",
            own_words=marker(data_class, "goal"),
            data_class=data_class,
            organization=alice.organization,
            author_id=alice.user_id,
        )
    care_team_add(actor=alice, person=sam.person, organization=town.clinic)
    care_team_add(actor=alice, person=sam.person, organization=town.housing)
    consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[town.clinic],
        capture_method="signature",
        signature=_signature(),
    )
    consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[town.housing],
    )
    from carecircle.referrals.services import referral_create

    referral = referral_create(
        actor=alice,
        client=sam,
        receiving_organization=town.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        purpose=Purpose.TREATMENT,
        reason=marker(DataClass.SUBSTANCE_USE, "referral"),
        handoff_notes=marker(DataClass.SUBSTANCE_USE, "handoff"),
    )
    return {"client": sam, "referral": referral}


def _signature() -> str:
    import base64
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xff\xff\xff\xff" * 40 for _ in range(10))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 10, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _urls(record: dict[str, Any]) -> list[str]:
    client, referral = record["client"], record["referral"]
    ids = {
        "client_id": client.pk,
        "person_id": client.person_id,
        "referral_id": referral.pk,
        "consent_id": referral.consent_id,
    }
    urls = []
    for page in pages():
        if page.name.split(":")[0] not in SWEPT_NAMESPACES:
            continue
        if any(a not in ids for a in page.arguments):
            continue
        urls.append(reverse(page.name, kwargs={a: ids[a] for a in page.arguments}))
    for operation in operations():
        if operation.method != "GET" or not operation.path.startswith(SWEPT_API):
            continue
        path = operation.path
        for name, value in ids.items():
            # Path parameters may carry a converter: {client_id}, {int:client_id}, ...
            path = re.sub(r"\{(\w+:)?" + name + r"\}", str(value), path)
        if "{" not in path:
            urls.append(path)
    # The inbox's other box, the new-referral page for this person, every inbox in the API.
    urls.append(reverse("referrals:inbox") + "?box=outgoing")
    urls.append(reverse("referrals:create") + f"?client={client.pk}")
    urls.append("/api/referrals/inbox?box=outgoing&status=all")
    urls.append("/api/referrals/inbox?box=incoming&status=all")
    return sorted(set(urls))


def test_no_answer_shows_a_class_the_policy_withholds(
    riverbend: Riverbend, record: dict[str, Any]
) -> None:
    urls = _urls(record)
    assert len(urls) >= 12, urls
    person = record["client"].person
    for username in PERSONAS:
        actor = riverbend.actor(username)
        allowed = {
            c
            for c in PROTECTED
            if any(
                policy.evaluate(actor=actor, person=person, data_class=c, purpose=p).permitted
                for p in (Purpose.TREATMENT, Purpose.CARE_COORDINATION)
            )
        }
        browser: HttpClient = riverbend.http(username)
        for url in urls:
            response = browser.get(url)
            assert response.status_code < 500, (username, url)
            body = response.content.decode(errors="replace")
            for data_class in set(PROTECTED) - allowed:
                for kind in ("note", "goal", "referral", "handoff"):
                    assert marker(data_class, kind) not in body, (username, url, data_class)


def test_the_sweep_can_see_a_leak(riverbend: Riverbend, record: dict[str, Any]) -> None:
    """The markers do show where the policy permits: alice's own record shows every class."""
    body = riverbend.http("alice").get(
        reverse("clients:detail", kwargs={"client_id": record["client"].pk})
    )
    text = body.content.decode()
    for data_class in DataClass.values:
        if data_class in {DataClass.GENERAL, DataClass.HEALTH, DataClass.SUBSTANCE_USE}:
            assert marker(data_class, "note") in text
    referral = riverbend.http("alice").get(
        reverse("referrals:detail", kwargs={"referral_id": record["referral"].pk})
    )
    assert marker(DataClass.SUBSTANCE_USE, "referral") in referral.content.decode()
