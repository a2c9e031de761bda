"""A consent to read is not authority to write: notes, goals, steps, goal status and marking a
step done are for the organization holding the record and the organizations on the care team
now, each in the classes the policy lets it read; police and justice only on a record they
hold. Every refused write is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client, ClientEntry, GoalStatus
from carecircle.clients.selectors import care_plan_get, client_get
from carecircle.clients.services import (
    care_plan_goal_add,
    care_plan_goal_update,
    care_plan_task_add,
    care_plan_task_complete,
    care_team_member_add,
    care_team_member_end,
    client_entry_add,
)
from carecircle.partners.services import token_create
from carecircle.privacy.models import AuditEvent, CareTeamMember, DataClass, Purpose
from carecircle.privacy.services import consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION
TREAT = Purpose.TREATMENT


def held_by_the_ed(town: Riverbend) -> tuple[Client, CarePlanGoal, CarePlanTask]:
    """Sam, held by the ED, with a housing goal and a step of the ED's."""
    alice = town.actor("alice")
    sam = town.client_record(name="Sam", classes=[])
    goal = care_plan_goal_add(actor=alice, client=sam, domain="housing", own_words="A home")
    task = care_plan_task_add(actor=alice, goal=goal, description="Call the landlord")
    return sam, goal, task


def let_read(town: Riverbend, sam: Client, organization: Any, classes: list[str]) -> None:
    consent_record(
        actor=town.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=classes,
        purposes=[CARE, TREAT],
        recipient_organizations=[organization],
    )


def attempt_every_write(town: Riverbend, username: str, sam: Client) -> int:
    """Try each write through the services; return how many were refused."""
    actor = town.actor(username)
    goal = CarePlanGoal.objects.get(client=sam, own_words="A home")
    task = CarePlanTask.objects.get(goal=goal)
    attempts = [
        lambda: client_entry_add(
            actor=actor, client=sam, data_class=DataClass.GENERAL, body="A note", purpose=CARE
        ),
        lambda: care_plan_goal_add(actor=actor, client=sam, domain="income", own_words="Work"),
        lambda: care_plan_goal_update(actor=actor, goal=goal, status=GoalStatus.DROPPED),
        lambda: care_plan_task_add(actor=actor, goal=goal, description="Visit"),
        lambda: care_plan_task_complete(actor=actor, task=task),
    ]
    refused = 0
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
        refused += 1
    return refused


def nothing_was_written(sam: Client) -> None:
    goal = CarePlanGoal.objects.get(client=sam, own_words="A home")
    assert not ClientEntry.objects.filter(client=sam).exists()
    assert list(CarePlanGoal.objects.filter(client=sam)) == [goal]
    assert goal.status == GoalStatus.ACTIVE
    task = CarePlanTask.objects.get(goal=goal)
    assert task.done_at is None


def test_lee_with_a_general_consent_reads_but_writes_nothing(riverbend: Riverbend) -> None:
    sam, _goal, _task = held_by_the_ed(riverbend)
    let_read(riverbend, sam, riverbend.police, [DataClass.GENERAL])
    lee = riverbend.actor("lee")
    view = client_get(actor=lee, client_id=sam.pk, purpose=CARE)
    assert view.decisions[DataClass.GENERAL].permitted
    assert not view.may_write
    assert view.writable_classes == []
    assert attempt_every_write(riverbend, "lee", sam) == 5
    nothing_was_written(sam)
    refused = AuditEvent.objects.filter(actor_username="lee", action="write", permitted=False)
    assert refused.count() == 5
    assert {r.object_type for r in refused} == {"client_entry", "care_plan_goal", "care_plan_task"}


def test_lee_gets_no_write_form_and_his_posts_change_nothing(riverbend: Riverbend) -> None:
    """The reviewer's reproduction, through the pages."""
    sam, goal, task = held_by_the_ed(riverbend)
    let_read(riverbend, sam, riverbend.police, [DataClass.GENERAL])
    lee = riverbend.http("lee")
    record = lee.get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    assert record.status_code == 200
    assert 'name="data_class"' not in record.content.decode()
    plan = lee.get(reverse("clients:care_plan", kwargs={"client_id": sam.pk}))
    assert plan.status_code == 200
    text = plan.content.decode()
    assert "A home" in text
    for form in ("Mark done", "Change the status", "Add the goal", "Add the step"):
        assert form not in text
    kwargs = {"client_id": sam.pk}
    added = lee.post(
        reverse("clients:entry_add", kwargs=kwargs), {"data_class": "general", "body": "Seen"}
    )
    assert added.status_code == 403
    lee.post(reverse("clients:task_done", kwargs=kwargs), {"id": task.pk})
    lee.post(reverse("clients:goal_status", kwargs=kwargs), {"id": goal.pk, "status": "dropped"})
    lee.post(
        reverse("clients:goal_add", kwargs=kwargs), {"domain": "housing", "own_words": "Moved"}
    )
    lee.post(
        reverse("clients:task_add", kwargs=kwargs),
        {"goal": goal.pk, "description": "Check in", "owner": "person"},
    )
    nothing_was_written(sam)


