"""Regression tests for the privacy-core review: each names the hole it keeps shut.

Consent is kept by the organization holding the record, never by those it discloses to;
police never learn that a refusal exists; breaking the glass is for treatment only; the
accounting and the client page do not leak Part 2 information; the audit chain check neither
cries wolf over rows appended while it runs nor misses a trail cut back head and all; and
production refuses to run without MFA or a separate audit key.
"""

from __future__ import annotations

import os
import runpy
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

import carecircle.settings
from carecircle.cli import cli
from carecircle.clients.models import Client, ClientEntry
from carecircle.partners.models import Role, Sector
from carecircle.partners.services import token_create
from carecircle.privacy import audit, chain, policy, selectors
from carecircle.privacy.audit import audit_append, audit_count, audit_verify
from carecircle.privacy.models import (
    PROTECTED_FROM_JUSTICE,
    REASON_TEXT,
    AuditAction,
    AuditChainHead,
    AuditEvent,
    ConsentDirective,
    DataClass,
    Person,
    Purpose,
)
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision, Reason
from carecircle.privacy.selectors import person_read
from carecircle.privacy.services import (
    care_team_add,
    consent_record,
    consent_revoke,
    emergency_access_grant,
    person_create,
)
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION
TREAT = Purpose.TREATMENT
CLINIC_NAME = "Riverbend MOUD Clinic"


def permit(
    town: Riverbend, username: str, person: Person, classes: list[str], **recipients: Any
) -> ConsentDirective:
    return consent_record(
        actor=town.actor(username),
        person=person,
        decision="permit",
        data_classes=classes,
        purposes=[CARE, TREAT],
        **recipients,
    )


def detail_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"client_id": client.pk})


def consents_url(person_id: object) -> str:
    return reverse("privacy:consents", kwargs={"person_id": person_id})


def ask(
    town: Riverbend, username: str, person: Person, data_class: str, purpose: str = CARE
) -> Decision:
    return policy.evaluate(
        actor=town.actor(username), person=person, data_class=data_class, purpose=purpose
    )


# --- 1. consent is recorded by the organization holding the record ---------------------------


def test_a_care_team_organization_cannot_record_consent(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    care_team_add(actor=riverbend.actor("alice"), person=person, organization=riverbend.housing)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        permit(
            riverbend,
            "hana",
            person,
            [DataClass.SUBSTANCE_USE],
            recipient_organizations=[riverbend.housing],
        )
    # Nor for someone else: a care-team member does not speak for the person.
    with pytest.raises(PermissionDenied):
        permit(
            riverbend, "hana", person, [DataClass.HEALTH], recipient_organizations=[riverbend.peer]
        )
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.count() == before


def test_an_organization_with_no_tie_to_the_person_cannot_record_consent(
    riverbend: Riverbend,
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(PermissionDenied):
        permit(riverbend, "pat", person, [DataClass.HEALTH], recipient_organizations=[riverbend.ed])
    assert not ConsentDirective.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.COORDINATOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
        Role.PEER_WORKER,
        Role.OUTREACH_WORKER,
        Role.INTAKE_VOLUNTEER,
    ],
)
def test_roles_that_meet_the_person_record_consent_for_their_organization(
    riverbend: Riverbend, role: str
) -> None:
    riverbend.member("kim", "ed", role)
    person = person_create(actor=riverbend.actor("alice"))
    consent = permit(
        riverbend, "kim", person, [DataClass.GENERAL], recipient_organizations=[riverbend.housing]
    )
    assert consent.recorded_for == riverbend.ed
    assert consent.recorded_by_id == riverbend.actor("kim").user_id


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORG_ADMIN])
def test_analysts_and_admins_do_not_record_consent(riverbend: Riverbend, role: str) -> None:
    riverbend.member("kim", "ed", role)
    person = person_create(actor=riverbend.actor("alice"))
    with pytest.raises(PermissionDenied):
        permit(
            riverbend,
            "kim",
            person,
            [DataClass.GENERAL],
            recipient_organizations=[riverbend.housing],
        )
    assert not ConsentDirective.objects.exists()


def _refused_on_recipients(call: Any) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert "recipients" in caught.value.message_dict
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.count() == before


# Naming itself adds nothing to a record an organization holds, except for police and justice,
# from whom the policy withholds even their own record's protected classes: so they may not
# name themselves in any way (the code leaves other sectors free to, e.g. an ED's consent for
# every emergency department).


