"""The JSON API: who it answers (tokens and sessions) and what it discloses."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from carecircle.clients.models import Client
from carecircle.partners.services import membership_end, token_create, token_revoke
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from carecircle.privacy.services import consent_record
from tests.fixtures import Riverbend, riverbend

__all__ = ["riverbend"]


def bearer(town: Riverbend, username: str) -> HttpClient:
    _token, secret = token_create(user=town.users[username])
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def get(browser: HttpClient, path: str) -> Any:
    return browser.get(path, headers={"Accept": "application/json"})


def test_me_answers_with_a_token_and_with_a_session(riverbend: Riverbend) -> None:
    expected = {
        "username": "alice",
        "organization_id": riverbend.ed.pk,
        "organization": riverbend.ed.name,
        "role": "clinician",
    }
    for browser in (bearer(riverbend, "alice"), riverbend.http("alice")):
        response = get(browser, "/api/me")
        assert response.status_code == 200
        assert response.json() == expected


def test_organizations_lists_the_partners(riverbend: Riverbend) -> None:
    for browser in (bearer(riverbend, "lee"), riverbend.http("lee")):
        response = get(browser, "/api/organizations")
        assert response.status_code == 200
        slugs = {o["slug"] for o in response.json()}
        assert slugs == {o.slug for o in riverbend.orgs.values()}


def test_a_revoked_token_is_refused(riverbend: Riverbend) -> None:
    token, secret = token_create(user=riverbend.alice)
    browser = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    assert get(browser, "/api/me").status_code == 200
    token_revoke(token=token)
    assert get(browser, "/api/me").status_code == 401


def test_a_token_whose_membership_ended_is_refused(riverbend: Riverbend) -> None:
    browser = bearer(riverbend, "hana")
    assert get(browser, "/api/me").status_code == 200
    membership_end(membership=riverbend.memberships["hana"])
    assert get(browser, "/api/me").status_code == 401


def test_a_tampered_token_is_refused(riverbend: Riverbend) -> None:
    _token, secret = token_create(user=riverbend.alice)
    tampered = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    browser = HttpClient(headers={"Authorization": f"Bearer {tampered}"})
    assert get(browser, "/api/me").status_code == 401


def _shared_client(town: Riverbend) -> Client:
    sam = town.client_record(name="Sam")
    consent_record(
        actor=town.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.HEALTH],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[town.housing],
        # Every police service may see who Sam is; health data would need one named.
        recipient_sectors=["police_justice"],
    )
    return sam


def test_a_client_shows_only_permitted_entries_and_names_what_is_withheld(
    riverbend: Riverbend,
) -> None:
    sam = _shared_client(riverbend)
    response = get(bearer(riverbend, "hana"), f"/api/clients/{sam.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["preferred_name"] == "Sam"
    assert {e["data_class"] for e in body["entries"]} == {DataClass.GENERAL, DataClass.HEALTH}
    assert set(body["withheld"]) == {
        DataClass.SUBSTANCE_USE,
        DataClass.MENTAL_HEALTH,
        DataClass.HARM_REDUCTION,
        DataClass.JUSTICE,
    }
    assert all(reason for reason in body["withheld"].values())
    # The read was audited, one row per class.
    assert AuditEvent.objects.filter(actor_username="hana", object_type="client").count() == 6


def test_lees_token_gets_no_health_entries(riverbend: Riverbend) -> None:
    sam = _shared_client(riverbend)
    # Lee's outreach role never sees health data; Val, a police case manager, could by role.
    riverbend.member("val", "police", "case_manager")
    for username in ("lee", "val"):
        response = get(bearer(riverbend, username), f"/api/clients/{sam.pk}")
        assert response.status_code == 200
        body = response.json()
        assert {e["data_class"] for e in body["entries"]} == {DataClass.GENERAL}
        assert DataClass.HEALTH in body["withheld"]
        assert "health entry" not in response.content.decode()


def test_the_police_rule_itself_withholds_health_from_a_police_case_manager(
    riverbend: Riverbend,
) -> None:
    sam = _shared_client(riverbend)  # a sector-wide consent covers health for every police service
    riverbend.member("val", "police", "case_manager")
    val = bearer(riverbend, "val")
    body = get(val, f"/api/clients/{sam.pk}").json()
    # Val's role covers health and the sector-wide consent names health: only the police rule
    # (a consent must name the organization) stands in the way, and it says so.
    assert "police and justice" in body["withheld"][DataClass.HEALTH]
    assert DataClass.HEALTH not in {e["data_class"] for e in body["entries"]}
    # Once Sam names the police service itself, Val sees the health entry; Lee still not (role).
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.HEALTH],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.police],
    )
    named = get(val, f"/api/clients/{sam.pk}").json()
    assert DataClass.HEALTH in {e["data_class"] for e in named["entries"]}
    assert DataClass.HEALTH not in named["withheld"]
    lee = get(bearer(riverbend, "lee"), f"/api/clients/{sam.pk}").json()
    assert DataClass.HEALTH not in {e["data_class"] for e in lee["entries"]}


def test_a_client_without_any_basis_is_refused(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    response = get(bearer(riverbend, "pat"), f"/api/clients/{sam.pk}")
    assert response.status_code == 403
    assert "Sam" not in response.content.decode()


def test_an_unknown_client_is_not_found(riverbend: Riverbend) -> None:
    assert get(bearer(riverbend, "alice"), "/api/clients/999999").status_code == 404


def test_the_purpose_of_use_header_is_honoured(riverbend: Riverbend) -> None:
    sam = _shared_client(riverbend)
    _token, secret = token_create(user=riverbend.hana)
    browser = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    # The consent covers care coordination only: for research nothing is disclosed.
    research = browser.get(f"/api/clients/{sam.pk}", headers={"X-Purpose-Of-Use": "research"})
    assert research.status_code == 403
    assert AuditEvent.objects.filter(actor_username="hana", purpose="research").count() == 6


def test_an_unknown_purpose_of_use_is_refused_naming_the_header(riverbend: Riverbend) -> None:
    sam = _shared_client(riverbend)
    _token, secret = token_create(user=riverbend.hana)
    browser = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    before = AuditEvent.objects.count()
    for purpose in ("curiosity", "x" * 40):
        response = browser.get(f"/api/clients/{sam.pk}", headers={"X-Purpose-Of-Use": purpose})
        assert response.status_code == 400
        assert "X-Purpose-Of-Use" in response.json()["detail"]
    assert AuditEvent.objects.count() == before