def test_the_api_refuses_lees_writes(riverbend: Riverbend) -> None:
    sam, goal, task = held_by_the_ed(riverbend)
    let_read(riverbend, sam, riverbend.police, [DataClass.GENERAL])
    _token, secret = token_create(user=riverbend.lee)
    api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    assert api.get(f"/api/clients/{sam.pk}").status_code == 200

    def post(path: str, body: dict[str, Any]) -> int:
        return api.post(path, body, content_type="application/json").status_code

    base = f"/api/clients/{sam.pk}"
    assert post(f"{base}/notes", {"data_class": "general", "body": "Seen"}) == 403
    assert post(f"{base}/care-plan/goals", {"domain": "income", "own_words": "Work"}) == 403
    assert post(f"{base}/care-plan/tasks", {"goal_id": goal.pk, "description": "x"}) == 404
    assert post(f"{base}/care-plan/tasks/complete", {"task_id": task.pk}) == 404
    nothing_was_written(sam)


def test_a_consented_reader_off_the_care_team_writes_nothing(riverbend: Riverbend) -> None:
    """Pat's organization may read Sam's general and substance-use data by consent: not a
    writer all the same."""
    sam, _goal, _task = held_by_the_ed(riverbend)
    let_read(riverbend, sam, riverbend.peer, [DataClass.GENERAL, DataClass.SUBSTANCE_USE])
    pat = riverbend.actor("pat")
    assert client_get(actor=pat, client_id=sam.pk, purpose=CARE).writable_classes == []
    assert care_plan_get(actor=pat, client_id=sam.pk, purpose=CARE).writable_classes == []
    assert attempt_every_write(riverbend, "pat", sam) == 5
    nothing_was_written(sam)


def test_police_on_the_care_team_write_nothing(riverbend: Riverbend) -> None:
    sam, _goal, _task = held_by_the_ed(riverbend)
    care_team_member_add(actor=riverbend.actor("alice"), client=sam, organization=riverbend.police)
    assert (
        client_get(actor=riverbend.actor("lee"), client_id=sam.pk, purpose=CARE)
        .decisions[DataClass.GENERAL]
        .permitted
    )
    assert attempt_every_write(riverbend, "lee", sam) == 5
    nothing_was_written(sam)


def test_police_write_to_a_record_they_hold(riverbend: Riverbend) -> None:
    lee = riverbend.actor("lee")
    sam = riverbend.client_record(owner="lee", name="Sam", classes=[])
    entry = client_entry_add(
        actor=lee, client=sam, data_class=DataClass.JUSTICE, body="Diverted", purpose=CARE
    )
    goal = care_plan_goal_add(actor=lee, client=sam, domain="housing", own_words="A home")
    task = care_plan_task_add(actor=lee, goal=goal, description="Shelter bed")
    care_plan_task_complete(actor=lee, task=task)
    assert (entry.organization, goal.organization) == (riverbend.police, riverbend.police)
    # Still only in the classes the policy lets them read.
    with pytest.raises(PermissionDenied):
        client_entry_add(actor=lee, client=sam, data_class=DataClass.HEALTH, body="x", purpose=CARE)


def test_a_care_team_member_writes_until_the_membership_ends(riverbend: Riverbend) -> None:
    sam, goal, task = held_by_the_ed(riverbend)
    member = care_team_member_add(
        actor=riverbend.actor("alice"), client=sam, organization=riverbend.housing
    )
    # Keep reading by consent after the membership ends, to show the write needs the team.
    let_read(riverbend, sam, riverbend.housing, [DataClass.GENERAL])
    hana = riverbend.actor("hana")
    client_entry_add(actor=hana, client=sam, data_class=DataClass.GENERAL, body="Visited")
    care_plan_goal_update(actor=hana, goal=goal, status=GoalStatus.ACHIEVED)
    care_plan_task_complete(actor=hana, task=task)
    care_team_member_end(actor=riverbend.actor("alice"), client=sam, member_id=member.pk)
    assert not CareTeamMember.objects.filter(ended_at__isnull=True).exists()
    assert client_get(actor=hana, client_id=sam.pk, purpose=CARE).may_write is False
    with pytest.raises(PermissionDenied):
        client_entry_add(actor=hana, client=sam, data_class=DataClass.GENERAL, body="Again")
    with pytest.raises(PermissionDenied):
        care_plan_goal_update(actor=hana, goal=goal, status=GoalStatus.ACTIVE)
    assert ClientEntry.objects.filter(client=sam).count() == 1
