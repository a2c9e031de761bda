"""The referrals JSON API: each operation works for the organizations on the referral (by
token and by session) and someone else cannot; conflicts answer 409; bad input answers 400
naming the fields; withheld data is null and named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from carecircle.partners.services import token_create
from carecircle.privacy.models import AuditAction, AuditEvent, ConsentDirective, DataClass
from carecircle.privacy.notices import PART2_REDISCLOSURE_NOTICE
from carecircle.privacy.services import consent_revoke
from carecircle.referrals.models import Referral
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import NEED, NOTES, Loop, build_loop

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """The shared loop, with Sam's consent to the clinic signed on paper: substance-use
    information goes to a Part 2 program only under a signed consent (42 CFR 2.31)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


BASE = "/api/referrals"


class Api:
    """A partner system calling as one persona, with a bearer token."""

    def __init__(self, town: Riverbend, username: str, purpose: str = "") -> None:
        _token, secret = token_create(user=town.users[username])
        self.headers = {"Authorization": f"Bearer {secret}"}
        if purpose:
            self.headers["X-Purpose-Of-Use"] = purpose
        self.http = HttpClient()

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"{BASE}{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.http.post(
            f"{BASE}{path}",
            data=json.dumps(body, default=str),
            content_type="application/json",
            headers=self.headers,
        )


def create_body(loop: Loop, **overrides: Any) -> dict[str, Any]:
    return {
        "client_id": loop.sam.pk,
        "service_id": str(loop.bup.pk),
        "data_class": DataClass.SUBSTANCE_USE,
        "urgency": "urgent",
        "reason": NEED,
        "handoff_notes": NOTES,
        **overrides,
    }


@pytest.fixture
def sent(loop: Loop) -> Referral:
    return loop.refer()


# --- create ------------------------------------------------------------------------------------


def test_alice_creates_a_referral_by_token(loop: Loop) -> None:
    response = Api(loop.town, "alice", "treatment").post("/", create_body(loop))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["version"] == 1
    assert body["receiving_organization"]["id"] == loop.town.clinic.pk  # from the service
    assert body["client_name"] == "Sam Rivers"
    assert body["reason"] == NEED
    assert body["handoff_notes"] == NOTES
    assert body["withheld"] == []
    assert body["side"] == "requester"
    assert body["events"][0]["kind"] == "created"
    referral = Referral.objects.get(pk=body["id"])
    assert referral.consent == loop.clinic_consent
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSE, object_id=body["id"]).count()
    # The answer shows Sam's name and the referral's details: a read, audited like a GET.
    reads = AuditEvent.objects.filter(action=AuditAction.READ, object_id=body["id"])
    assert set(reads.values_list("data_class", flat=True)) >= {"general", "substance_use"}
    assert all(reads.values_list("permitted", flat=True))


def test_the_create_answer_is_what_a_get_answers(loop: Loop) -> None:
    # Answered from the referral as written, it must read exactly as the stored one does.
    api = Api(loop.town, "alice", "treatment")
    body = create_body(loop, appointment_at="2030-01-15T10:30:00-06:00", transport="bus pass")
    created = api.post("/", body)
    assert created.status_code == 201, created.content
    fetched = api.get(f"/{created.json()['id']}")
    assert fetched.status_code == 200
    assert created.json() == fetched.json()
    reads = AuditEvent.objects.filter(action=AuditAction.READ, object_id=created.json()["id"])
    # The same audited read twice: once for the answer to the create, once for the GET.
    classes = list(reads.order_by("seq").values_list("data_class", flat=True))
    half = len(classes) // 2
    assert half
    assert classes[:half] == classes[half:]


def test_create_names_missing_and_wrong_fields(loop: Loop) -> None:
    api = Api(loop.town, "alice", "treatment")
    response = api.post("/", {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"client_id"}
    response = api.post("/", {"client_id": loop.sam.pk})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"receiving_organization_id"}
    response = api.post("/", create_body(loop, urgency="whenever", data_class="gossip"))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"urgency", "data_class"}
    response = api.post("/", create_body(loop, client_id=999999))
    assert set(response.json()["errors"]) == {"client_id"}
    assert not Referral.objects.exists()


