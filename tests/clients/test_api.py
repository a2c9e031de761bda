"""The clients API: records, notes and the care plan, as the policy allows; bad input named;
someone else refused."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client, ClientEntry
from carecircle.clients.services import care_plan_goal_add, care_plan_task_add, care_team_member_add
from carecircle.partners.services import token_create
from carecircle.privacy.models import AuditEvent, DataClass
from tests.fixtures import Riverbend


def bearer(town: Riverbend, username: str) -> HttpClient:
    _token, secret = token_create(user=town.users[username])
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def post(browser: HttpClient, path: str, body: dict[str, Any]) -> Any:
    return browser.post(path, body, content_type="application/json")


def test_create_then_list_then_get(riverbend: Riverbend) -> None:
    alice = bearer(riverbend, "alice")
    created = post(
        alice,
        "/api/clients",
        {
            "legal_given_name": "Samuel",
            "legal_family_name": "Rivers",
            "preferred_name": "Sam",
            "pronouns": "they/them",
            "age": 30,
            "languages": ["Cree"],
            "safe_to_voicemail": "no",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["display_name"], body["identification"]) == ("Sam", "identified")
    listed = alice.get("/api/clients", {"q": "rivers"})
    assert [c["id"] for c in listed.json()] == [body["id"]]
    record = alice.get(f"/api/clients/{body['id']}").json()
    assert (record["legal_family_name"], record["languages"], record["safe_to_voicemail"]) == (
        "Rivers",
        ["Cree"],
        "no",
    )


def test_create_names_every_bad_field_and_writes_nothing(riverbend: Riverbend) -> None:
    response = post(
        bearer(riverbend, "alice"),
        "/api/clients",
        {"identification": "pseudonymous", "preferred_name": "Sam", "age": "old", "email": "x"},
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"identifier_code", "preferred_name", "age", "email"}
    assert not Client.objects.exists()


def test_an_analyst_cannot_list_or_create(riverbend: Riverbend) -> None:
    dana = bearer(riverbend, "dana")
    assert dana.get("/api/clients").status_code == 403
    assert post(dana, "/api/clients", {"preferred_name": "Sam"}).status_code == 403
    assert not Client.objects.exists()


def test_the_list_is_answered_in_a_fixed_number_of_queries(riverbend: Riverbend) -> None:
    alice = bearer(riverbend, "alice")
    riverbend.client_record(name="Sam", classes=[])
    alice.get("/api/clients")  # the token's first use is recorded

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice.get("/api/clients").status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        riverbend.client_record(name=f"P{n}", classes=[])
    assert count() == few


def test_notes_are_listed_and_added_as_the_policy_allows(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    care_team_member_add(actor=riverbend.actor("alice"), client=sam, organization=riverbend.housing)
    hana = bearer(riverbend, "hana")
    notes = hana.get(f"/api/clients/{sam.pk}/notes").json()
    assert {n["data_class"] for n in notes["notes"]} == {
        "general",
        "health",
        "mental_health",
        "harm_reduction",
    }
    assert set(notes["withheld"]) == {"substance_use", "justice"}
    added = post(hana, f"/api/clients/{sam.pk}/notes", {"data_class": "health", "body": "Seen."})
    assert added.status_code == 201
    refused = post(
        hana, f"/api/clients/{sam.pk}/notes", {"data_class": "substance_use", "body": "No."}
    )
    assert refused.status_code == 403
    bad = post(hana, f"/api/clients/{sam.pk}/notes", {"data_class": "gossip"})
    assert bad.status_code == 400
    assert "data_class" in bad.json()["errors"]
    assert not ClientEntry.objects.filter(body="No.").exists()


def test_someone_else_gets_no_notes(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam")
    pat = bearer(riverbend, "pat")
    assert pat.get(f"/api/clients/{sam.pk}/notes").status_code == 403
    assert (
        post(
            pat, f"/api/clients/{sam.pk}/notes", {"data_class": "general", "body": "x"}
        ).status_code
        == 403
    )
    assert bearer(riverbend, "alice").get("/api/clients/999999/notes").status_code == 404


def test_the_care_plan_through_the_api(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_member_add(actor=riverbend.actor("alice"), client=sam, organization=riverbend.housing)
    alice = bearer(riverbend, "alice")
    goal = post(
        alice,
        f"/api/clients/{sam.pk}/care-plan/goals",
        {"domain": "treatment", "own_words": "Start buprenorphine"},
    )
    assert goal.status_code == 201
    assert goal.json()["data_class"] == "substance_use"
    housing = post(
        alice,
        f"/api/clients/{sam.pk}/care-plan/goals",
        {"domain": "housing", "own_words": "My own place"},
    ).json()
    step = post(
        alice,
        f"/api/clients/{sam.pk}/care-plan/tasks",
        {
            "goal_id": housing["id"],
            "description": "Apply for housing",
            "owner_organization_id": riverbend.housing.pk,
            "due_on": "2020-01-01",
        },
    )
    assert step.status_code == 201
    assert step.json()["overdue"] is True
    assert step.json()["owner"] == riverbend.housing.name
    hana = bearer(riverbend, "hana")
    plan = hana.get(f"/api/clients/{sam.pk}/care-plan").json()
    assert [g["domain"] for g in plan["goals"]] == ["housing"]
    assert "substance_use" in plan["withheld"]
    done = post(
        hana, f"/api/clients/{sam.pk}/care-plan/tasks/complete", {"task_id": step.json()["id"]}
    )
    assert done.status_code == 200
    assert CarePlanTask.objects.get().done_at is not None
    again = post(
        hana, f"/api/clients/{sam.pk}/care-plan/tasks/complete", {"task_id": step.json()["id"]}
    )
    assert again.status_code == 400
    assert "task_id" in again.json()["errors"]


def test_the_care_plan_api_names_bad_fields(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = bearer(riverbend, "alice")
    goal = post(alice, f"/api/clients/{sam.pk}/care-plan/goals", {"domain": "x"})
    assert set(goal.json()["errors"]) == {"domain", "own_words"}
    assert goal.status_code == 400
    real = care_plan_goal_add(
        actor=riverbend.actor("alice"), client=sam, domain="housing", own_words="Home"
    )
    step = post(
        alice,
        f"/api/clients/{sam.pk}/care-plan/tasks",
        {"goal_id": real.pk, "due_on": "soon", "owner_organization_id": 999999},
    )
    assert step.status_code == 400
    assert set(step.json()["errors"]) == {"due_on", "owner_organization_id"}
    missing = post(alice, f"/api/clients/{sam.pk}/care-plan/tasks", {"description": "x"})
    assert (missing.status_code, set(missing.json()["errors"])) == (400, {"goal_id"})
    assert not CarePlanTask.objects.exists()


def test_a_hidden_goal_is_answered_like_no_goal(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_member_add(actor=riverbend.actor("alice"), client=sam, organization=riverbend.housing)
    hidden = care_plan_goal_add(
        actor=riverbend.actor("alice"), client=sam, domain="treatment", own_words="Methadone"
    )
    task = care_plan_task_add(actor=riverbend.actor("alice"), goal=hidden, description="Dose")
    hana = bearer(riverbend, "hana")
    for goal_id in (hidden.pk, 999999):
        response = post(
            hana, f"/api/clients/{sam.pk}/care-plan/tasks", {"goal_id": goal_id, "description": "x"}
        )
        assert response.status_code == 404
    for task_id in (task.pk, 999999):
        response = post(
            hana, f"/api/clients/{sam.pk}/care-plan/tasks/complete", {"task_id": task_id}
        )
        assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None
    assert CarePlanTask.objects.count() == 1


def test_someone_else_gets_no_care_plan(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_plan_goal_add(
        actor=riverbend.actor("alice"), client=sam, domain="housing", own_words="Home"
    )
    lee = bearer(riverbend, "lee")
    assert lee.get(f"/api/clients/{sam.pk}/care-plan").status_code == 403
    assert (
        post(
            lee, f"/api/clients/{sam.pk}/care-plan/goals", {"domain": "housing", "own_words": "x"}
        ).status_code
        == 403
    )
    assert CarePlanGoal.objects.count() == 1
    assert AuditEvent.objects.filter(actor_username="lee", object_type="care_plan").count() == len(
        DataClass.values
    )


def test_the_list_shows_no_one_the_caller_may_not_see(riverbend: Riverbend) -> None:
    riverbend.client_record(name="Sam", classes=[])
    assert bearer(riverbend, "hana").get("/api/clients").json() == []
    assert (
        bearer(riverbend, "hana").get(f"/api/clients/{Client.objects.get().pk}").status_code == 403
    )
