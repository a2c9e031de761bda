"""A NUL character cannot be stored (PostgreSQL refuses it): every text the clients services
take is checked for one and refused with an error naming the field, nothing written; the API
answers 400, never 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from carecircle.clients.models import (
    CarePlanGoal,
    CarePlanTask,
    Client,
    ClientEntry,
    SupportContact,
)
from carecircle.clients.services import (
    care_plan_goal_add,
    care_plan_goal_update,
    care_plan_task_add,
    care_team_member_add,
    client_create,
    client_entry_add,
    client_profile_clean,
    client_update,
    support_contact_add,
)
from carecircle.partners.services import token_create
from carecircle.privacy.models import CareTeamMember, DataClass
from tests.fixtures import Riverbend

NUL = "\x00"


def refused_fields(write: Callable[[], Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        write()
    return set(caught.value.message_dict)


@pytest.mark.parametrize(
    "field",
    [
        "preferred_name",
        "alias",
        "legal_given_name",
        "legal_family_name",
        "identifier_code",
        "gender_identity",
        "pronouns",
        "indigenous_identity",
        "phone",
        "email",
        "safe_contact_time",
        "contact_notes",
        "housing_status",
        "identification",
        "birth_date",
    ],
)
def test_a_profile_text_with_a_nul_is_refused_by_name(riverbend: Riverbend, field: str) -> None:
    values = {"preferred_name": "Sam", field: f"ab{NUL}c"}
    assert refused_fields(lambda: client_profile_clean(values)) == {field}
    assert refused_fields(lambda: client_create(actor=riverbend.actor("alice"), **values)) == {
        field
    }
    assert not Client.objects.exists()


def test_a_language_with_a_nul_is_refused(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    assert refused_fields(
        lambda: client_create(actor=alice, preferred_name="Sam", languages=["Cree", f"Fr{NUL}"])
    ) == {"languages"}
    assert refused_fields(
        lambda: client_create(actor=alice, preferred_name="Sam", languages=f"Cree,{NUL}")
    ) == {"languages"}


def test_an_edit_with_a_nul_changes_nothing(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    assert refused_fields(
        lambda: client_update(
            actor=alice, client=sam, changes={"pronouns": "they", "contact_notes": f"x{NUL}"}
        )
    ) == {"contact_notes"}
    sam.refresh_from_db()
    assert (sam.pronouns, sam.contact_notes) == ("", "")


def test_support_contact_fields_with_a_nul_are_refused(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    for field in ("name", "relationship", "phone", "kind"):
        values = {"name": "Ria", "kind": "friend", "relationship": "", "phone": "555 1234"}
        values[field] = f"{values[field]}{NUL}"
        assert refused_fields(
            lambda v=values: support_contact_add(actor=alice, client=sam, **v)
        ) == {field}
    assert not SupportContact.objects.exists()


def test_a_note_with_a_nul_is_refused(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    assert refused_fields(
        lambda: client_entry_add(
            actor=alice, client=sam, data_class=DataClass.HEALTH, body=f"Seen{NUL} today"
        )
    ) == {"body"}
    assert refused_fields(
        lambda: client_entry_add(actor=alice, client=sam, data_class=f"health{NUL}", body="Seen")
    ) == {"data_class"}
    assert not ClientEntry.objects.exists()


def test_care_plan_words_with_a_nul_are_refused(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    assert refused_fields(
        lambda: care_plan_goal_add(actor=alice, client=sam, domain="housing", own_words=f"A{NUL}")
    ) == {"own_words"}
    assert refused_fields(
        lambda: care_plan_goal_add(actor=alice, client=sam, domain=f"housing{NUL}", own_words="A")
    ) == {"domain"}
    goal = care_plan_goal_add(actor=alice, client=sam, domain="housing", own_words="A home")
    assert refused_fields(
        lambda: care_plan_goal_update(actor=alice, goal=goal, own_words=f"A{NUL}home")
    ) == {"own_words"}
    assert refused_fields(
        lambda: care_plan_goal_update(actor=alice, goal=goal, status=f"achieved{NUL}")
    ) == {"status"}
    assert refused_fields(
        lambda: care_plan_task_add(actor=alice, goal=goal, description=f"Call{NUL}")
    ) == {"description"}
    goal.refresh_from_db()
    assert (goal.own_words, goal.status) == ("A home", "active")
    assert not CarePlanTask.objects.exists()
    assert CarePlanGoal.objects.count() == 1


def test_a_care_team_role_with_a_nul_is_refused(riverbend: Riverbend) -> None:
    alice = riverbend.actor("alice")
    sam = client_create(actor=alice, preferred_name="Sam")
    assert refused_fields(
        lambda: care_team_member_add(
            actor=alice, client=sam, organization=riverbend.housing, role=f"case_manager{NUL}"
        )
    ) == {"role"}
    assert not CareTeamMember.objects.exists()


# --- the API --------------------------------------------------------------------------------


def api(town: Riverbend, username: str = "alice") -> HttpClient:
    _token, secret = token_create(user=town.users[username])
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def post(browser: HttpClient, path: str, body: dict[str, Any]) -> Any:
    return browser.post(path, body, content_type="application/json")


def test_the_api_answers_400_naming_the_field(riverbend: Riverbend) -> None:
    alice = api(riverbend)
    created = post(alice, "/api/clients", {"preferred_name": f"Sam{NUL}"})
    assert created.status_code == 400
    assert set(created.json()["errors"]) == {"preferred_name"}
    sam = client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    base = f"/api/clients/{sam.pk}"
    note = post(alice, f"{base}/notes", {"data_class": "general", "body": f"x{NUL}y"})
    assert (note.status_code, set(note.json()["errors"])) == (400, {"body"})
    goal = post(alice, f"{base}/care-plan/goals", {"domain": "housing", "own_words": f"A{NUL}"})
    assert (goal.status_code, set(goal.json()["errors"])) == (400, {"own_words"})
    kept = care_plan_goal_add(
        actor=riverbend.actor("alice"), client=sam, domain="housing", own_words="A home"
    )
    task = post(alice, f"{base}/care-plan/tasks", {"goal_id": kept.pk, "description": f"Call{NUL}"})
    assert (task.status_code, set(task.json()["errors"])) == (400, {"description"})
    dated = post(
        alice,
        f"{base}/care-plan/tasks",
        {"goal_id": kept.pk, "description": "Call", "due_on": f"2030-01-01{NUL}"},
    )
    assert (dated.status_code, set(dated.json()["errors"])) == (400, {"due_on"})
    assert Client.objects.count() == 1
    assert not ClientEntry.objects.exists()
    assert not CarePlanTask.objects.exists()


def test_a_search_with_a_nul_is_answered(riverbend: Riverbend) -> None:
    client_create(actor=riverbend.actor("alice"), preferred_name="Sam")
    listed = api(riverbend).get("/api/clients", {"q": f"Sa{NUL}m"})
    assert listed.status_code == 200
    assert [c["display_name"] for c in listed.json()] == ["Sam"]
    page = riverbend.http("alice").get("/clients/", {"q": f"Sa{NUL}m"})
    assert page.status_code == 200
