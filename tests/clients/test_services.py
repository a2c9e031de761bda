"""Writing client records: through the privacy core, audited, refused when the policy says no."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carecircle.clients.models import Client, ClientEntry
from carecircle.clients.services import client_create, client_entry_add
from carecircle.privacy.models import AuditEvent, DataClass, Person
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
