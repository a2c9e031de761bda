"""Writing client records: through the privacy core, audited, refused when the policy says no."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carecircle.clients.models import (
    Client,
    ClientEntry,
    HousingStatus,
    Identification,
    ParentStatus,
    SupportContact,
    SupportKind,
    YesNoUnsaid,
)
from carecircle.clients.services import (
    client_create,
    client_entry_add,
    client_update,
    support_contact_add,
    support_contact_remove,
)
from carecircle.privacy.models import AuditEvent, DataClass, Person, Purpose
from carecircle.privacy.services import care_team_add, consent_record
from tests.fixtures import Riverbend


def test_client_create_makes_a_person_owned_by_the_organization(riverbend: Riverbend) -> None:
    client = client_create(actor=riverbend.actor("alice"), preferred_name="  Sam ")
    assert client.preferred_name == "Sam"
    assert client.person.owner_organization == riverbend.ed
    assert AuditEvent.objects.filter(person_id=client.person_id, action="write").exists()


def test_a_client_may_be_known_only_by_an_identifier_code(riverbend: Riverbend) -> None:
    client = client_create(actor=riverbend.actor("alice"), identifier_code=" ab12x ")
    assert (client.preferred_name, client.identifier_code) == ("", "AB12X")


def test_client_create_needs_a_name_or_a_code_and_writes_nothing_without(
    riverbend: Riverbend,
) -> None:
    with pytest.raises(ValidationError) as caught:
        client_create(actor=riverbend.actor("alice"), preferred_name=" ", identifier_code="")
    assert "preferred_name" in caught.value.message_dict
    assert not Client.objects.exists()
    assert not Person.objects.exists()


def test_an_entry_is_written_when_the_policy_permits_and_audited(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    entry = client_entry_add(
        actor=riverbend.actor("alice"), client=sam, data_class=DataClass.HEALTH, body=" Seen. "
    )
    assert (entry.body, entry.organization) == ("Seen.", riverbend.ed)
    row = AuditEvent.objects.get(object_type="client_entry")
    assert (row.permitted, row.basis, row.object_id) == (True, "own_record", str(entry.pk))


def test_someone_without_access_cannot_write_an_entry_and_the_attempt_is_audited(
    riverbend: Riverbend,
) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    with pytest.raises(PermissionDenied):
        client_entry_add(
            actor=riverbend.actor("hana"), client=sam, data_class=DataClass.HEALTH, body="Note."
        )
    assert not ClientEntry.objects.exists()
    row = AuditEvent.objects.get(object_type="client_entry")
    assert (row.permitted, row.actor_username, row.object_id) == (False, "hana", "")


def test_an_entry_needs_a_known_kind_and_a_body(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    with pytest.raises(ValidationError) as caught:
        client_entry_add(actor=riverbend.actor("alice"), client=sam, data_class="gossip", body="x")
    assert "data_class" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        client_entry_add(
            actor=riverbend.actor("alice"), client=sam, data_class=DataClass.HEALTH, body="  "
        )
    assert "body" in caught.value.message_dict
    assert not ClientEntry.objects.exists()


# --- identification levels and the profile -------------------------------------------------


def test_the_identification_level_follows_from_what_is_given(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    legal = client_create(actor=alice, legal_given_name="Samuel", legal_family_name="Rivers")
    chosen = client_create(actor=alice, preferred_name="Sam", identifier_code="x1")
    coded = client_create(actor=alice, identifier_code="ab 12x")
    assert [c.identification for c in (legal, chosen, coded)] == [
        Identification.IDENTIFIED,
        Identification.ALIAS,
        Identification.PSEUDONYMOUS,
    ]
    assert coded.identifier_code == "AB12X"
    assert legal.display_name == "Samuel Rivers"


def test_an_identified_record_needs_both_legal_names(riverbend: Riverbend) -> None:
    with pytest.raises(ValidationError) as caught:
        client_create(
            actor=riverbend.actor("alice"),
            identification=Identification.IDENTIFIED,
            preferred_name="Sam",
            legal_given_name="Samuel",
        )
    assert set(caught.value.message_dict) == {"legal_family_name"}
    assert not Client.objects.exists()
    assert not Person.objects.exists()


def test_an_alias_record_needs_a_name_the_person_goes_by(riverbend: Riverbend) -> None:
    with pytest.raises(ValidationError) as caught:
        client_create(
            actor=riverbend.actor("alice"),
            identification=Identification.ALIAS,
            identifier_code="AB12",
        )
    assert set(caught.value.message_dict) == {"preferred_name"}
    assert (
        client_create(
            actor=riverbend.actor("alice"), identification=Identification.ALIAS, alias="Sparrow"
        ).display_name
        == "Sparrow"
    )


def test_a_pseudonymous_record_holds_a_code_and_no_name(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    with pytest.raises(ValidationError) as caught:
        client_create(
            actor=alice,
            identification=Identification.PSEUDONYMOUS,
            preferred_name="Sam",
            legal_family_name="Rivers",
        )
    assert set(caught.value.message_dict) == {
        "identifier_code",
        "preferred_name",
        "legal_family_name",
    }
    assert not Client.objects.exists()


def test_bad_input_is_named_field_by_field_and_nothing_is_written(riverbend: Riverbend) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        client_create(
            actor=riverbend.actor("alice"),
            preferred_name="Sam",
            identifier_code="no/slashes",
            birth_date="31-12-1990",
            age=130,
            email="not an email",
            phone="call me",
            safe_to_text="maybe",
            housing_status="mansion",
            languages=["x" * 41],
            pronouns="x" * 41,
        )
    assert set(caught.value.message_dict) == {
        "identifier_code",
        "birth_date",
        "age",
        "email",
        "phone",
        "safe_to_text",
        "housing_status",
        "languages",
        "pronouns",
    }
    assert not Client.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_birth_date_in_the_future_is_refused(riverbend: Riverbend) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        client_create(actor=riverbend.actor("alice"), preferred_name="Sam", birth_date=tomorrow)
    assert "birth_date" in caught.value.message_dict


def test_an_age_becomes_a_birth_year_and_a_birth_date_gives_its_year(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    by_age = client_create(actor=alice, preferred_name="Sam", age=40)
    assert (by_age.birth_date, by_age.birth_year) == (None, timezone.localdate().year - 40)
    by_date = client_create(actor=alice, preferred_name="Ria", birth_date="1990-05-04")
    assert (by_date.birth_date, by_date.birth_year) == (date(1990, 5, 4), 1990)


def test_the_profile_is_stored_as_the_person_describes_themselves(riverbend: Riverbend) -> None:
    client = client_create(
        actor=riverbend.actor("alice"),
        preferred_name="Sam",
        gender_identity=" Two-Spirit ",
        pronouns="they/them",
        indigenous_identity="Métis",
        two_slgbtq=YesNoUnsaid.DECLINED,
        languages="Cree, English, cree",
        rural_remote=YesNoUnsaid.YES,
        housing_status=HousingStatus.UNSHELTERED,
        parent_status=ParentStatus.PREGNANT,
        phone="+1 (555) 010-0101",
        email="sam@example.org",
        safe_to_text=YesNoUnsaid.NO,
        safe_to_voicemail=YesNoUnsaid.YES,
        safe_contact_time="Mornings",
        contact_notes="Use the name Sam.",
    )
    client.refresh_from_db()
    assert client.gender_identity == "Two-Spirit"
    assert client.languages == ["Cree", "English"]
    assert (client.safe_to_text, client.housing_status) == ("no", "unsheltered")


def test_search_name_holds_every_name_folded(riverbend: Riverbend) -> None:
    client = client_create(
        actor=riverbend.actor("alice"),
        preferred_name="José",
        alias="Sparrow",
        legal_given_name="José-Luis",
        legal_family_name="O'Neil",
    )
    assert client.search_name == "|jose|sparrow|jose luis o neil|"


def test_an_analyst_cannot_create_a_record(riverbend: Riverbend) -> None:
    with pytest.raises(PermissionDenied):
        client_create(actor=riverbend.actor("dana"), preferred_name="Sam")
    assert not Client.objects.exists()


# --- editing, the support network ------------------------------------------------------------


def test_the_holder_edits_the_record_and_the_write_is_audited(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam", age=30)
    updated = client_update(
        actor=riverbend.actor("alice"),
        client=sam,
        changes={"pronouns": "he/him", "legal_given_name": "Samuel", "legal_family_name": "R"},
    )
    assert updated.pronouns == "he/him"
    assert updated.identification == Identification.ALIAS  # unchanged unless asked
    assert updated.search_name == "|sam|samuel r|"
    assert updated.birth_year == timezone.localdate().year - 30
    row = AuditEvent.objects.filter(object_type="client", action="write").get()
    assert (row.permitted, row.basis, row.object_id) == (True, "own_record", str(sam.pk))


def test_an_edit_with_bad_input_changes_nothing(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    with pytest.raises(ValidationError) as caught:
        client_update(
            actor=riverbend.actor("alice"),
            client=sam,
            changes={"pronouns": "they/them", "email": "nope", "favourite_colour": "blue"},
        )
    assert set(caught.value.message_dict) == {"email", "favourite_colour"}
    sam.refresh_from_db()
    assert sam.pronouns == ""


def test_only_the_holder_edits_even_with_consent(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing],
    )
    with pytest.raises(PermissionDenied):
        client_update(actor=riverbend.actor("hana"), client=sam, changes={"pronouns": "x"})
    sam.refresh_from_db()
    assert sam.pronouns == ""
    row = AuditEvent.objects.get(object_type="client", action="write")
    assert (row.permitted, row.actor_username) == (False, "hana")


def test_the_support_network_has_one_emergency_contact(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    first = support_contact_add(
        actor=alice,
        client=sam,
        name="Ria",
        kind=SupportKind.CHOSEN_FAMILY,
        phone="555 0101",
        is_emergency_contact=True,
    )
    second = support_contact_add(
        actor=alice,
        client=sam,
        name="Mo",
        kind=SupportKind.FAMILY,
        relationship="my brother",
        phone="555 0102",
        is_emergency_contact=True,
    )
    first.refresh_from_db()
    assert (first.is_emergency_contact, second.is_emergency_contact) == (False, True)
    support_contact_remove(actor=alice, client=sam, contact_id=first.pk)
    assert list(SupportContact.objects.values_list("name", flat=True)) == ["Mo"]
    assert AuditEvent.objects.filter(object_type="support_contact", permitted=True).count() == 3


def test_a_support_contact_needs_a_name_a_relationship_and_for_emergencies_a_phone(
    riverbend: Riverbend,
) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    with pytest.raises(ValidationError) as caught:
        support_contact_add(
            actor=riverbend.actor("alice"),
            client=sam,
            name=" ",
            kind="cousin",
            is_emergency_contact=True,
        )
    assert set(caught.value.message_dict) == {"name", "kind", "phone"}
    assert not SupportContact.objects.exists()


def test_someone_else_cannot_change_the_support_network(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    ria = support_contact_add(
        actor=riverbend.actor("alice"), client=sam, name="Ria", kind=SupportKind.FRIEND
    )
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    hana = riverbend.actor("hana")
    with pytest.raises(PermissionDenied):
        support_contact_add(actor=hana, client=sam, name="Mo", kind=SupportKind.FAMILY)
    with pytest.raises(PermissionDenied):
        support_contact_remove(actor=hana, client=sam, contact_id=ria.pk)
    assert list(SupportContact.objects.values_list("name", flat=True)) == ["Ria"]
    assert AuditEvent.objects.filter(object_type="support_contact", permitted=False).count() == 2


def test_a_note_follows_the_purpose_of_use(riverbend: Riverbend) -> None:
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    # Research on one's own records still needs the person's consent.
    with pytest.raises(PermissionDenied):
        client_entry_add(
            actor=riverbend.actor("alice"),
            client=sam,
            data_class=DataClass.HEALTH,
            body="Note.",
            purpose=Purpose.RESEARCH,
        )
    assert not ClientEntry.objects.exists()