def test_a_police_permit_may_not_name_the_police_service(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("lee"))
    _refused_on_recipients(
        lambda: permit(
            riverbend,
            "lee",
            person,
            [DataClass.HARM_REDUCTION],
            recipient_organizations=[riverbend.police],
        )
    )
    # Named beside another organization, it is still refused as a whole.
    _refused_on_recipients(
        lambda: permit(
            riverbend,
            "lee",
            person,
            [DataClass.HARM_REDUCTION],
            recipient_organizations=[riverbend.housing, riverbend.police],
        )
    )


def test_a_police_permit_may_not_name_the_police_sector(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("lee"))
    _refused_on_recipients(
        lambda: permit(
            riverbend,
            "lee",
            person,
            [DataClass.HARM_REDUCTION],
            recipient_sectors=[Sector.POLICE_JUSTICE],
        )
    )


def test_a_police_permit_to_the_care_team_may_not_include_the_police_on_it(
    riverbend: Riverbend,
) -> None:
    lee = riverbend.actor("lee")
    person = person_create(actor=lee)
    care_team_add(actor=lee, person=person, organization=riverbend.police)
    _refused_on_recipients(
        lambda: permit(
            riverbend, "lee", person, [DataClass.HARM_REDUCTION], recipient_care_team=True
        )
    )
    assert not ask(riverbend, "lee", person, DataClass.HARM_REDUCTION, TREAT)


def test_police_may_still_consent_on_the_persons_behalf_to_others(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("lee"))
    consent = permit(
        riverbend,
        "lee",
        person,
        [DataClass.HARM_REDUCTION],
        recipient_organizations=[riverbend.peer],
    )
    assert ask(riverbend, "pat", person, DataClass.HARM_REDUCTION, TREAT).consent_id == str(
        consent.pk
    )


def test_a_permit_to_the_care_team_is_fine_when_the_recorder_is_not_on_it(
    riverbend: Riverbend,
) -> None:
    alice = riverbend.actor("alice")
    person = person_create(actor=alice)
    care_team_add(actor=alice, person=person, organization=riverbend.peer)
    consent = permit(
        riverbend, "alice", person, [DataClass.SUBSTANCE_USE], recipient_care_team=True
    )
    assert consent.recipient_care_team
    assert ask(riverbend, "pat", person, DataClass.SUBSTANCE_USE, TREAT).basis == Basis.CONSENT


def test_police_on_the_care_team_cannot_post_a_consent_naming_themselves(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam")
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.police)
    lee = riverbend.http("lee")
    response = lee.post(
        consents_url(sam.person_id),
        {
            "decision": "permit",
            "data_classes": [DataClass.HARM_REDUCTION],
            "recipient_organizations": [riverbend.police.pk],
            "purposes": [CARE, TREAT],
        },
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):  # nor by calling the service directly
        permit(
            riverbend,
            "lee",
            sam.person,
            [DataClass.HARM_REDUCTION],
            recipient_organizations=[riverbend.police],
        )
    assert not ConsentDirective.objects.exists()
    page = lee.get(detail_url(sam))
    assert page.status_code == 200
    assert "general entry about Sam" in page.content.decode()
    assert "harm_reduction entry about Sam" not in page.content.decode()
    assert not ask(riverbend, "lee", sam.person, DataClass.HARM_REDUCTION, TREAT)


# --- 2. revocation by the owning organization only ---------------------------------------------


