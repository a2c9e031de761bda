"""Client pages in the browser: it works for the owner, someone else cannot."""

from __future__ import annotations

from django.urls import reverse

from carecircle.clients.models import Client, ClientEntry
from carecircle.privacy.models import DataClass
from tests.fixtures import Riverbend


def test_the_owner_creates_a_client_and_adds_an_entry(riverbend: Riverbend) -> None:
    alice = riverbend.http("alice")
    response = alice.post(reverse("clients:create"), {"preferred_name": "Sam"})
    assert response.status_code == 302
    sam = Client.objects.get()
    assert response["Location"] == reverse("clients:detail", kwargs={"client_id": sam.pk})
    added = alice.post(
        reverse("clients:entry_add", kwargs={"client_id": sam.pk}),
        {"data_class": DataClass.HEALTH, "body": "Started buprenorphine."},
    )
    assert added.status_code == 302
    page = alice.get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    assert page.status_code == 200
    assert "Started buprenorphine." in page.content.decode()
    assert page["Cache-Control"] == "no-store, private"
    assert "Sam" in alice.get(reverse("clients:list")).content.decode()


def test_create_names_the_missing_field(riverbend: Riverbend) -> None:
    response = riverbend.http("alice").post(reverse("clients:create"), {"preferred_name": ""})
    assert response.status_code == 400
    assert "Give a preferred name or an identifier code" in response.content.decode()
    assert not Client.objects.exists()


def test_someone_else_cannot_open_or_add_to_the_record(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    hana = riverbend.http("hana")
    assert hana.get(reverse("clients:detail", kwargs={"client_id": sam.pk})).status_code == 403
    hana.post(
        reverse("clients:entry_add", kwargs={"client_id": sam.pk}),
        {"data_class": DataClass.GENERAL, "body": "Sneaky note."},
    )
    assert not ClientEntry.objects.filter(body="Sneaky note.").exists()
    assert "Sam" not in hana.get(reverse("clients:list")).content.decode()


def test_an_unknown_client_is_not_found(riverbend: Riverbend) -> None:
    assert riverbend.http("alice").get("/clients/999999/").status_code == 404
