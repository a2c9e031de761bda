"""Naming organizations in connection with a person: being known to a treatment program or a
peer-recovery network is substance-use information, to a mental-health service mental-health
information, to a harm-reduction service harm-reduction information, to the police justice
information. Such an organization is named only to readers the policy permits that class, and
otherwise left out entirely (never "a partner organization"). The holder, which every record
has, is named only to its own members and to readers permitted every such class, so that
saying nothing about it never tells which kind it is."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client, ClientEntry
from carecircle.clients.selectors import (
    care_plan_get,
    care_team_get,
    client_duplicates,
    client_get,
)
from carecircle.clients.services import (
    care_plan_task_add,
    care_team_member_add,
    client_create,
    client_profile_clean,
)
from carecircle.partners import services as partners
from carecircle.partners.models import Organization, Sector
from carecircle.partners.services import token_create
from carecircle.privacy.models import AuditEvent, DataClass, Purpose
from carecircle.privacy.services import consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION
PLACEHOLDER = "a partner organization"


def _org(town: Riverbend, key: str, name: str, sector: str) -> Organization:
    organization = partners.organization_create(
        name=name,
        sector=sector,
        jurisdiction=town.jurisdiction,
        slug=f"{key}-{town.jurisdiction.pk}",
    )
    town.orgs[key] = organization
    return organization


@pytest.fixture
def town(riverbend: Riverbend) -> Riverbend:
    """Riverbend with a mental-health service and a harm-reduction hub as well."""
    _org(riverbend, "counselling", "Riverbend Counselling Centre", Sector.MENTAL_HEALTH)
    _org(riverbend, "hub", "Riverbend Harm Reduction Hub", Sector.HARM_REDUCTION)
    return riverbend


SENSITIVE = ("clinic", "peer", "counselling", "hub")


def circle(town: Riverbend, *, owner: str = "alice") -> Client:
    """Sam, held by ``owner``'s organization; housing and every sensitive kind of organization
    on the care team, each with a general note, a general goal and a step it owns; lee (police)
    may see Sam's general data by a consent naming the police service."""
    holder = town.actor(owner)
    sam = town.client_record(owner=owner, name="Sam", classes=[])
    for key in ("housing", *SENSITIVE):
        organization = town.orgs[key]
        if organization.pk != holder.organization.pk:
            care_team_member_add(actor=holder, client=sam, organization=organization)
    for key in ("ed", "housing", *SENSITIVE):
        organization = town.orgs[key]
        ClientEntry.objects.create(
            client=sam,
            data_class=DataClass.GENERAL,
            organization=organization,
            author_id=holder.user_id,
            body=f"note by {key}",
        )
        goal = CarePlanGoal.objects.create(
            client=sam,
            domain="housing",
            own_words=f"goal by {key}",
            data_class=DataClass.GENERAL,
            organization=organization,
            author_id=holder.user_id,
        )
        CarePlanTask.objects.create(
            goal=goal, description=f"step owned by {key}", owner_organization=organization
        )
        # A step towards the holder's goal, owned by this organization.
        holder_goal = CarePlanGoal.objects.filter(
            client=sam, organization=holder.organization
        ).first()
        if holder_goal is not None and holder_goal.pk != goal.pk:
            CarePlanTask.objects.create(
                goal=holder_goal,
                description=f"holder's step owned by {key}",
                owner_organization=organization,
            )
    consent_record(
        actor=holder,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[CARE, Purpose.TREATMENT],
        recipient_organizations=[town.police],
    )
    return sam


def names_on_team(town: Riverbend, username: str, sam: Client) -> set[str]:
    view = care_team_get(actor=town.actor(username), client_id=sam.pk, purpose=CARE)
    return {row.organization_name for row in view.current}


def test_lee_is_told_of_no_sensitive_organization_on_the_team(town: Riverbend) -> None:
    sam = circle(town)
    assert names_on_team(town, "lee", sam) == {town.housing.name}
    page = town.http("lee").get(reverse("clients:care_team", kwargs={"client_id": sam.pk}))
    text = page.content.decode()
    assert page.status_code == 200
    for key in (*SENSITIVE, "ed"):
        assert town.orgs[key].name not in text
    assert PLACEHOLDER not in text
    assert "Record held by" not in text


