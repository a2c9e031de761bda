"""Recording, summarising and withdrawing consent on a client's record, as workers use it:
it works for the organization holding the record, and someone else cannot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.clients.selectors import client_get
from carecircle.privacy.models import (
    AuditAction,
    AuditEvent,
    ConsentCapture,
    ConsentDirective,
    DataClass,
    Purpose,
)
from carecircle.privacy.services import care_team_add, consent_record
from tests.fixtures import Riverbend
from tests.privacy.test_consent_capture import png_data_url

CARE = Purpose.CARE_COORDINATION


def new_url(client: Client) -> str:
    return reverse("clients:consent_new", kwargs={"client_id": client.pk})


def summary_url(client: Client, consent: ConsentDirective) -> str:
    return reverse(
        "clients:consent_summary", kwargs={"client_id": client.pk, "consent_id": consent.pk}
    )


def revoke_url(client: Client, consent: ConsentDirective) -> str:
    return reverse(
        "clients:consent_revoke", kwargs={"client_id": client.pk, "consent_id": consent.pk}
    )


def answers(town: Riverbend, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient_organizations": [town.housing.pk],
        "data_classes": [DataClass.HEALTH],
        "purposes": [CARE],
        "until": "stop",
        "decision": "permit",
        "capture_method": ConsentCapture.VERBAL,
        "attest": "on",
        "read_by": "Alice Martin",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def share(town: Riverbend, client: Client, classes: list[str], **kwargs: Any) -> ConsentDirective:
    arguments: dict[str, Any] = {
        "decision": "permit",
        "data_classes": classes,
        "purposes": [CARE],
        "recipient_organizations": [town.housing],
        "capture_method": ConsentCapture.SIGNATURE,
        "signature": png_data_url(),
    }
    arguments.update(kwargs)
    return consent_record(actor=town.actor("alice"), person=client.person, **arguments)


# --- recording ----------------------------------------------------------------------------------


def test_the_form_asks_in_plain_words(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    page = riverbend.http("alice").get(new_url(sam))
    assert page.status_code == 200
    body = page.content.decode()
    for words in (
        "Consent for Sam",
        "Who may see your information?",
        "The people on my care team",
        "Riverbend Housing First",
        "Substance-use treatment",
        "Protected by federal law (42 CFR Part 2)",
        "What for?",
        "Until I say stop",
        "Do you agree?",
        "How did the person give their answer?",
        "vendor/signature_pad/signature_pad.umd.min.js",
        "clients/signature.js",
    ):
        assert words in body, words
    # No inline script (CSP); the signature option waits for JavaScript to show it.
    assert "<script>" not in body
    assert "data-signature-option hidden" in body
    read = AuditEvent.objects.filter(object_type="consent_form", actor_username="alice").get()
    assert (read.permitted, read.object_id) == (True, str(sam.pk))


def test_the_holder_records_a_spoken_consent_attested_by_the_worker(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    response = riverbend.http("alice").post(
        new_url(sam), answers(riverbend, attestation_note="Interpreter: Ana.")
    )
    assert response.status_code == 302, response.content.decode()
    consent = ConsentDirective.objects.get(person=sam.person)
    assert response["Location"] == summary_url(sam, consent)
    assert consent.capture_method == "verbal"
    assert consent.attestation.startswith("Alice Martin read this consent aloud to the person")
    assert consent.attestation.endswith("Interpreter: Ana.")
    assert list(consent.recipient_organizations.all()) == [riverbend.housing]
    assert (consent.data_classes, consent.purposes, consent.period_end) == (
        [DataClass.HEALTH],
        [CARE],
        None,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.WRITE, object_type="consent", object_id=str(consent.pk)
    ).exists()


def test_the_holder_records_a_signed_consent_until_a_date(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    zone = ZoneInfo("America/Chicago")
    last_day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=30)
    signature = png_data_url()
    response = riverbend.http("alice").post(
        new_url(sam),
        answers(
            riverbend,
            recipient_organizations=[riverbend.clinic.pk],
            data_classes=[DataClass.SUBSTANCE_USE, DataClass.GENERAL],
            capture_method=ConsentCapture.SIGNATURE,
            signature=signature,
            attest=None,
            until="date",
            until_date=last_day.isoformat(),
        ),
    )
    assert response.status_code == 302, response.content.decode()
    consent = ConsentDirective.objects.get(person=sam.person)
    assert (consent.capture_method, consent.signature, consent.attestation) == (
        "signature",
        signature,
        "",
    )
    # Through the whole of the last day where the person lives.
    assert consent.period_end is not None
    local_end = timezone.localtime(consent.period_end, zone)
    assert (local_end.date(), local_end.hour, local_end.minute) == (last_day, 23, 59)


def test_a_paper_form_on_file_is_enough(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    response = riverbend.http("alice").post(
        new_url(sam),
        answers(
            riverbend,
            capture_method=ConsentCapture.PAPER,
            paper_on_file="on",
            attest=None,
            # A signature drawn then abandoned for paper is not kept.
            signature=png_data_url(),
        ),
    )
    assert response.status_code == 302
    consent = ConsentDirective.objects.get()
    assert (consent.capture_method, consent.signature) == ("paper", "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"capture_method": None}, "Choose how the person gave their answer."),
        ({"attest": None}, "Tick the box to attest"),
        ({"read_by": ""}, "Say who read the consent"),
        (
            {"capture_method": ConsentCapture.SIGNATURE, "attest": None},
            "Ask the person to sign in the box",
        ),
        (
            {"capture_method": ConsentCapture.SIGNATURE, "signature": "data:image/png;base64,AAAA"},
            "The signature is not a valid PNG image",
        ),
        (
            {"capture_method": ConsentCapture.SIGNATURE, "signature": "data:image/gif;base64,R0lG"},
            "The signature must be a PNG image",
        ),
        ({"capture_method": ConsentCapture.PAPER, "attest": None}, "kept on file"),
        ({"recipient_organizations": None}, "Choose who"),
        ({"data_classes": None}, "Choose at least one kind of information."),
        ({"purposes": None}, "Choose at least one reason."),
        ({"decision": None}, "Choose yes or no."),
        ({"until": "date"}, "Give the last day"),
        ({"until": "date", "until_date": "2001-01-01"}, "The last day cannot be in the past."),
        (
            {
                "data_classes": [DataClass.SUBSTANCE_USE],
                "recipient_organizations": [1],
            },
            "needs the person&#x27;s signature (42 CFR Part 2)",
        ),
    ],
)
def test_bad_answers_are_named_and_nothing_is_written(
    riverbend: Riverbend, changes: dict[str, Any], message: str
) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    if changes.get("recipient_organizations") == [1]:
        changes["recipient_organizations"] = [riverbend.clinic.pk]
    writes = AuditEvent.objects.filter(action=AuditAction.WRITE).count()
    response = riverbend.http("alice").post(new_url(sam), answers(riverbend, **changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Nothing was recorded." in body
    assert not ConsentDirective.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.WRITE).count() == writes


def test_a_refused_form_keeps_the_signature_for_another_try(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    signature = png_data_url()
    response = riverbend.http("alice").post(
        new_url(sam),
        answers(
            riverbend,
            capture_method=ConsentCapture.SIGNATURE,
            signature=signature,
            purposes=None,
        ),
    )
    assert response.status_code == 400
    assert f'value="{signature}"' in response.content.decode()


@pytest.mark.parametrize("username", ["hana", "lee", "pat", "dana", "erin", "carlos"])
def test_someone_else_cannot_record_consent(riverbend: Riverbend, username: str) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    # Even on the care team: only the holder keeps consent.
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    browser = riverbend.http(username)
    assert browser.get(new_url(sam)).status_code == 403
    assert browser.post(new_url(sam), answers(riverbend)).status_code == 403
    assert not ConsentDirective.objects.exists()


def test_an_unknown_client_is_not_found(riverbend: Riverbend) -> None:
    assert riverbend.http("alice").get("/clients/999999/consents/new/").status_code == 404


# --- the summary --------------------------------------------------------------------------------


def test_the_summary_says_it_in_plain_words_with_the_signature(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(
        riverbend,
        sam,
        [DataClass.HEALTH, DataClass.MENTAL_HEALTH],
        recipient_sectors=["housing"],
        recipient_care_team=True,
        period_end=timezone.now() + timedelta(days=40),
    )
    page = riverbend.http("alice").get(summary_url(sam, consent))
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "You agreed that Riverbend Housing First, every organization in the Housing sector and "
        "the people on the care team may see your health information and mental-health "
        "information for coordinating care, until"
    ) in " ".join(body.split())
    assert (
        "You can change your mind at any time by telling any worker at Riverbend General "
        "Emergency Department." in body
    )
    assert f'src="{consent.signature}"' in body
    assert "Signature of Sam" in body
    assert "Recorded on" in body
    assert "clients/consent.css" in body
    # Health and mental health only: no Part 2 notice.
    assert "42 CFR Part 2 — redisclosure prohibited" not in body
    read = AuditEvent.objects.filter(
        object_type="consent", actor_username="alice", action=AuditAction.READ
    ).get()
    assert (read.action, read.permitted, read.object_id) == ("read", True, str(consent.pk))


def test_the_summary_carries_the_part2_notice_when_substance_use_is_shared(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(
        riverbend, sam, [DataClass.SUBSTANCE_USE], recipient_organizations=[riverbend.clinic]
    )
    body = riverbend.http("alice").get(summary_url(sam, consent)).content.decode()
    assert "42 CFR Part 2 — redisclosure prohibited" in body
    assert "substance-use treatment information" in body


def test_the_summary_of_a_spoken_refusal_shows_the_attestation(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(
        riverbend,
        sam,
        [DataClass.SUBSTANCE_USE],
        decision="deny",
        recipient_organizations=[riverbend.police],
        capture_method=ConsentCapture.VERBAL,
        signature="",
        attestation="Alice read it aloud; Sam said no.",
    )
    body = riverbend.http("alice").get(summary_url(sam, consent)).content.decode()
    assert "You said that Riverbend Police Service may not see your" in body
    assert "Alice read it aloud; Sam said no." in body
    # Nothing goes out, so there is nothing to warn a recipient about.
    assert "redisclosure prohibited" not in body


def test_the_summary_prints_in_french(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    body = riverbend.http("alice").get(summary_url(sam, consent) + "?lang=fr").content.decode()
    assert '<html lang="fr">' in body
    english = riverbend.http("alice").get(summary_url(sam, consent) + "?lang=xx").content.decode()
    assert '<html lang="en">' in english


def test_the_summary_of_a_withdrawn_consent_says_so(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    riverbend.http("alice").post(revoke_url(sam, consent), {"reason": "Sam changed his mind."})
    body = riverbend.http("alice").get(summary_url(sam, consent)).content.decode()
    assert "This consent was withdrawn on" in body


@pytest.mark.parametrize("username", ["hana", "lee", "pat", "dana"])
def test_someone_else_cannot_read_the_summary(riverbend: Riverbend, username: str) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(
        riverbend, sam, [DataClass.SUBSTANCE_USE], recipient_organizations=[riverbend.clinic]
    )
    response = riverbend.http(username).get(summary_url(sam, consent))
    assert response.status_code == 403
    assert "Riverbend MOUD Clinic" not in response.content.decode()


def test_a_consent_of_another_client_is_not_found(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    ria = riverbend.client_record(name="Ria", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    assert riverbend.http("alice").get(summary_url(ria, consent)).status_code == 404
    assert (
        riverbend.http("alice")
        .post(revoke_url(ria, consent), {"reason": "Wrong person."})
        .status_code
        == 404
    )
    consent.refresh_from_db()
    assert consent.revoked_at is None


# --- withdrawing --------------------------------------------------------------------------------


def test_withdrawing_hides_the_data_on_the_next_request(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    share(riverbend, sam, [DataClass.GENERAL])
    health = share(riverbend, sam, [DataClass.HEALTH])
    hana = riverbend.actor("hana")
    before = client_get(actor=hana, client_id=sam.pk, purpose=CARE)
    assert DataClass.HEALTH in {e.data_class for e in before.entries}

    response = riverbend.http("alice").post(
        revoke_url(sam, health), {"reason": "Sam asked at the front desk."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", kwargs={"client_id": sam.pk})
    health.refresh_from_db()
    assert (health.revoked_by, health.revocation_reason) == (
        riverbend.alice,
        "Sam asked at the front desk.",
    )

    after = client_get(actor=hana, client_id=sam.pk, purpose=CARE)
    assert DataClass.HEALTH not in {e.data_class for e in after.entries}
    assert DataClass.GENERAL in {e.data_class for e in after.entries}
    assert not after.decisions[DataClass.HEALTH].permitted


def test_withdrawing_needs_a_reason(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    alice = riverbend.http("alice")
    response = alice.post(revoke_url(sam, consent), {"reason": "  "}, follow=True)
    assert "say why it is withdrawn" in response.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.parametrize("username", ["hana", "lee", "pat", "dana", "erin"])
def test_someone_else_cannot_withdraw(riverbend: Riverbend, username: str) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    response = riverbend.http(username).post(revoke_url(sam, consent), {"reason": "Because."})
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.revoked_at is None


# --- the panel on the record page -------------------------------------------------------------


def _panel(town: Riverbend, username: str, client: Client) -> str:
    request = RequestFactory().get("/")
    request.actor = town.actor(username)  # type: ignore[attr-defined]
    request.purpose = CARE  # type: ignore[attr-defined]
    request.user = town.users[username]
    return render_to_string(
        "clients/_consent_panel.html", {"client": client, "view": None}, request=request
    )


def test_the_panel_shows_the_holder_consents_with_summary_and_withdraw(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    current = share(riverbend, sam, [DataClass.HEALTH])
    old = share(riverbend, sam, [DataClass.MENTAL_HEALTH])
    riverbend.http("alice").post(revoke_url(sam, old), {"reason": "Sam said stop."})
    html = _panel(riverbend, "alice", sam)
    assert "Riverbend Housing First may see health information for coordinating care" in html
    assert "Signed on screen" in html
    assert summary_url(sam, current) in html
    assert revoke_url(sam, current) in html
    assert revoke_url(sam, old) not in html
    assert "1 expired or withdrawn consent" in html
    assert "Sam said stop." in html
    assert new_url(sam) in html
    assert reverse("clients:access", kwargs={"client_id": sam.pk}) in html
    assert AuditEvent.objects.filter(object_type="consent_list", actor_username="alice").exists()
    # An admin of the holder sees the consents but does not record or withdraw them.
    erin = _panel(riverbend, "erin", sam)
    assert summary_url(sam, current) in erin
    assert revoke_url(sam, current) not in erin
    assert new_url(sam) not in erin


@pytest.mark.parametrize("username", ["hana", "lee", "pat"])
def test_the_panel_shows_nothing_to_others(riverbend: Riverbend, username: str) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    share(
        riverbend,
        sam,
        [DataClass.GENERAL, DataClass.HEALTH],
        recipient_sectors=["housing", "police_justice", "peer_recovery"],
    )
    assert _panel(riverbend, username, sam).strip() == ""


def test_the_consent_page_works_without_javascript(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent = share(riverbend, sam, [DataClass.HEALTH])
    url = reverse("clients:consents", kwargs={"client_id": sam.pk})
    page = riverbend.http("alice").get(url)
    assert page.status_code == 200
    assert revoke_url(sam, consent) in page.content.decode()
    assert riverbend.http("hana").get(url).status_code == 403
    assert riverbend.http("dana").get(url).status_code == 403


def test_the_record_page_carries_the_panel_for_the_holder_only(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    consent = share(riverbend, sam, [DataClass.GENERAL, DataClass.HEALTH])
    detail = reverse("clients:detail", kwargs={"client_id": sam.pk})
    mine = riverbend.http("alice").get(detail)
    assert mine.status_code == 200
    assert revoke_url(sam, consent) in mine.content.decode()
    # Hana may read the record through the consent, but not the consent itself.
    theirs = riverbend.http("hana").get(detail)
    assert theirs.status_code == 200
    body = theirs.content.decode()
    assert "health entry about Sam" in body
    assert summary_url(sam, consent) not in body
    assert "Withdraw this consent" not in body