def test_only_the_owning_organization_revokes(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    person = person_create(actor=alice)
    care_team_add(actor=alice, person=person, organization=riverbend.housing)
    consent = permit(riverbend, "alice", person, [DataClass.HEALTH], recipient_care_team=True)
    for username in ("hana", "pat", "lee"):  # on the care team, unrelated, police
        with pytest.raises(PermissionDenied):
            consent_revoke(
                actor=riverbend.actor(username), consent=consent, reason="Not mine to revoke."
            )
    consent.refresh_from_db()
    assert consent.revoked_at is None
    revoked = consent_revoke(actor=alice, consent=consent, reason="Sam asked us to.")
    assert revoked.revoked_at is not None


def test_a_care_team_member_cannot_revoke_through_the_page(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    # A refusal Sam gave about the housing service: the service must not lift it.
    refusal = consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="deny",
        data_classes=[DataClass.HEALTH],
        purposes=[CARE, TREAT],
        recipient_organizations=[riverbend.housing],
    )
    url = reverse("privacy:consent_revoke", kwargs={"consent_id": refusal.pk})
    response = riverbend.http("hana").post(url, {"reason": "It gets in our way."})
    assert response.status_code == 403
    refusal.refresh_from_db()
    assert refusal.revoked_at is None
    assert not ask(riverbend, "hana", sam.person, DataClass.HEALTH)


# --- 3. the consent page is the owning organization's --------------------------------------------


@pytest.fixture
def sam_with_directives(riverbend: Riverbend) -> Client:
    """Sam, held by the ED, with police and the peer network on the care team and a consent
    naming the MOUD clinic for substance-use data."""
    sam = riverbend.client_record(name="Sam")
    alice = riverbend.actor("alice")
    care_team_add(actor=alice, person=sam.person, organization=riverbend.peer)
    care_team_add(actor=alice, person=sam.person, organization=riverbend.police)
    permit(
        riverbend,
        "alice",
        sam.person,
        [DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.clinic],
    )
    return sam


@pytest.mark.parametrize("username", ["pat", "lee"])
def test_care_team_members_do_not_get_the_consent_page(
    riverbend: Riverbend, sam_with_directives: Client, username: str
) -> None:
    browser = riverbend.http(username)
    assert browser.get(detail_url(sam_with_directives)).status_code == 200
    refused = browser.get(consents_url(sam_with_directives.person_id))
    assert refused.status_code == 403
    assert CLINIC_NAME not in refused.content.decode()
    with pytest.raises(PermissionDenied):
        selectors.consent_list(
            actor=riverbend.actor(username), person=sam_with_directives.person, purpose=CARE
        )


@pytest.mark.parametrize("username", ["pat", "lee"])
def test_the_client_page_does_not_show_the_care_team_a_directives_recipients(
    riverbend: Riverbend, sam_with_directives: Client, username: str
) -> None:
    page = riverbend.http(username).get(detail_url(sam_with_directives)).content.decode()
    assert CLINIC_NAME not in page
    assert consents_url(sam_with_directives.person_id) not in page


def test_the_owning_organization_keeps_the_consent_page(
    riverbend: Riverbend, sam_with_directives: Client
) -> None:
    page = riverbend.http("alice").get(consents_url(sam_with_directives.person_id))
    assert page.status_code == 200
    assert CLINIC_NAME in page.content.decode()
    directives = selectors.consent_list(
        actor=riverbend.actor("alice"), person=sam_with_directives.person, purpose=CARE
    )
    assert [list(d.recipient_organizations.all()) for d in directives] == [[riverbend.clinic]]


# --- 6. police are never told that a refusal exists -----------------------------------------


@pytest.fixture
def sam_refusing_police(riverbend: Riverbend) -> Client:
    sam = riverbend.client_record(name="Sam")
    alice = riverbend.actor("alice")
    care_team_add(actor=alice, person=sam.person, organization=riverbend.police)
    consent_record(
        actor=alice,
        person=sam.person,
        decision="deny",
        data_classes=DataClass.values,
        purposes=Purpose.values,
        recipient_organizations=[riverbend.police],
        recipient_sectors=[Sector.POLICE_JUSTICE],
        recipient_care_team=True,
    )
    return sam


def test_a_refusal_looks_like_any_other_police_denial_to_the_policy(
    riverbend: Riverbend, sam_refusing_police: Client
) -> None:
    riverbend.member("val", "police", Role.CASE_MANAGER)
    for data_class in sorted(PROTECTED_FROM_JUSTICE):
        for username in ("lee", "val"):
            decision = ask(riverbend, username, sam_refusing_police.person, data_class, TREAT)
            assert not decision
            if decision.code != Reason.ROLE_CEILING:
                assert decision.code == Reason.POLICE_NEED_NAMED_CONSENT, (username, data_class)
                assert "refused" not in decision.reason


def test_the_page_and_the_api_never_tell_police_about_a_refusal(riverbend: Riverbend) -> None:
    riverbend.member("val", "police", Role.CASE_MANAGER)
    # Sam refuses the protected classes to police; who Sam is stays visible to the care team.
    sam = riverbend.client_record(name="Sam")
    alice = riverbend.actor("alice")
    care_team_add(actor=alice, person=sam.person, organization=riverbend.police)
    consent_record(
        actor=alice,
        person=sam.person,
        decision="deny",
        data_classes=sorted(PROTECTED_FROM_JUSTICE),
        purposes=Purpose.values,
        recipient_organizations=[riverbend.police],
    )
    refused_text = str(REASON_TEXT["refused"])
    police_text = str(REASON_TEXT["police_need_named_consent"])
    page = riverbend.http("val").get(detail_url(sam))
    assert page.status_code == 200
    body = page.content.decode()
    assert refused_text not in body
    assert police_text in body
    _token, secret = token_create(user=riverbend.users["val"])
    api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    withheld = api.get(f"/api/clients/{sam.pk}").json()["withheld"]
    # A case manager's role covers health, mental health and harm reduction, so only the
    # police rule (not the role ceiling) speaks for those.
    for data_class in PROTECTED_FROM_JUSTICE & ROLE_CLASSES[Role.CASE_MANAGER]:
        assert "refused" not in withheld[data_class]
        assert "police and justice" in withheld[data_class]


# --- 7. breaking the glass is for treatment only ---------------------------------------------


def test_emergency_access_gives_no_basis_for_research_or_operations(riverbend: Riverbend) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    emergency_access_grant(
        actor=riverbend.actor("hana"), person=person, reason="Found unresponsive at the shelter."
    )
    assert ask(riverbend, "hana", person, DataClass.HEALTH, TREAT).basis == Basis.EMERGENCY
    for purpose in (Purpose.RESEARCH, Purpose.PAYMENT_OPERATIONS):
        decision = ask(riverbend, "hana", person, DataClass.HEALTH, purpose)
        assert not decision, purpose
        assert decision.basis != Basis.EMERGENCY


def test_emergency_access_does_not_override_a_refusal_for_research(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    person = person_create(actor=alice)
    consent_record(
        actor=alice,
        person=person,
        decision="deny",
        data_classes=[DataClass.HEALTH],
        purposes=Purpose.values,
        recipient_organizations=[riverbend.housing],
    )
    emergency_access_grant(
        actor=riverbend.actor("hana"), person=person, reason="Found unresponsive at the shelter."
    )
    assert ask(riverbend, "hana", person, DataClass.HEALTH, TREAT).basis == Basis.EMERGENCY
    assert not ask(riverbend, "hana", person, DataClass.HEALTH, Purpose.RESEARCH)


# --- 8. the accounting a police service gives ---------------------------------------------------


def _read_everything(town: Riverbend, username: str, person: Person) -> None:
    person_read(
        actor=town.actor(username), person=person, data_classes=DataClass.values, purpose=TREAT
    )


def test_the_accounting_of_a_police_held_record_lists_no_protected_class(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(owner="lee", name="Sam")
    riverbend.member("cleo", "clinic", Role.CLINICIAN)
    permit(
        riverbend, "lee", sam.person, DataClass.values, recipient_organizations=[riverbend.clinic]
    )
    permit(
        riverbend, "lee", sam.person, DataClass.values, recipient_organizations=[riverbend.housing]
    )
    _read_everything(riverbend, "cleo", sam.person)
    _read_everything(riverbend, "hana", sam.person)
    # The reads happened: protected classes were disclosed to the clinic and housing.
    disclosed = set(
        AuditEvent.objects.filter(person_id=sam.person_id, permitted=True, action=AuditAction.READ)
        .exclude(organization_id=riverbend.police.pk)
        .values_list("data_class", flat=True)
    )
    assert disclosed & PROTECTED_FROM_JUSTICE == PROTECTED_FROM_JUSTICE

    events = list(selectors.disclosure_list(actor=riverbend.actor("lee"), person=sam.person))
    listed = {e.data_class for e in events}
    assert DataClass.GENERAL in listed
    assert DataClass.JUSTICE in listed  # hana's role sees justice data
    assert not listed & PROTECTED_FROM_JUSTICE

    url = reverse("privacy:disclosures", kwargs={"person_id": sam.person_id})
    csv = riverbend.http("lee").get(url, {"format": "csv"}).content.decode()
    rows = [line.split(",") for line in csv.splitlines()[1:]]
    assert rows
    assert not {row[5] for row in rows} & PROTECTED_FROM_JUSTICE


def test_the_accounting_of_a_health_record_still_lists_protected_classes(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam")
    permit(
        riverbend,
        "alice",
        sam.person,
        [DataClass.HEALTH],
        recipient_organizations=[riverbend.housing],
    )
    _read_everything(riverbend, "hana", sam.person)
    events = selectors.disclosure_list(actor=riverbend.actor("alice"), person=sam.person)
    assert DataClass.HEALTH in {e.data_class for e in events}


# --- 9. being known to a treatment program is Part 2 information -----------------------------


@pytest.fixture
def clinic_client(riverbend: Riverbend) -> Client:
    """Sam, held by the MOUD clinic, with housing and the peer network on the care team; the
    peer network may see substance-use data by Sam's consent, housing may not."""
    sam = riverbend.client_record(owner="carlos", name="Sam")
    carlos = riverbend.actor("carlos")
    care_team_add(actor=carlos, person=sam.person, organization=riverbend.housing)
    care_team_add(actor=carlos, person=sam.person, organization=riverbend.peer)
    permit(
        riverbend,
        "carlos",
        sam.person,
        [DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.peer],
    )
    return sam


def test_a_reader_without_substance_use_access_is_not_told_the_clinic_holds_the_record(
    riverbend: Riverbend, clinic_client: Client
) -> None:
    assert not ask(riverbend, "hana", clinic_client.person, DataClass.SUBSTANCE_USE)
    page = riverbend.http("hana").get(detail_url(clinic_client))
    assert page.status_code == 200
    body = page.content.decode()
    assert "health entry about Sam" in body  # the page does show entries...
    assert CLINIC_NAME not in body  # ...but not who wrote them or who holds the record
    # Nor a stand-in ("a partner organization") that would itself say "a clinic".
    assert "a partner organization" not in body
    assert "Record held by" not in body


def test_the_api_does_not_tell_such_a_reader_the_clinics_name(
    riverbend: Riverbend, clinic_client: Client
) -> None:
    _token, secret = token_create(user=riverbend.hana)
    api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    response = api.get(f"/api/clients/{clinic_client.pk}")
    assert response.status_code == 200
    assert CLINIC_NAME not in response.content.decode()
    entries = response.json()["entries"]
    assert entries
    assert {e["organization"] for e in entries} == {""}


def test_a_reader_permitted_substance_use_sees_the_clinics_name(riverbend: Riverbend) -> None:
    """Sam is held by the ED; the clinic and the peer network are on the care team; the peer
    network may see substance-use information by Sam's consent, so it is told of the clinic."""
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.actor("alice")
    care_team_add(actor=alice, person=sam.person, organization=riverbend.clinic)
    care_team_add(actor=alice, person=sam.person, organization=riverbend.peer)
    permit(
        riverbend,
        "alice",
        sam.person,
        [DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.peer],
    )
    carlos = riverbend.actor("carlos")
    ClientEntry.objects.create(
        client=sam,
        data_class=DataClass.GENERAL,
        organization=carlos.organization,
        author_id=carlos.user_id,
        body="Came by the clinic front desk.",
    )
    assert ask(riverbend, "pat", sam.person, DataClass.SUBSTANCE_USE, TREAT).permitted
    team = riverbend.http("pat").get(reverse("clients:care_team", kwargs={"client_id": sam.pk}))
    assert CLINIC_NAME in team.content.decode()
    _token, secret = token_create(user=riverbend.pat)
    api = HttpClient(headers={"Authorization": f"Bearer {secret}", "X-Purpose-Of-Use": TREAT})
    entries = api.get(f"/api/clients/{sam.pk}").json()["entries"]
    assert {e["organization"] for e in entries} == {CLINIC_NAME}


def test_the_holder_is_named_only_to_readers_who_may_know_every_class_a_holder_can_imply(
    riverbend: Riverbend,
) -> None:
    """Naming some holders and not others would make "not named" mean "a clinic"."""
    sam = riverbend.client_record(name="Sam")
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    body = riverbend.http("hana").get(detail_url(sam)).content.decode()
    assert riverbend.ed.name not in body
    assert "Record held by" not in body
    own = riverbend.http("alice").get(detail_url(sam)).content.decode()
    assert f"Record held by {riverbend.ed.name}." in own


# --- 10. verifying the audit chain --------------------------------------------------------------

KEY = b"review-test-key"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _chain(length: int, key: bytes = KEY) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    prev = chain.GENESIS
    for seq in range(1, length + 1):
        row: dict[str, Any] = {
            "seq": seq,
            "occurred_at": T0 + timedelta(seconds=seq),
            "actor_username": f"user{seq}",
            "action": "read",
            "permitted": True,
            "prev_hash": prev,
        }
        row["hash"] = chain.row_hash(key, prev, row)
        prev = row["hash"]
        rows.append(row)
    return rows


def _head_at(rows: Sequence[Mapping[str, Any]], seq: int) -> dict[str, Any]:
    last_hash = rows[seq - 1]["hash"] if seq else chain.GENESIS
    return {
        "head_seq": seq,
        "head_hash": last_hash,
        "head_mac_value": chain.head_mac(KEY, seq, str(last_hash)),
    }


def test_rows_chained_after_the_head_was_read_are_not_reported() -> None:
    rows = _chain(6)
    assert chain.verify(KEY, rows, **_head_at(rows, 4)) == []
    assert chain.verify(KEY, rows, **_head_at(rows, 0)) == []


def test_a_forged_row_beyond_the_head_is_reported_as_inserted() -> None:
    rows = _chain(5)
    forged = {**rows[4], "hash": "f" * 64}
    problems = chain.verify(KEY, [*rows[:4], forged], **_head_at(rows, 4))
    assert [(p.seq, p.kind) for p in problems] == [(5, "inserted")]
    # Signed with another key: just as forged.
    other = _chain(5, key=b"someone-elses-key")
    problems = chain.verify(KEY, [*rows[:4], other[4]], **_head_at(rows, 4))
    assert [(p.seq, p.kind) for p in problems] == [(5, "inserted")]


def test_a_continuation_that_skips_a_row_beyond_the_head_is_reported() -> None:
    rows = _chain(6)
    problems = chain.verify(KEY, [*rows[:4], rows[5]], **_head_at(rows, 4))
    assert problems
    assert problems[0].seq == 6


def test_rows_appended_while_verify_runs_are_not_reported(
    riverbend: Riverbend, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = person_create(actor=riverbend.actor("alice"))
    assert audit_verify() == []
    reading = audit._rows

    def rows_after_a_concurrent_append() -> Iterator[dict[str, Any]]:
        # The head was read already; a request appends before the rows are read.
        person_read(
            actor=riverbend.actor("alice"),
            person=person,
            data_classes=[DataClass.GENERAL, DataClass.HEALTH],
            purpose=TREAT,
        )
        yield from reading()

    before = audit_count()
    monkeypatch.setattr(audit, "_rows", rows_after_a_concurrent_append)
    assert audit_verify() == []
    assert audit_count() == before + 2


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def test_a_trail_with_its_head_and_rows_deleted_reports_a_problem(riverbend: Riverbend) -> None:
    person_create(actor=riverbend.actor("alice"))
    assert audit_verify() == []
    _sql("DELETE FROM privacy_auditevent")
    _sql("DELETE FROM privacy_auditchainhead")
    assert not AuditChainHead.objects.exists()
    problems = audit_verify()
    assert problems
    assert problems[0].kind == "head"


def test_a_trail_with_only_its_head_deleted_reports_a_problem(riverbend: Riverbend) -> None:
    person_create(actor=riverbend.actor("alice"))
    _sql("DELETE FROM privacy_auditchainhead")
    assert audit_verify()


def test_the_migrations_create_the_chain_head(db: None) -> None:
    assert AuditChainHead.objects.filter(pk=1).exists()


def test_audit_verify_at_least_fails_when_the_chain_is_shorter(riverbend: Riverbend) -> None:
    audit_append(actor=riverbend.actor("alice"), action=AuditAction.WRITE, permitted=True)
    rows = audit_count()
    assert rows >= 1
    ok = CliRunner().invoke(cli, ["audit", "verify", "--at-least", str(rows)])
    assert ok.exit_code == 0, ok.output
    short = CliRunner().invoke(cli, ["audit", "verify", "--at-least", str(rows + 5)])
    assert short.exit_code == 1
    assert "FAIL" in short.stderr
    assert str(rows + 5) in short.stderr


def test_audit_verify_at_least_catches_a_trail_cut_back_with_its_head(
    riverbend: Riverbend,
) -> None:
    """Someone deletes the newest rows and rolls the head back to a copy saved earlier: the
    chain verifies on its own, but not against a row number noted before."""
    audit_append(actor=riverbend.actor("alice"), action=AuditAction.WRITE, permitted=True)
    head = AuditChainHead.objects.get(pk=1)
    saved = (head.last_seq, head.last_hash, head.mac)
    audit_append(actor=riverbend.actor("alice"), action=AuditAction.WRITE, permitted=True)
    noted = audit_count()
    _sql(f"DELETE FROM privacy_auditevent WHERE seq > {saved[0]}")
    AuditChainHead.objects.filter(pk=1).update(last_seq=saved[0], last_hash=saved[1], mac=saved[2])
    assert audit_verify() == []  # invisible without an outside note...
    assert audit_verify(at_least=noted)  # ...caught with one
    assert CliRunner().invoke(cli, ["audit", "verify", "--at-least", str(noted)]).exit_code == 1


# --- 11. production settings --------------------------------------------------------------------

SETTINGS_FILE = carecircle.settings.__file__
SECRET_KEY = secrets.token_urlsafe(48)
AUDIT_KEY = secrets.token_urlsafe(32)


def load_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Execute the settings module afresh as production (the running settings are untouched)."""
    for name in list(os.environ):
        if name.startswith("CARECIRCLE_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    values = {
        "CARECIRCLE_ENV": "production",
        "CARECIRCLE_SECRET_KEY": SECRET_KEY,
        "CARECIRCLE_AUDIT_KEY": AUDIT_KEY,
        "CARECIRCLE_ALLOWED_HOSTS": "example.org",
        "CARECIRCLE_DATA_DIR": str(tmp_path),
        **env,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS_FILE)


def test_production_with_an_audit_key_and_mfa_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loaded = load_production(monkeypatch, tmp_path)
    assert loaded["MFA_REQUIRED"] is True
    assert loaded["AUDIT_HMAC_KEY"] == AUDIT_KEY


@pytest.mark.parametrize("value", ["false", "0", "off"])
def test_production_refuses_to_turn_mfa_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="CARECIRCLE_MFA_REQUIRED") as caught:
        load_production(monkeypatch, tmp_path, CARECIRCLE_MFA_REQUIRED=value)
    assert "\n" not in str(caught.value)


def test_production_refuses_a_missing_audit_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("CARECIRCLE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CARECIRCLE_ENV", "production")
    monkeypatch.setenv("CARECIRCLE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("CARECIRCLE_ALLOWED_HOSTS", "example.org")
    monkeypatch.setenv("CARECIRCLE_DATA_DIR", str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match="CARECIRCLE_AUDIT_KEY") as caught:
        runpy.run_path(SETTINGS_FILE)
    assert "\n" not in str(caught.value)


def test_production_refuses_an_empty_audit_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ImproperlyConfigured, match="CARECIRCLE_AUDIT_KEY"):
        load_production(monkeypatch, tmp_path, CARECIRCLE_AUDIT_KEY="")


# --- 12. person-level API responses are not cached --------------------------------------------


def test_the_api_client_record_is_not_cached(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    _token, secret = token_create(user=riverbend.alice)
    for browser in (
        HttpClient(headers={"Authorization": f"Bearer {secret}"}),
        riverbend.http("alice"),
    ):
        response = browser.get(f"/api/clients/{sam.pk}")
        assert response.status_code == 200
        assert "no-store" in response.get("Cache-Control", "")


def test_a_note_by_a_treatment_program_is_left_out_for_readers_without_substance_use_access(
    riverbend: Riverbend,
) -> None:
    """Shown unnamed, a note by a clinic other than the holder would say by elimination that
    the person is known to a treatment program."""
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.actor("alice")
    care_team_add(actor=alice, person=sam.person, organization=riverbend.housing)
    care_team_add(actor=alice, person=sam.person, organization=riverbend.clinic)
    carlos = riverbend.actor("carlos")
    ClientEntry.objects.create(
        client=sam,
        data_class=DataClass.GENERAL,
        organization=carlos.organization,
        author_id=carlos.user_id,
        body="Came by the clinic front desk.",
    )
    body = riverbend.http("hana").get(detail_url(sam)).content.decode()
    assert "Came by the clinic front desk." not in body
    assert CLINIC_NAME not in body
    # The ED, which holds the record, sees the note and who wrote it.
    body = riverbend.http("alice").get(detail_url(sam)).content.decode()
    assert "Came by the clinic front desk." in body