def test_create_without_consent_is_400_naming_consent(loop: Loop) -> None:
    body = create_body(loop, service_id=None, receiving_organization_id=loop.town.peer.pk)
    response = Api(loop.town, "alice", "treatment").post("/", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"consent"}
    assert "Record the person's consent first" in response.json()["detail"]


def test_someone_else_cannot_create(loop: Loop) -> None:
    # lee's organization has no basis to read Sam; dana is an analyst.
    body = create_body(loop, service_id=None, receiving_organization_id=loop.town.housing.pk)
    lee = Api(loop.town, "lee").post("/", {**body, "data_class": "general"})
    assert lee.status_code == 403
    assert Api(loop.town, "dana").post("/", body).status_code == 403
    assert (
        HttpClient().post(f"{BASE}/", data="{}", content_type="application/json").status_code == 401
    )
    assert not Referral.objects.exists()


# --- read ---------------------------------------------------------------------------------------


def test_carlos_reads_with_the_substance_use_detail_withheld(sent: Referral, loop: Loop) -> None:
    response = Api(loop.town, "carlos").get(f"/{sent.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["client_name"] == "Sam Rivers"
    assert body["reason"] is None
    assert body["handoff_notes"] is None
    # Why, without naming the kind of information (that would tell what it is about).
    assert body["withheld"] == ["Your role does not include this kind of information."]
    assert body["data_class"] is None
    assert body["status_reason"] is None
    assert NEED not in response.content.decode()
    assert NOTES not in response.content.decode()
    assert body["moves"] == ["accepted", "rejected", "cancelled"]
    reads = AuditEvent.objects.filter(actor_username="carlos", object_id=str(sent.pk))
    assert set(reads.values_list("data_class", "permitted")) == {
        (DataClass.GENERAL, True),
        (DataClass.SUBSTANCE_USE, False),
    }


def test_someone_else_cannot_read(sent: Referral, loop: Loop) -> None:
    for who in ("hana", "lee", "pat", "cora", "dana"):
        assert Api(loop.town, who).get(f"/{sent.pk}").status_code == 403, who
    assert Api(loop.town, "alice").get(f"/{Referral().pk}").status_code == 404
    assert HttpClient().get(f"{BASE}/{sent.pk}").status_code == 401


def test_the_inbox(loop: Loop) -> None:
    urgent = loop.refer()
    routine = loop.refer(urgency="routine")
    loop.accept(routine)
    carlos = Api(loop.town, "carlos")
    body = carlos.get("/inbox").json()
    assert body["total"] == 2
    assert [i["id"] for i in body["items"]] == [
        str(urgent.pk),
        str(routine.pk),
    ]
    assert all(i["reason"] is None and i["client_name"] == "Sam Rivers" for i in body["items"])
    only = carlos.get("/inbox", status="accepted,on-hold").json()
    assert [i["id"] for i in only["items"]] == [str(routine.pk)]
    repeated = carlos.http.get(
        f"{BASE}/inbox?status=accepted&status=requested&urgency=urgent", headers=carlos.headers
    ).json()
    assert [i["id"] for i in repeated["items"]] == [str(urgent.pk)]
    assert carlos.get("/inbox", per_page=1).json()["has_next"] is True
    assert carlos.get("/inbox", service_id=str(loop.bup.pk)).json()["total"] == 2
    outgoing = Api(loop.town, "alice").get("/inbox", box="outgoing").json()
    assert outgoing["total"] == 2
    assert outgoing["items"][0]["reason"] == NEED
    bad = carlos.get("/inbox", box="sideways", status="lost")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"box", "status"}


def test_someone_else_has_an_empty_inbox_or_none(loop: Loop) -> None:
    loop.refer()
    assert Api(loop.town, "hana").get("/inbox").json()["total"] == 0
    assert Api(loop.town, "dana").get("/inbox").status_code == 403