def test_each_reader_is_told_of_the_organizations_whose_class_they_may_see(
    town: Riverbend,
) -> None:
    sam = circle(town)
    # Hana's care-team basis opens mental health and harm reduction, never substance use.
    assert names_on_team(town, "hana", sam) == {
        town.housing.name,
        town.counselling.name,
        town.hub.name,
    }
    # Alice's organization holds the record: her role sees every one of these classes.
    assert names_on_team(town, "alice", sam) == {town.orgs[k].name for k in ("housing", *SENSITIVE)}
    # Once Sam lets the care team see substance use, the peer worker is told of the clinic.
    assert town.clinic.name not in names_on_team(town, "pat", sam)
    consent_record(
        actor=town.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=[CARE],
        recipient_care_team=True,
    )
    assert town.clinic.name in names_on_team(town, "pat", sam)


def test_notes_by_organizations_the_reader_may_not_be_told_of_are_left_out(
    town: Riverbend,
) -> None:
    sam = circle(town)
    lee = client_get(actor=town.actor("lee"), client_id=sam.pk, purpose=CARE)
    assert {e.body: name for e, name in lee.entry_rows} == {
        "note by ed": None,  # the holder's, shown without an author
        "note by housing": town.housing.name,
    }
    hana = client_get(actor=town.actor("hana"), client_id=sam.pk, purpose=CARE)
    assert {e.body for e, _name in hana.entry_rows} == {
        "note by ed",
        "note by housing",
        "note by counselling",
        "note by hub",
    }
    page = town.http("lee").get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    text = page.content.decode()
    assert "note by ed" in text
    assert "note by peer" not in text
    assert PLACEHOLDER not in text
    assert "Record held by" not in text
    for key in (*SENSITIVE, "ed"):
        assert town.orgs[key].name not in text


def test_the_holder_is_named_to_its_own_members_only(town: Riverbend) -> None:
    sam = circle(town)
    alice = client_get(actor=town.actor("alice"), client_id=sam.pk, purpose=CARE)
    assert alice.holder_name == town.ed.name
    assert {e.body: n for e, n in alice.entry_rows}["note by ed"] == town.ed.name
    page = town.http("alice").get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    assert f"Record held by {town.ed.name}." in page.content.decode()
    # An emergency department implies no class, yet it is not named to readers who may not see
    # every class a holder can imply: otherwise saying nothing would mean "a sensitive kind".
    for username in ("hana", "lee", "pat"):
        view = client_get(actor=town.actor(username), client_id=sam.pk, purpose=CARE)
        assert view.holder_name is None
        team = care_team_get(actor=town.actor(username), client_id=sam.pk, purpose=CARE)
        assert team.holder_name is None


def test_the_page_says_the_same_of_a_clinic_holder_as_of_a_hospital(town: Riverbend) -> None:
    """The holder is the one organization every record has: what a reader is told of it must
    not depend on its kind."""
    by_ed = circle(town, owner="alice")
    by_clinic = circle(town, owner="carlos")
    lee = town.http("lee")
    hana = town.http("hana")
    for browser in (lee, hana):
        for sam, holder in ((by_ed, town.ed), (by_clinic, town.clinic)):
            for name in ("clients:detail", "clients:care_team", "clients:care_plan"):
                page = browser.get(reverse(name, kwargs={"client_id": sam.pk}))
                assert page.status_code == 200
                text = page.content.decode()
                assert holder.name not in text
                assert "Record held by" not in text
                assert PLACEHOLDER not in text
    # And the holder's own notes are shown in both, without an author line.
    for sam, key in ((by_ed, "ed"), (by_clinic, "clinic")):
        view = client_get(actor=town.actor("lee"), client_id=sam.pk, purpose=CARE)
        assert (f"note by {key}", None) in [(e.body, n) for e, n in view.entry_rows]


