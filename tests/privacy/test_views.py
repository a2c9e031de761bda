"""Consent, emergency access and accounting pages, as people use them in the browser."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse

from carecircle.clients.models import Client
from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Purpose,
)
from carecircle.privacy.selectors import emergency_access_for_review
from carecircle.privacy.services import care_team_add, consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def detail(client: Client) -> str:
    return reverse("clients:detail", kwargs={"client_id": client.pk})


def share(town: Riverbend, client: Client, classes: list[str], org_key: str) -> ConsentDirective:
    return consent_record(
        actor=town.actor("alice"),
        person=client.person,
        decision="permit",
        data_classes=classes,
        purposes=[CARE],
        recipient_organizations=[town.orgs[org_key]],
    )


# --- consent ----------------------------------------------------------------------------------


def test_a_revoked_consent_stops_disclosure_on_the_very_next_request(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    share(riverbend, sam, [DataClass.GENERAL], "housing")
    health = share(riverbend, sam, [DataClass.HEALTH], "housing")
    hana = riverbend.http("hana")

    page = hana.get(detail(sam))
    assert page.status_code == 200
    assert "health entry about Sam" in page.content.decode()

    revoked = riverbend.http("alice").post(
        reverse("privacy:consent_revoke", kwargs={"consent_id": health.pk}),
        {"reason": "Sam withdrew it at the front desk."},
    )
    assert revoked.status_code == 302
    assert revoked["Location"] == reverse("privacy:consents", kwargs={"person_id": sam.person_id})

    page = hana.get(detail(sam))
    assert page.status_code == 200
    body = page.content.decode()
    assert "health entry about Sam" not in body
    assert "general entry about Sam" in body
    last_health_read = AuditEvent.objects.filter(
        actor_username="hana", data_class=DataClass.HEALTH
    ).last()
    assert last_health_read is not None
    assert (last_health_read.permitted, last_health_read.basis) == (False, "none")


def test_the_owner_records_a_consent_on_the_consent_page(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    url = reverse("privacy:consents", kwargs={"person_id": sam.person_id})
    response = riverbend.http("alice").post(
        url,
        {
            "decision": "permit",
            "data_classes": [DataClass.HEALTH],
            "recipient_organizations": [riverbend.housing.pk],
            "purposes": [CARE],
        },
    )
    assert response.status_code == 302
    consent = ConsentDirective.objects.get(person=sam.person)
    assert consent.recorded_for == riverbend.ed
    assert "health" in riverbend.http("alice").get(url).content.decode()


def test_the_consent_page_names_the_missing_field_and_records_nothing(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    url = reverse("privacy:consents", kwargs={"person_id": sam.person_id})
    response = riverbend.http("alice").post(
        url, {"decision": "permit", "data_classes": [DataClass.HEALTH], "purposes": [CARE]}
    )
    assert response.status_code == 400
    assert "Name at least one recipient" in response.content.decode()
    assert not ConsentDirective.objects.exists()


def test_someone_without_access_cannot_see_or_change_consents(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    consent = share(riverbend, sam, [DataClass.HEALTH], "housing")
    lee = riverbend.http("lee")
    url = reverse("privacy:consents", kwargs={"person_id": sam.person_id})
    assert lee.get(url).status_code == 403
    assert lee.post(url, {"decision": "deny"}).status_code == 403
    revoke = reverse("privacy:consent_revoke", kwargs={"consent_id": consent.pk})
    assert lee.post(revoke, {"reason": "Because I can."}).status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_seeing_who_someone_is_does_not_open_their_consent_directives(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[CARE, Purpose.TREATMENT],
        recipient_sectors=["police_justice"],
    )
    share(riverbend, sam, [DataClass.SUBSTANCE_USE], "clinic")
    url = reverse("privacy:consents", kwargs={"person_id": sam.person_id})
    # Lee may see who Sam is, but a directive naming the MOUD clinic would reveal treatment:
    # the record page he does get neither names the clinic nor links to the directives.
    page = riverbend.http("lee").get(detail(sam))
    assert page.status_code == 200
    body = page.content.decode()
    assert "general entry about Sam" in body
    assert "Riverbend MOUD Clinic" not in body
    assert url not in body
    assert riverbend.http("lee").get(url).status_code == 403
    # The owner keeps the directives, and sees the clinic named in them.
    owner_page = riverbend.http("alice").get(url)
    assert owner_page.status_code == 200
    assert "Riverbend MOUD Clinic" in owner_page.content.decode()
    # The care team does not: a directive's recipients are the owner's to know.
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    assert riverbend.http("pat").get(detail(sam)).status_code == 200
    refused = riverbend.http("pat").get(url)
    assert refused.status_code == 403
    assert "Riverbend MOUD Clinic" not in refused.content.decode()


# --- emergency access -------------------------------------------------------------------------


def test_emergency_access_is_granted_logged_flagged_and_reviewed(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    hana = riverbend.http("hana")
    assert hana.get(detail(sam)).status_code == 403  # no basis at all yet
    # Breaking the glass is for treatment: she acts for that purpose.
    hana.post(reverse("web:switch"), {"purpose": Purpose.TREATMENT})

    url = reverse("privacy:emergency_access", kwargs={"person_id": sam.person_id})
    assert hana.get(url).status_code == 200
    granted = hana.post(url, {"reason": "Sam collapsed in the shelter lobby."})
    assert granted.status_code == 302
    assert granted["Location"] == detail(sam)
    grant = EmergencyAccess.objects.get(person=sam.person)
    assert (grant.user, grant.organization) == (riverbend.hana, riverbend.housing)

    page = hana.get(detail(sam))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Emergency access is active" in body
    assert "health entry about Sam" in body
    assert "substance_use entry about Sam" not in body  # beyond a case manager's role
    read = AuditEvent.objects.filter(actor_username="hana", data_class=DataClass.HEALTH).last()
    assert read is not None
    assert (read.permitted, read.basis) == (True, "emergency_access")
    assert AuditEvent.objects.filter(
        action=AuditAction.EMERGENCY, actor_username="hana", object_id=str(grant.pk)
    ).exists()

    # Flagged for the owning organization's admin, and only theirs.
    assert list(emergency_access_for_review(actor=riverbend.actor("erin"))) == [grant]
    erin = riverbend.http("erin")
    reviews = erin.get(reverse("privacy:emergency_reviews"))
    assert reviews.status_code == 200
    assert "Sam collapsed in the shelter lobby." in reviews.content.decode()
    riverbend.member("hugo", "housing", "org_admin")
    review_url = reverse("privacy:emergency_review", kwargs={"grant_id": grant.pk})
    assert riverbend.http("hugo").post(review_url, {"outcome": "unjustified"}).status_code == 403

    assert erin.post(review_url, {"outcome": "justified", "note": "Overdose."}).status_code == 302
    grant.refresh_from_db()
    assert (grant.review_outcome, grant.reviewed_by) == ("justified", riverbend.erin)
    assert not emergency_access_for_review(actor=riverbend.actor("erin")).exists()
    assert "Sam collapsed" not in erin.get(reverse("privacy:emergency_reviews")).content.decode()


def test_emergency_access_expires(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    url = reverse("privacy:emergency_access", kwargs={"person_id": sam.person_id})
    riverbend.http("hana").post(url, {"reason": "Sam collapsed in the shelter lobby."})
    grant = EmergencyAccess.objects.get()
    with time_machine.travel(grant.expires_at + timedelta(seconds=1), tick=False):
        # A fresh sign-in: the old session would have idled out by now.
        assert riverbend.http("hana").get(detail(sam)).status_code == 403


def test_emergency_access_needs_a_reason(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    url = reverse("privacy:emergency_access", kwargs={"person_id": sam.person_id})
    response = riverbend.http("hana").post(url, {"reason": "now"})
    assert response.status_code == 400
    assert not EmergencyAccess.objects.exists()


def test_roles_that_cannot_break_the_glass_do_not_get_the_page(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    url = reverse("privacy:emergency_access", kwargs={"person_id": sam.person_id})
    for username in ("carlos", "dana", "erin"):
        assert riverbend.http(username).post(url, {"reason": "x" * 20}).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_only_org_admins_see_the_review_queue(riverbend: Riverbend) -> None:
    assert riverbend.http("alice").get(reverse("privacy:emergency_reviews")).status_code == 403


# --- accounting of disclosures ------------------------------------------------------------------


def test_the_owner_gives_an_accounting_of_disclosures(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    share(riverbend, sam, [DataClass.GENERAL, DataClass.HEALTH], "housing")
    riverbend.http("hana").get(detail(sam))
    riverbend.http("alice").get(detail(sam))  # the owner's own reads are not disclosures
    url = reverse("privacy:disclosures", kwargs={"person_id": sam.person_id})
    page = riverbend.http("alice").get(url)
    assert page.status_code == 200
    csv = riverbend.http("alice").get(url, {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("when,organization")
    assert {line.split(",")[4] for line in lines[1:]} == {"hana"}
    assert any(",health," in line for line in lines[1:])


def test_someone_else_cannot_get_the_accounting(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    share(riverbend, sam, [DataClass.GENERAL], "housing")
    url = reverse("privacy:disclosures", kwargs={"person_id": sam.person_id})
    assert riverbend.http("hana").get(url).status_code == 403
    assert riverbend.http("lee").get(url).status_code == 403


def test_the_accounting_names_who_a_referral_sent_the_information_to(riverbend: Riverbend) -> None:
    from carecircle.privacy.audit import audit_append
    from carecircle.privacy.models import AuditAction

    sam = riverbend.client_record(name="Sam")
    alice = riverbend.actor("alice")
    audit_append(
        actor=alice,
        action=AuditAction.DISCLOSE,
        permitted=True,
        purpose="treatment",
        person_id=sam.person_id,
        owner_organization_id=alice.organization.pk,
        data_class="substance_use",
        basis="consent",
        object_type="referral",
        object_id="r1",
        recipient_organization_id=riverbend.clinic.pk,
    )
    url = reverse("privacy:disclosures", kwargs={"person_id": sam.person_id})
    page = riverbend.http("alice").get(url).content.decode()
    assert riverbend.clinic.name in page
    assert f"sent by {riverbend.ed.name} with a referral" in page
    lines = riverbend.http("alice").get(url, {"format": "csv"}).content.decode().splitlines()
    assert lines[1].split(",")[1] == riverbend.clinic.name
    assert lines[1].split(",")[-1] == riverbend.ed.name
