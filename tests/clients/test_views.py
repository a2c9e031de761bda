"""Client pages in the browser: it works for the owner, someone else cannot."""

from __future__ import annotations

from django.urls import reverse

from carecircle.clients.models import Client, ClientEntry, SupportContact
from carecircle.privacy.models import DataClass, Purpose
from carecircle.privacy.services import care_team_add, consent_record
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


def test_a_full_record_is_created_and_shown(riverbend: Riverbend) -> None:
    alice = riverbend.http("alice")
    response = alice.post(
        reverse("clients:create"),
        {
            "identification": "identified",
            "preferred_name": "Sam",
            "legal_given_name": "Samuel",
            "legal_family_name": "Rivers",
            "age": "34",
            "gender_identity": "Two-Spirit",
            "pronouns": "they/them",
            "languages": "Cree, English",
            "housing_status": "shelter",
            "phone": "555 0101",
            "safe_to_text": "no",
            "safe_contact_time": "After 6 pm",
        },
    )
    assert response.status_code == 302
    sam = Client.objects.get()
    assert (sam.identification, sam.legal_name, sam.languages) == (
        "identified",
        "Samuel Rivers",
        ["Cree", "English"],
    )
    page = alice.get(reverse("clients:detail", kwargs={"client_id": sam.pk})).content.decode()
    for shown in ("Samuel Rivers", "they/them", "Two-Spirit", "Cree, English", "After 6 pm"):
        assert shown in page
    assert "In a shelter or transitional housing" in page


def test_the_create_form_offers_prefers_not_to_say(riverbend: Riverbend) -> None:
    page = riverbend.http("alice").get(reverse("clients:create")).content.decode()
    assert page.count("Prefers not to say") >= 6
    assert '<datalist id="id_pronouns-suggestions">' in page


def test_an_identified_record_without_legal_names_is_refused_naming_them(
    riverbend: Riverbend,
) -> None:
    response = riverbend.http("alice").post(
        reverse("clients:create"), {"identification": "identified", "preferred_name": "Sam"}
    )
    assert response.status_code == 400
    assert "Give the legal given name" in response.content.decode()
    assert "Give the legal family name" in response.content.decode()
    assert not Client.objects.exists()


def test_the_holder_edits_the_record(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.http("alice")
    url = reverse("clients:edit", kwargs={"client_id": sam.pk})
    form = alice.get(url)
    assert form.status_code == 200
    assert 'value="Sam"' in form.content.decode()
    saved = alice.post(url, {"preferred_name": "Sammy", "pronouns": "he/him"})
    assert saved.status_code == 302
    sam.refresh_from_db()
    assert (sam.preferred_name, sam.pronouns, sam.search_name) == ("Sammy", "he/him", "|sammy|")
    bad = alice.post(url, {"preferred_name": "Sammy", "email": "nope"})
    assert bad.status_code == 400
    assert "Give a valid email address" in bad.content.decode()


def test_someone_else_cannot_edit_even_with_the_persons_consent(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing],
    )
    hana = riverbend.http("hana")
    url = reverse("clients:edit", kwargs={"client_id": sam.pk})
    assert hana.get(url).status_code == 403
    assert hana.post(url, {"preferred_name": "Hacked"}).status_code == 403
    assert riverbend.http("pat").get(url).status_code == 403
    sam.refresh_from_db()
    assert sam.preferred_name == "Sam"
    # The record page does not offer what she may not do.
    page = hana.get(reverse("clients:detail", kwargs={"client_id": sam.pk})).content.decode()
    assert "Edit the record" not in page
    assert "Add someone to the support network" not in page


def test_the_holder_adds_and_removes_support_contacts(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.http("alice")
    added = alice.post(
        reverse("clients:support_add", kwargs={"client_id": sam.pk}),
        {"name": "Ria", "kind": "chosen_family", "phone": "555 0199", "is_emergency_contact": "on"},
    )
    assert added.status_code == 302
    ria = SupportContact.objects.get()
    assert ria.is_emergency_contact
    page = alice.get(reverse("clients:detail", kwargs={"client_id": sam.pk})).content.decode()
    assert "Emergency contact" in page
    assert "Ria" in page
    alice.post(reverse("clients:support_remove", kwargs={"client_id": sam.pk}), {"id": ria.pk})
    assert not SupportContact.objects.exists()


def test_someone_else_cannot_change_the_support_network(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    ria = SupportContact.objects.create(client=sam, name="Ria", kind="friend")
    hana = riverbend.http("hana")
    added = hana.post(
        reverse("clients:support_add", kwargs={"client_id": sam.pk}),
        {"name": "Mo", "kind": "friend"},
    )
    removed = hana.post(
        reverse("clients:support_remove", kwargs={"client_id": sam.pk}), {"id": ria.pk}
    )
    assert (added.status_code, removed.status_code) == (403, 403)
    assert list(SupportContact.objects.values_list("name", flat=True)) == ["Ria"]


def test_the_note_form_offers_only_the_kinds_the_reader_may_write(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    page = riverbend.http("hana").get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    text = page.content.decode()
    form = text[
        text.index('name="data_class"') : text.index("</select>", text.index('name="data_class"'))
    ]
    for shown in ("general", "health", "mental_health", "harm_reduction"):
        assert f'value="{shown}"' in form
    # Substance use needs Sam's consent even for the care team; justice too.
    for hidden in ("substance_use", "justice"):
        assert f'value="{hidden}"' not in form


def test_the_record_page_links_the_care_team_and_plan(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    page = riverbend.http("alice").get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    text = page.content.decode()
    assert reverse("clients:care_team", kwargs={"client_id": sam.pk}) in text
    assert reverse("clients:care_plan", kwargs={"client_id": sam.pk}) in text