def test_the_api_gives_an_empty_organization_never_a_placeholder(town: Riverbend) -> None:
    sam = circle(town)
    _token, secret = token_create(user=town.lee)
    api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    response = api.get(f"/api/clients/{sam.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    assert PLACEHOLDER not in text
    for key in (*SENSITIVE, "ed"):
        assert town.orgs[key].name not in text
    entries = {e["body"]: e["organization"] for e in response.json()["entries"]}
    assert entries == {"note by ed": "", "note by housing": town.housing.name}
    plan = api.get(f"/api/clients/{sam.pk}/care-plan").json()
    assert PLACEHOLDER not in str(plan)
    goals = {g["own_words"]: g for g in plan["goals"]}
    assert set(goals) == {"goal by ed", "goal by housing"}
    assert goals["goal by ed"]["organization"] == ""
    holder_steps = {t["description"]: t for t in goals["goal by ed"]["tasks"]}
    # The holder's step has no owner shown; steps owned by sensitive organizations are left out.
    assert set(holder_steps) == {"step owned by ed", "holder's step owned by housing"}
    assert holder_steps["step owned by ed"]["owner"] == ""
    assert holder_steps["step owned by ed"]["owner_organization_id"] is None
    assert holder_steps["holder's step owned by housing"]["owner"] == town.housing.name


def test_goals_and_steps_of_organizations_the_reader_may_not_be_told_of_are_left_out(
    town: Riverbend,
) -> None:
    sam = circle(town)
    hana = care_plan_get(actor=town.actor("hana"), client_id=sam.pk, purpose=CARE)
    shown = {row.goal.own_words: row for row in hana.goals}
    assert set(shown) == {"goal by ed", "goal by housing", "goal by counselling", "goal by hub"}
    assert shown["goal by ed"].organization_name is None
    assert shown["goal by counselling"].organization_name == town.counselling.name
    steps = {t.task.description: t.owner_label for t in shown["goal by ed"].tasks}
    assert steps == {
        "step owned by ed": "",
        "holder's step owned by housing": town.housing.name,
        "holder's step owned by counselling": town.counselling.name,
        "holder's step owned by hub": town.hub.name,
    }
    # Who may own a new step: only organizations hana may be told of (not the holder either).
    labels = {label for _value, label in hana.owner_choices}
    assert town.housing.name in labels
    for key in ("ed", "clinic", "peer"):
        assert town.orgs[key].name not in labels
    assert not [v for v, _label in hana.owner_choices if v == f"org:{town.ed.pk}"]


def test_assigning_a_step_to_an_organization_one_may_not_be_told_of_fails_like_a_stranger(
    town: Riverbend,
) -> None:
    sam = circle(town)
    goal = CarePlanGoal.objects.get(client=sam, own_words="goal by housing")
    stranger = _org(town, "shelter", "Riverbend Night Shelter", Sector.SOCIAL_SERVICES)
    errors: dict[str, Any] = {}
    for key, organization in (
        ("holder", town.ed),
        ("peer", town.peer),
        ("clinic", town.clinic),
        ("stranger", stranger),
    ):
        with pytest.raises(ValidationError) as caught:
            care_plan_task_add(
                actor=town.actor("hana"),
                goal=goal,
                description="Letter",
                owner_organization=organization,
            )
        errors[key] = caught.value.message_dict
    assert errors["holder"] == errors["peer"] == errors["clinic"] == errors["stranger"]
    # Organizations hana may be told of are assignable.
    task = care_plan_task_add(
        actor=town.actor("hana"), goal=goal, description="Letter", owner_organization=town.hub
    )
    assert task.owner_organization == town.hub


def test_a_possible_duplicate_names_its_holder_only_to_the_holders_own(town: Riverbend) -> None:
    sam = client_create(actor=town.actor("carlos"), identifier_code="ZZ42")
    consent_record(
        actor=town.actor("carlos"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[CARE],
        recipient_organizations=[town.housing],
    )
    values = client_profile_clean({"identifier_code": "zz42"})
    (mine,) = client_duplicates(actor=town.actor("carlos"), purpose=CARE, values=values)
    assert mine.holder_name == town.clinic.name
    (theirs,) = client_duplicates(actor=town.actor("hana"), purpose=CARE, values=values)
    assert theirs.holder_name is None
    page = town.http("hana").post(reverse("clients:create"), {"identifier_code": "zz42"})
    text = page.content.decode()
    assert "This may be someone already known" in text
    assert town.clinic.name not in text
    assert "Record held by" not in text
    assert PLACEHOLDER not in text


def test_reading_the_team_asks_only_the_classes_the_reader_could_be_told(
    town: Riverbend,
) -> None:
    sam = circle(town)
    care_team_get(actor=town.actor("lee"), client_id=sam.pk, purpose=CARE)
    rows = AuditEvent.objects.filter(object_type="care_team", actor_username="lee")
    # Lee's role could see harm reduction (the hub) and justice; never substance use or mental
    # health, so those are not asked. Each question is audited, refusals included.
    assert {(r.data_class, r.permitted) for r in rows} == {
        ("general", True),
        ("harm_reduction", False),
    }


def test_a_worker_is_told_of_their_own_organization(town: Riverbend) -> None:
    sam = circle(town)
    # Carlos's role sees general data only, yet naming his own clinic tells him nothing new.
    carlos = client_get(actor=town.actor("carlos"), client_id=sam.pk, purpose=CARE)
    assert ("note by clinic", town.clinic.name) in [(e.body, n) for e, n in carlos.entry_rows]
    assert ("note by peer", town.peer.name) not in [(e.body, n) for e, n in carlos.entry_rows]
    assert town.clinic.name in names_on_team(town, "carlos", sam)
