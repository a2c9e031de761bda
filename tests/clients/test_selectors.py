"""Reading client records: only what the policy permits, every read audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.clients.models import Client
from carecircle.clients.selectors import client_get, client_list
from carecircle.clients.services import client_create, support_contact_add
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from carecircle.privacy.services import care_team_add, consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION
#: The reachable page (1), the batch policy (consents with the organizations they name, care
#: teams, emergency access, the owners' privacy law: 4) and the audit rows (chain head lock,
#: insert, head update: 3, inside the caller's transaction, no savepoint), whatever the number
#: of rows.
LIST_QUERIES = 8


def test_the_list_shows_own_and_care_team_clients_only(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    riverbend.client_record(name="Ria", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    assert [
        c.preferred_name for c in client_list(actor=riverbend.actor("alice"), purpose=CARE)
    ] == [
        "Ria",
        "Sam",
    ]
    assert [c.preferred_name for c in client_list(actor=riverbend.actor("hana"), purpose=CARE)] == [
        "Sam"
    ]
    assert client_list(actor=riverbend.actor("lee"), purpose=CARE) == []
    shown = AuditEvent.objects.filter(object_type="client_list", actor_username="hana")
    assert [(r.person_id, r.basis, r.permitted) for r in shown] == [
        (sam.person_id, "care_team", True)
    ]


def test_the_list_searches_by_name_or_exact_code(riverbend: Riverbend) -> None:
    riverbend.client_record(name="Sam", classes=[])
    coded = riverbend.client_record(name="", code="ab12x", classes=[])
    alice = riverbend.actor("alice")
    assert [c.preferred_name for c in client_list(actor=alice, purpose=CARE, query="sa")] == ["Sam"]
    assert client_list(actor=alice, purpose=CARE, query="ab12x") == [coded]
    assert client_list(actor=alice, purpose=CARE, query="AB1") == []


def test_the_list_respects_a_refusal_by_the_person(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="deny",
        data_classes=[DataClass.GENERAL],
        purposes=[CARE],
        recipient_organizations=[riverbend.housing],
    )
    assert client_list(actor=riverbend.actor("hana"), purpose=CARE) == []
    assert not AuditEvent.objects.filter(
        object_type="client_list", actor_username="hana", permitted=True
    ).exists()


def test_the_list_follows_the_purpose_of_use(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    # The care team is a basis for treatment and care coordination, not for research.
    assert client_list(actor=riverbend.actor("hana"), purpose=Purpose.RESEARCH) == []
    assert client_list(actor=riverbend.actor("alice"), purpose=Purpose.RESEARCH) == []


def test_analysts_get_no_list(riverbend: Riverbend) -> None:
    with pytest.raises(PermissionDenied):
        client_list(actor=riverbend.actor("dana"), purpose=CARE)


def test_a_record_shows_only_the_permitted_classes(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT],
        recipient_organizations=[riverbend.peer],
    )
    view = client_get(actor=riverbend.actor("pat"), client_id=sam.pk, purpose=Purpose.TREATMENT)
    assert {e.data_class for e in view.entries} == {DataClass.GENERAL, DataClass.SUBSTANCE_USE}
    assert set(view.hidden_classes) == {
        DataClass.HEALTH,
        DataClass.MENTAL_HEALTH,
        DataClass.HARM_REDUCTION,
        DataClass.JUSTICE,
    }


def test_a_record_without_any_basis_is_refused_and_the_refusal_audited(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam")
    with pytest.raises(PermissionDenied):
        client_get(actor=riverbend.actor("pat"), client_id=sam.pk, purpose=CARE)
    rows = AuditEvent.objects.filter(actor_username="pat", object_type="client")
    assert rows.count() == len(DataClass.values)
    assert not any(r.permitted for r in rows)


def test_the_list_asks_the_policy_in_a_fixed_number_of_queries(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")

    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client_list(actor=alice, purpose=CARE)
        assert len(page) == Client.objects.count()
        return len(queries)

    def shared(name: str) -> None:
        sam = riverbend.client_record(name=name, classes=[])
        consent_record(
            actor=alice,
            person=sam.person,
            decision="permit",
            data_classes=[DataClass.GENERAL],
            purposes=[CARE],
            recipient_organizations=[riverbend.housing],
        )
        care_team_add(actor=alice, person=sam.person, organization=riverbend.peer)

    shared("Sam")
    few = queries_for_a_page()
    for n in range(12):
        shared(f"P{n}")
    many = queries_for_a_page()
    assert few == many == LIST_QUERIES


def test_every_row_of_the_list_is_audited(riverbend: Riverbend) -> None:
    for name in ("Sam", "Ria", "Mo"):
        riverbend.client_record(name=name, classes=[])
    client_list(actor=riverbend.actor("alice"), purpose=CARE)
    rows = AuditEvent.objects.filter(object_type="client_list", actor_username="alice")
    assert sorted(r.object_id for r in rows) == sorted(str(c.pk) for c in Client.objects.all())
    assert {(r.data_class, r.permitted, r.basis) for r in rows} == {("general", True, "own_record")}


def test_the_list_finds_any_name_without_accents_or_case(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    jose = client_create(
        actor=alice, preferred_name="José", legal_given_name="José", legal_family_name="Núñez"
    )
    client_create(actor=alice, alias="Sparrow")
    assert client_list(actor=alice, purpose=CARE, query="NUNEZ") == [jose]
    assert client_list(actor=alice, purpose=CARE, query="jose") == [jose]
    assert [c.alias for c in client_list(actor=alice, purpose=CARE, query="sparr")] == ["Sparrow"]


def test_a_record_shows_its_support_network(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = riverbend.client_record(name="Sam", classes=[])
    support_contact_add(actor=alice, client=sam, name="Ria", kind="friend")
    view = client_get(actor=alice, client_id=sam.pk, purpose=CARE)
    assert [s.name for s in view.supports] == ["Ria"]
    # The note form offers only what the reader may write: the clinician's role has no justice.
    assert [c for c, _label in view.writable_classes] == [
        DataClass.GENERAL,
        DataClass.HEALTH,
        DataClass.SUBSTANCE_USE,
        DataClass.MENTAL_HEALTH,
        DataClass.HARM_REDUCTION,
    ]
