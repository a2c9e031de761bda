"""The duplicate check on create: it finds the same person by name and birth date, identifier
code, or legal name and birth year, and shows only the records the user may see."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.clients.models import Client
from carecircle.clients.selectors import client_duplicates
from carecircle.clients.services import client_create, client_profile_clean
from carecircle.partners.services import token_create
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from carecircle.privacy.services import consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def matches(town: Riverbend, username: str, **values: Any) -> list[Client]:
    cleaned = client_profile_clean(values)
    found = client_duplicates(actor=town.actor(username), purpose=CARE, values=cleaned)
    return [m.client for m in found]


def share_with_housing(town: Riverbend, client: Client) -> None:
    consent_record(
        actor=town.actor("alice"),
        person=client.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[CARE],
        recipient_organizations=[town.housing],
    )


def test_the_same_name_and_birth_date_is_a_match_whatever_the_accents(riverbend: Riverbend) -> None:
    jose = client_create(
        actor=riverbend.actor("alice"), preferred_name="José Núñez", birth_date="1980-02-03"
    )
    assert matches(riverbend, "alice", preferred_name="jose nunez", birth_date="1980-02-03") == [
        jose
    ]
    assert matches(riverbend, "alice", preferred_name="Jose Nunez", birth_date="1980-02-04") == []
    # A name is matched whole: "Jo" is not "José Núñez".
    assert matches(riverbend, "alice", preferred_name="Jo", birth_date="1980-02-03") == []


def test_the_same_identifier_code_is_a_match(riverbend: Riverbend) -> None:
    coded = client_create(actor=riverbend.actor("alice"), identifier_code="AB12X")
    assert matches(riverbend, "alice", identifier_code="ab12x") == [coded]
    found = client_duplicates(
        actor=riverbend.actor("alice"),
        purpose=CARE,
        values=client_profile_clean({"identifier_code": "AB12X"}),
    )
    assert found[0].reasons == ("identifier_code",)


def test_the_same_legal_name_and_birth_year_is_a_match(riverbend: Riverbend) -> None:
    samuel = client_create(
        actor=riverbend.actor("alice"),
        legal_given_name="Samuel",
        legal_family_name="Rivers",
        age=40,
    )
    assert matches(
        riverbend,
        "alice",
        preferred_name="Sam",
        legal_given_name="samuel",
        legal_family_name="RIVERS",
        birth_date=f"{samuel.birth_year}-06-01",
    ) == [samuel]
    assert (
        matches(
            riverbend,
            "alice",
            legal_given_name="Samuel",
            legal_family_name="Rivers",
            birth_date=f"{samuel.birth_year - 5}-06-01",
        )
        == []
    )


def test_a_match_the_user_may_not_see_is_not_shown_nor_counted(riverbend: Riverbend) -> None:
    sam = client_create(
        actor=riverbend.actor("alice"), preferred_name="Sam", birth_date="1990-01-01"
    )
    assert matches(riverbend, "hana", preferred_name="Sam", birth_date="1990-01-01") == []
    # The question was asked of the policy and audited, refused.
    row = AuditEvent.objects.get(object_type="client_duplicate", actor_username="hana")
    assert (row.permitted, row.object_id) == (False, str(sam.pk))
    # Once Sam lets housing see who they are, hana is shown the record.
    share_with_housing(riverbend, sam)
    assert matches(riverbend, "hana", preferred_name="Sam", birth_date="1990-01-01") == [sam]


def test_lee_is_not_shown_a_record_that_does_not_name_his_organization(
    riverbend: Riverbend,
) -> None:
    client_create(actor=riverbend.actor("alice"), identifier_code="ZZ9")
    assert matches(riverbend, "lee", identifier_code="ZZ9") == []


# --- the page ---------------------------------------------------------------------------------


def test_the_create_page_shows_a_possible_match_and_creates_on_confirmation(
    riverbend: Riverbend,
) -> None:
    sam = client_create(
        actor=riverbend.actor("alice"), preferred_name="Sam", birth_date="1990-01-01"
    )
    alice = riverbend.http("alice")
    form = {"preferred_name": "sam", "birth_date": "1990-01-01"}
    checked = alice.post(reverse("clients:create"), form)
    assert checked.status_code == 200
    page = checked.content.decode()
    assert "This may be someone already known" in page
    assert reverse("clients:detail", kwargs={"client_id": sam.pk}) in page
    assert "Same name and birth date." in page
    assert Client.objects.count() == 1
    created = alice.post(reverse("clients:create"), {**form, "different_person": "1"})
    assert created.status_code == 302
    assert Client.objects.count() == 2


def test_the_create_page_says_nothing_of_a_match_the_user_may_not_see(
    riverbend: Riverbend,
) -> None:
    sam = client_create(
        actor=riverbend.actor("alice"), preferred_name="Sam", birth_date="1990-01-01"
    )
    response = riverbend.http("hana").post(
        reverse("clients:create"), {"preferred_name": "Sam", "birth_date": "1990-01-01"}
    )
    assert response.status_code == 302  # created at once: nothing to check against
    assert Client.objects.count() == 2
    assert Client.objects.exclude(pk=sam.pk).get().person.owner_organization == riverbend.housing


# --- the API --------------------------------------------------------------------------------


def test_the_api_answers_409_with_the_visible_matches_then_creates_on_confirmation(
    riverbend: Riverbend,
) -> None:
    sam = client_create(actor=riverbend.actor("alice"), identifier_code="AB12X")
    hidden = client_create(actor=riverbend.actor("cora"), identifier_code="AB12X")
    _token, secret = token_create(user=riverbend.alice)
    browser = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    response = browser.post(
        "/api/clients", {"identifier_code": "ab12x"}, content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    # Cora's record (public health, no consent for the ED) is neither shown nor counted.
    assert [m["id"] for m in body["matches"]] == [sam.pk]
    assert hidden.pk != sam.pk
    confirmed = browser.post(
        "/api/clients",
        {"identifier_code": "ab12x", "confirm_different_person": True},
        content_type="application/json",
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["identification"] == "pseudonymous"
    assert Client.objects.count() == 3