def test_the_inbox_by_session(loop: Loop) -> None:
    loop.refer()
    response = loop.town.http("carlos").get(f"{BASE}/inbox")
    assert response.status_code == 200
    assert response.json()["total"] == 1


# --- changes ------------------------------------------------------------------------------------


def test_carlos_accepts_and_a_second_accept_is_a_409(sent: Referral, loop: Loop) -> None:
    carlos = Api(loop.town, "carlos")
    response = carlos.post(f"/{sent.pk}/status", {"to": "accepted", "expected_version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["version"] == 2
    again = carlos.post(f"/{sent.pk}/status", {"to": "accepted", "expected_version": 1})
    assert again.status_code == 409
    assert "Someone else changed this referral" in again.json()["detail"]
    assert Referral.objects.get(pk=sent.pk).version == 2


def test_status_errors_name_the_field(sent: Referral, loop: Loop) -> None:
    carlos = Api(loop.town, "carlos")
    missing = carlos.post(f"/{sent.pk}/status", {})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"to"}
    no_reason = carlos.post(f"/{sent.pk}/status", {"to": "rejected"})
    assert no_reason.status_code == 400
    assert set(no_reason.json()["errors"]) == {"reason"}
    wrong_side = Api(loop.town, "alice").post(f"/{sent.pk}/status", {"to": "accepted"})
    assert wrong_side.status_code == 400
    assert set(wrong_side.json()["errors"]) == {"status"}


def test_someone_else_cannot_change_the_status(sent: Referral, loop: Loop) -> None:
    for who in ("hana", "lee", "pat", "dana"):
        response = Api(loop.town, who).post(f"/{sent.pk}/status", {"to": "accepted"})
        assert response.status_code == 403, who
    assert Referral.objects.get(pk=sent.pk).status == Status.REQUESTED


def test_appointment_outcome_and_reopen(sent: Referral, loop: Loop) -> None:
    carlos = Api(loop.town, "carlos")
    carlos.post(f"/{sent.pk}/status", {"to": "accepted"})
    at = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    booked = carlos.post(
        f"/{sent.pk}/appointment",
        {"appointment_at": at, "accompanied_by": "pat", "transport": "bus"},
    )
    assert booked.status_code == 200, booked.content
    assert booked.json()["accompanied_by"] == "pat"
    assert booked.json()["handoff_notes"] is None
    assert Referral.objects.get(pk=sent.pk).handoff_notes == NOTES
    no_time = carlos.post(f"/{sent.pk}/appointment", {})
    assert no_time.status_code == 400
    assert set(no_time.json()["errors"]) == {"appointment_at"}
    missing = carlos.post(f"/{sent.pk}/outcome", {"enrollment": "enrolled"})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"outcome_on"}
    done = carlos.post(
        f"/{sent.pk}/outcome",
        {"enrollment": "enrolled", "outcome_on": str(timezone.localdate())},
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    # (Whether carlos may see the outcome is the selectors' rule; it was recorded.)
    assert Referral.objects.get(pk=sent.pk).enrollment == "enrolled"
    no_reason = carlos.post(f"/{sent.pk}/reopen", {})
    assert no_reason.status_code == 400
    assert set(no_reason.json()["errors"]) == {"reason"}
    stale = carlos.post(f"/{sent.pk}/reopen", {"reason": "Came back", "expected_version": 2})
    assert stale.status_code == 409
    reopened = carlos.post(f"/{sent.pk}/reopen", {"reason": "Came back"})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "in-progress"
    assert reopened.json()["reopened_count"] == 1
    kinds = [e["kind"] for e in reopened.json()["events"]]
    assert kinds == ["created", "status", "appointment", "outcome", "reopened"]


def test_someone_else_cannot_record_or_reopen(sent: Referral, loop: Loop) -> None:
    loop.accept(sent)
    at = timezone.now().isoformat()
    for who in ("hana", "lee", "pat", "dana"):
        api = Api(loop.town, who)
        assert api.post(f"/{sent.pk}/appointment", {"appointment_at": at}).status_code == 403
        outcome = {"enrollment": "enrolled", "outcome_on": str(timezone.localdate())}
        assert api.post(f"/{sent.pk}/outcome", outcome).status_code == 403
        assert api.post(f"/{sent.pk}/reopen", {"reason": "x"}).status_code == 403
    # The requester does not record the outcome.
    alice = Api(loop.town, "alice").post(
        f"/{sent.pk}/outcome", {"enrollment": "enrolled", "outcome_on": str(timezone.localdate())}
    )
    assert alice.status_code == 403
    assert Referral.objects.get(pk=sent.pk).version == 2


def test_unknown_referrals_are_404(loop: Loop) -> None:
    missing = Referral().pk
    carlos = Api(loop.town, "carlos")
    assert carlos.post(f"/{missing}/status", {"to": "accepted"}).status_code == 404
    assert carlos.post(f"/{missing}/reopen", {"reason": "x"}).status_code == 404


def test_the_openapi_describes_the_referrals_api(db: None) -> None:
    schema = HttpClient().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/referrals/"])
    assert "get" in paths["/api/referrals/inbox"]
    for suffix in ("", "/status", "/appointment", "/outcome", "/reopen"):
        assert f"/api/referrals/{{referral_id}}{suffix}" in paths
    status = paths["/api/referrals/{referral_id}/status"]["post"]
    assert {"200", "400", "409"} <= set(status["responses"])
    components = schema["components"]["schemas"]
    assert {"ReferralOut", "ReferralIn", "InboxOut", "StatusIn", "ErrorOut"} <= set(components)
    assert "withheld" in components["ReferralOut"]["properties"]


# --- what may be withheld, and the Part 2 notice -------------------------------------------------


def test_substance_use_content_outside_the_holder_carries_the_redisclosure_notice(
    sent: Referral, loop: Loop
) -> None:
    town = loop.town
    town.member("cleo", "clinic", "clinician")
    # cleo (clinician) reads the substance-use reason, disclosed to the clinic under consent.
    cleo = Api(town, "cleo", "treatment").get(f"/{sent.pk}").json()
    assert cleo["reason"] == NEED
    assert cleo["redisclosure_notice"] == str(PART2_REDISCLOSURE_NOTICE)
    assert "42 CFR part 2" in cleo["redisclosure_notice"]
    # The receiving clinic gets it even where its reader's role withholds the detail.
    assert Api(town, "carlos").get(f"/{sent.pk}").json()["redisclosure_notice"]
    inbox = Api(town, "cleo", "treatment").get("/inbox").json()
    assert inbox["items"][0]["redisclosure_notice"] == str(PART2_REDISCLOSURE_NOTICE)
    assert inbox["redisclosure_notice"] == str(PART2_REDISCLOSURE_NOTICE)
    # The record's holder discloses; it is not told its own record is protected from it.
    alice = Api(town, "alice", "treatment")
    assert alice.get(f"/{sent.pk}").json()["redisclosure_notice"] is None
    assert alice.get("/inbox", box="outgoing").json()["redisclosure_notice"] is None
    # A housing referral carries no substance-use information.
    housing = loop.refer_housing()
    hana = Api(town, "hana").get(f"/{housing.pk}").json()
    assert hana["reason"] is not None
    assert hana["redisclosure_notice"] is None


def test_the_inbox_shows_no_client_id_when_the_person_s_general_information_is_withheld(
    sent: Referral, loop: Loop
) -> None:
    town = loop.town
    consent_revoke(actor=town.actor("alice"), consent=loop.clinic_consent, reason="Withdrawn")
    body = Api(town, "carlos").get("/inbox").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["client_id"] is None
    assert item["client_name"] is None
    assert item["reason"] is None
    assert item["handoff_notes"] is None
    assert item["status_reason"] is None
    assert item["data_class"] is None
    assert item["withheld"]
