"""The shared care plan: goals in the person's own words per life area, labelled with a data
class; steps with owners and due dates. Each shows only where the policy permits its class;
writing a class needs permission to read it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client, GoalDomain, GoalStatus
from carecircle.clients.selectors import care_plan_get
from carecircle.clients.services import (
    care_plan_goal_add,
    care_plan_goal_update,
    care_plan_task_add,
    care_plan_task_complete,
    care_team_member_add,
)
from carecircle.partners.models import Role
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def planned(town: Riverbend) -> Client:
    """Sam, held by the ED, with housing (hana) and the clinic on the care team and a goal in
    each life area, written by alice."""
    alice = town.actor("alice")
    sam = town.client_record(name="Sam", classes=[])
    care_team_member_add(
        actor=alice,
        client=sam,
        organization=town.housing,
        user_id=town.hana.pk,
        role=Role.CASE_MANAGER,
    )
    care_team_member_add(actor=alice, client=sam, organization=town.clinic)
    for domain in GoalDomain.values:
        care_plan_goal_add(actor=alice, client=sam, domain=domain, own_words=f"My {domain} goal")
    return sam


def visible_domains(town: Riverbend, username: str, sam: Client) -> set[str]:
    view = care_plan_get(actor=town.actor(username), client_id=sam.pk, purpose=CARE)
    return {row.goal.domain for row in view.goals}


def test_a_goal_carries_its_life_areas_class_unless_the_worker_chooses_another(
    riverbend: Riverbend,
) -> None:
    sam = planned(riverbend)
    classes = dict(CarePlanGoal.objects.values_list("domain", "data_class"))
    assert classes == {
        "treatment": DataClass.SUBSTANCE_USE,
        "housing": DataClass.GENERAL,
        "income": DataClass.GENERAL,
        "family": DataClass.GENERAL,
        "health": DataClass.HEALTH,
        "cultural": DataClass.GENERAL,
        "wellbeing": DataClass.HEALTH,
    }
    chosen = care_plan_goal_add(
        actor=riverbend.actor("alice"),
        client=sam,
        domain=GoalDomain.WELLBEING,
        own_words="Eat one hot meal a day",
        data_class=DataClass.GENERAL,
    )
    assert chosen.data_class == DataClass.GENERAL
    row = AuditEvent.objects.get(object_type="care_plan_goal", object_id=str(chosen.pk))
    assert (row.action, row.permitted, row.data_class) == ("write", True, "general")


def test_a_goal_is_checked_field_by_field_and_nothing_is_written(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    with pytest.raises(ValidationError) as caught:
        care_plan_goal_add(
            actor=riverbend.actor("alice"),
            client=sam,
            domain="astrology",
            own_words="  ",
            data_class="gossip",
            status="someday",
        )
    assert set(caught.value.message_dict) == {"domain", "own_words", "data_class", "status"}
    assert not CarePlanGoal.objects.exists()
    assert not AuditEvent.objects.filter(object_type="care_plan_goal").exists()


def test_a_care_team_member_adds_what_the_policy_lets_them_see_and_no_more(
    riverbend: Riverbend,
) -> None:
    sam = planned(riverbend)
    hana = riverbend.actor("hana")
    goal = care_plan_goal_add(
        actor=hana, client=sam, domain=GoalDomain.HOUSING, own_words="Keep my apartment"
    )
    assert goal.organization == riverbend.housing
    care_plan_task_add(
        actor=hana, goal=goal, description="Call the landlord", owner_user_id=hana.user_id
    )
    # A treatment goal is substance-use data: a case manager's role never sees it.
    with pytest.raises(PermissionDenied):
        care_plan_goal_add(
            actor=hana, client=sam, domain=GoalDomain.TREATMENT, own_words="Start buprenorphine"
        )
    assert not CarePlanGoal.objects.filter(own_words="Start buprenorphine").exists()
    refused = AuditEvent.objects.get(object_type="care_plan_goal", permitted=False)
    assert (refused.actor_username, refused.data_class) == ("hana", "substance_use")


def test_someone_with_no_basis_writes_nothing(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    for username in ("pat", "lee"):
        actor = riverbend.actor(username)
        with pytest.raises(PermissionDenied):
            care_plan_goal_add(actor=actor, client=sam, domain="housing", own_words="x")
        with pytest.raises(PermissionDenied):
            care_plan_task_add(actor=actor, goal=goal, description="x")
        with pytest.raises(PermissionDenied):
            care_plan_goal_update(actor=actor, goal=goal, status=GoalStatus.DROPPED)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    assert not CarePlanTask.objects.exists()


def test_a_step_is_owned_by_the_person_or_someone_on_the_care_team(riverbend: Riverbend) -> None:
    planned(riverbend)
    alice = riverbend.actor("alice")
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    mine = care_plan_task_add(actor=alice, goal=goal, description="Gather ID", owner_is_person=True)
    assert (mine.owner_is_person, mine.owner_organization, mine.owner_user) == (
        True,
        riverbend.ed,
        None,
    )
    with pytest.raises(ValidationError) as caught:
        care_plan_task_add(
            actor=alice, goal=goal, description="Patrol", owner_organization=riverbend.police
        )
    assert set(caught.value.message_dict) == {"owner_organization"}
    with pytest.raises(ValidationError) as caught:
        care_plan_task_add(
            actor=alice,
            goal=goal,
            description="Visit",
            owner_organization=riverbend.housing,
            owner_user_id=riverbend.lee.pk,
        )
    assert set(caught.value.message_dict) == {"owner_user"}
    with pytest.raises(ValidationError) as caught:
        care_plan_task_add(actor=alice, goal=goal, description=" ")
    assert set(caught.value.message_dict) == {"description"}
    assert CarePlanTask.objects.count() == 1


def test_hana_cannot_learn_the_clinic_is_on_the_team_by_assigning_it_a_step(
    riverbend: Riverbend,
) -> None:
    planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    errors = {}
    for organization in (riverbend.clinic, riverbend.police):
        with pytest.raises(ValidationError) as caught:
            care_plan_task_add(
                actor=riverbend.actor("hana"),
                goal=goal,
                description="Letter",
                owner_organization=organization,
            )
        errors[organization.pk] = caught.value.message_dict
    # The same answer for the clinic (on the team) as for the police (not on it).
    assert errors[riverbend.clinic.pk] == errors[riverbend.police.pk]
    # Alice, who may see Sam's substance-use data, may assign the clinic.
    care_plan_task_add(
        actor=riverbend.actor("alice"),
        goal=goal,
        description="Letter",
        owner_organization=riverbend.clinic,
    )
    assert CarePlanTask.objects.get().owner_organization == riverbend.clinic


def test_a_step_is_done_once(riverbend: Riverbend) -> None:
    planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    task = care_plan_task_add(actor=riverbend.actor("alice"), goal=goal, description="Apply")
    done = care_plan_task_complete(actor=riverbend.actor("hana"), task=task)
    assert done.done_at is not None
    with pytest.raises(ValidationError) as caught:
        care_plan_task_complete(actor=riverbend.actor("hana"), task=task)
    assert "task" in caught.value.message_dict


def test_a_goal_status_changes(riverbend: Riverbend) -> None:
    planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.INCOME)
    care_plan_goal_update(actor=riverbend.actor("hana"), goal=goal, status=GoalStatus.ACHIEVED)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    with pytest.raises(ValidationError) as caught:
        care_plan_goal_update(actor=riverbend.actor("hana"), goal=goal, status="won")
    assert "status" in caught.value.message_dict


# --- reading the plan --------------------------------------------------------------------------


def test_each_reader_sees_only_the_goals_of_classes_the_policy_permits(
    riverbend: Riverbend,
) -> None:
    sam = planned(riverbend)
    everything = set(GoalDomain.values)
    general = {"housing", "income", "family", "cultural"}
    assert visible_domains(riverbend, "alice", sam) == everything
    # On the care team (US regime: health, not substance use); her role has no substance use.
    assert visible_domains(riverbend, "hana", sam) == general | {"health", "wellbeing"}
    with pytest.raises(PermissionDenied):
        care_plan_get(actor=riverbend.actor("lee"), client_id=sam.pk, purpose=CARE)
    rows = AuditEvent.objects.filter(object_type="care_plan", actor_username="hana")
    assert rows.count() == len(DataClass.values)
    assert {r.data_class for r in rows if not r.permitted} == {"substance_use", "justice"}


def test_a_step_owned_by_a_program_the_reader_may_not_be_told_of_is_left_out(
    riverbend: Riverbend,
) -> None:
    sam = planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    alice = riverbend.actor("alice")
    care_plan_task_add(
        actor=alice, goal=goal, description="Clinic letter", owner_organization=riverbend.clinic
    )
    care_plan_task_add(
        actor=alice, goal=goal, description="Apply", owner_organization=riverbend.housing
    )
    for username, expected in (("alice", 2), ("hana", 1)):
        view = care_plan_get(actor=riverbend.actor(username), client_id=sam.pk, purpose=CARE)
        housing = next(r for r in view.goals if r.goal.pk == goal.pk)
        assert len(housing.tasks) == expected
    hana = care_plan_get(actor=riverbend.actor("hana"), client_id=sam.pk, purpose=CARE)
    assert riverbend.clinic.name not in {label for _value, label in hana.owner_choices}


def test_overdue_steps_are_flagged_by_the_day(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    alice = riverbend.actor("alice")
    due = date(2030, 3, 10)
    care_plan_task_add(actor=alice, goal=goal, description="Apply", due_on=due)
    done = care_plan_task_add(actor=alice, goal=goal, description="Call", due_on=due)
    care_plan_task_complete(actor=alice, task=done)

    def overdue(on: date) -> list[str]:
        view = care_plan_get(actor=alice, client_id=sam.pk, purpose=CARE, today=on)
        return [t.task.description for g in view.goals for t in g.tasks if t.overdue]

    assert overdue(due) == []
    assert overdue(due + timedelta(days=1)) == ["Apply"]


def test_the_plan_is_read_in_a_fixed_number_of_queries(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    alice = riverbend.actor("alice")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            care_plan_get(actor=alice, client_id=sam.pk, purpose=CARE, today=timezone.localdate())
        return len(queries)

    few = count()
    for goal in CarePlanGoal.objects.all():
        for n in range(3):
            care_plan_task_add(
                actor=alice,
                goal=goal,
                description=f"Step {n}",
                owner_organization=riverbend.housing,
            )
    assert count() == few


# --- the page -----------------------------------------------------------------------------


def test_the_plan_page_adds_goals_and_steps_and_marks_them_done(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.http("alice")
    url = reverse("clients:care_plan", kwargs={"client_id": sam.pk})
    assert alice.get(url).status_code == 200
    response = alice.post(
        reverse("clients:goal_add", kwargs={"client_id": sam.pk}),
        {"domain": "housing", "own_words": "A place with a door that locks", "data_class": ""},
    )
    assert response.status_code == 302
    goal = CarePlanGoal.objects.get()
    yesterday = timezone.localdate() - timedelta(days=2)
    alice.post(
        reverse("clients:task_add", kwargs={"client_id": sam.pk}),
        {"goal": goal.pk, "description": "Fill the form", "owner": "person", "due_on": yesterday},
    )
    task = CarePlanTask.objects.get()
    assert task.owner_is_person
    page = alice.get(url).content.decode()
    assert "A place with a door that locks" in page
    assert "Overdue" in page
    assert "1 step is overdue." in page
    alice.post(reverse("clients:task_done", kwargs={"client_id": sam.pk}), {"id": task.pk})
    task.refresh_from_db()
    assert task.done_at is not None
    alice.post(
        reverse("clients:goal_status", kwargs={"client_id": sam.pk}),
        {"id": goal.pk, "status": "achieved"},
    )
    goal.refresh_from_db()
    assert goal.status == "achieved"


def test_a_refused_goal_is_not_saved_and_says_why(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    hana = riverbend.http("hana")
    response = hana.post(
        reverse("clients:goal_add", kwargs={"client_id": sam.pk}),
        {"domain": "treatment", "own_words": "Start treatment"},
        follow=True,
    )
    assert "you may not record this kind of information" in response.content.decode()
    assert not CarePlanGoal.objects.filter(own_words="Start treatment").exists()
    # A goal hana cannot see cannot be changed either, and the answer is the same as for none.
    hidden = CarePlanGoal.objects.get(domain=GoalDomain.TREATMENT)
    for goal_id in (hidden.pk, 999999):
        answer = hana.post(
            reverse("clients:goal_status", kwargs={"client_id": sam.pk}),
            {"id": goal_id, "status": "dropped"},
            follow=True,
        )
        assert "you may not record this kind of information" in answer.content.decode()
    hidden.refresh_from_db()
    assert hidden.status == GoalStatus.ACTIVE


def test_someone_without_access_cannot_see_or_add_to_the_plan(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    lee = riverbend.http("lee")
    page = lee.get(reverse("clients:care_plan", kwargs={"client_id": sam.pk}))
    assert page.status_code == 403
    assert "My housing goal" not in page.content.decode()
    lee.post(
        reverse("clients:goal_add", kwargs={"client_id": sam.pk}),
        {"domain": "housing", "own_words": "Sneaky goal"},
    )
    assert not CarePlanGoal.objects.filter(own_words="Sneaky goal").exists()
    assert riverbend.http("alice").get("/clients/999999/care-plan/").status_code == 404


def test_someone_without_access_cannot_add_or_finish_a_step(riverbend: Riverbend) -> None:
    sam = planned(riverbend)
    goal = CarePlanGoal.objects.get(domain=GoalDomain.HOUSING)
    task = care_plan_task_add(actor=riverbend.actor("alice"), goal=goal, description="Apply")
    for username in ("lee", "pat"):
        browser = riverbend.http(username)
        browser.post(
            reverse("clients:task_add", kwargs={"client_id": sam.pk}),
            {"goal": goal.pk, "description": "Sneaky step", "owner": "person"},
        )
        browser.post(reverse("clients:task_done", kwargs={"client_id": sam.pk}), {"id": task.pk})
    assert not CarePlanTask.objects.filter(description="Sneaky step").exists()
    task.refresh_from_db()
    assert task.done_at is None
    refused = AuditEvent.objects.filter(object_type="care_plan_task", permitted=False)
    assert {r.actor_username for r in refused} == {"lee", "pat"}
