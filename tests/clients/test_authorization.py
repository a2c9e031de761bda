"""Who sees which notes and care-plan goals, on every client page and API operation.

``lee`` (police, outreach) never sees health, substance-use, mental-health or harm-reduction
data without a consent naming his organization; ``hana`` (housing) sees only what the person's
consent gives housing; a revoked consent hides the data on the next request; emergency access
works and is flagged. Every read leaves audit rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.clients.models import CarePlanGoal, Client, GoalDomain
from carecircle.partners.services import token_create
from carecircle.privacy.models import (
    AuditEvent,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Purpose,
)
from carecircle.privacy.services import care_team_add, consent_record, consent_revoke
from tests.fixtures import Riverbend

BOTH = [Purpose.TREATMENT, Purpose.CARE_COORDINATION]
PROTECTED = {
    DataClass.HEALTH,
    DataClass.SUBSTANCE_USE,
    DataClass.MENTAL_HEALTH,
    DataClass.HARM_REDUCTION,
}
#: Each surface reads the record once: the record page, the record and notes API operations
#: and the care plan page and API operation, each one audit row per data class.
SURFACES = ("record page", "record API", "notes API", "care plan page", "care plan API")
REFUSED = "refused"

#: A goal of every class, whatever the life area's usual one (written directly, as a fixture).
GOAL_DOMAIN = {
    DataClass.GENERAL: GoalDomain.HOUSING,
    DataClass.HEALTH: GoalDomain.HEALTH,
    DataClass.SUBSTANCE_USE: GoalDomain.TREATMENT,
    DataClass.MENTAL_HEALTH: GoalDomain.HEALTH,
    DataClass.HARM_REDUCTION: GoalDomain.WELLBEING,
    DataClass.JUSTICE: GoalDomain.FAMILY,
}


def everything_about(town: Riverbend, name: str) -> Client:
    """A client held by the ED with a note and a care-plan goal of every data class."""
    client = town.client_record(name=name)
    alice = town.actor("alice")
    for data_class, domain in GOAL_DOMAIN.items():
        CarePlanGoal.objects.create(
            client=client,
            domain=domain,
            own_words=f"{data_class} goal of {name}",
            data_class=data_class,
            organization=alice.organization,
            author_id=alice.user_id,
        )
    return client


def bearer(town: Riverbend, username: str) -> HttpClient:
    _token, secret = token_create(user=town.users[username])
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def seen(town: Riverbend, username: str, client: Client) -> dict[str, Any]:
    """Which classes of notes and goals each surface shows this persona (or "refused")."""
    web, api = town.http(username), bearer(town, username)
    name = client.preferred_name
    pk = client.pk
    out: dict[str, Any] = {}

    page = web.get(reverse("clients:detail", kwargs={"client_id": pk}))
    text = page.content.decode()
    out["record page"] = (
        {c for c in DataClass.values if f"<p>{c} entry about {name}</p>" in text}
        if page.status_code == 200
        else REFUSED
    )
    record = api.get(f"/api/clients/{pk}")
    out["record API"] = (
        {e["data_class"] for e in record.json()["entries"]}
        if record.status_code == 200
        else REFUSED
    )
    notes = api.get(f"/api/clients/{pk}/notes")
    out["notes API"] = (
        {n["data_class"] for n in notes.json()["notes"]} if notes.status_code == 200 else REFUSED
    )
    plan_page = web.get(reverse("clients:care_plan", kwargs={"client_id": pk}))
    plan_text = plan_page.content.decode()
    out["care plan page"] = (
        {c for c in DataClass.values if f"“{c} goal of {name}”" in plan_text}
        if plan_page.status_code == 200
        else REFUSED
    )
    plan = api.get(f"/api/clients/{pk}/care-plan")
    out["care plan API"] = (
        {g["data_class"] for g in plan.json()["goals"]} if plan.status_code == 200 else REFUSED
    )
    if REFUSED not in out.values():
        # Nothing the page withholds leaks into it by another way.
        for hidden in set(DataClass.values) - out["record page"]:
            assert f">{hidden} entry about" not in text
            assert f"“{hidden} goal of" not in plan_text
    return out


def everywhere(value: Any) -> dict[str, Any]:
    return dict.fromkeys(SURFACES, value)


def audited_reads(town: Riverbend, username: str, client: Client) -> int:
    """Reads of the record and of the care plan (panels on the page read more on their own)."""
    return AuditEvent.objects.filter(
        actor_username=username,
        person_id=client.person_id,
        action="read",
        object_type__in=["client", "care_plan"],
    ).count()


def test_the_holder_sees_every_class_her_role_includes(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    assert seen(riverbend, "alice", sam) == everywhere(set(DataClass.values) - {"justice"})
    assert audited_reads(riverbend, "alice", sam) == len(SURFACES) * len(DataClass.values)


def test_lee_sees_nothing_of_a_person_without_a_consent(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    assert seen(riverbend, "lee", sam) == everywhere(REFUSED)
    refusals = AuditEvent.objects.filter(
        actor_username="lee", person_id=sam.person_id, object_type__in=["client", "care_plan"]
    )
    assert refusals.count() == len(SURFACES) * len(DataClass.values)
    assert not refusals.filter(permitted=True).exists()


def test_a_consent_to_every_police_service_shows_lee_no_protected_class(
    riverbend: Riverbend,
) -> None:
    sam = everything_about(riverbend, "Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=BOTH,
        recipient_sectors=["police_justice"],
    )
    assert seen(riverbend, "lee", sam) == everywhere({"general", "justice"})
    # A police case manager, whose role covers health, is held back by the same rule.
    riverbend.member("val", "police", "case_manager")
    assert seen(riverbend, "val", sam) == everywhere({"general", "justice"})


def test_a_consent_naming_the_police_service_opens_what_lees_role_includes(
    riverbend: Riverbend,
) -> None:
    sam = everything_about(riverbend, "Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=BOTH,
        recipient_organizations=[riverbend.police],
    )
    assert seen(riverbend, "lee", sam) == everywhere({"general", "harm_reduction", "justice"})
    riverbend.member("val", "police", "case_manager")
    assert seen(riverbend, "val", sam) == everywhere(
        {"general", "health", "mental_health", "harm_reduction", "justice"}
    )


def test_lee_sees_no_protected_class_of_anyone_without_a_named_consent(
    riverbend: Riverbend,
) -> None:
    # Ria's consent names the police; Sam's only the care team, with the police on it.
    ria = everything_about(riverbend, "Ria")
    sam = everything_about(riverbend, "Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=ria.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.HARM_REDUCTION],
        purposes=BOTH,
        recipient_organizations=[riverbend.police],
    )
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.police)
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=BOTH,
        recipient_care_team=True,
    )
    assert seen(riverbend, "lee", ria) == everywhere({"general", "harm_reduction"})
    lee_on_sam = seen(riverbend, "lee", sam)
    assert lee_on_sam == everywhere({"general", "justice"})
    assert not any(PROTECTED & shown for shown in lee_on_sam.values())


def test_hana_sees_only_what_the_consent_gives_housing(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.HEALTH],
        purposes=BOTH,
        recipient_organizations=[riverbend.housing],
    )
    # Her role would include mental health, harm reduction and justice: the consent does not.
    assert seen(riverbend, "hana", sam) == everywhere({"general", "health"})
    assert audited_reads(riverbend, "hana", sam) == len(SURFACES) * len(DataClass.values)


def test_a_revoked_consent_hides_the_data_on_the_next_request(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.HEALTH],
        purposes=BOTH,
        recipient_organizations=[riverbend.housing],
    )
    assert seen(riverbend, "hana", sam) == everywhere({"general", "health"})
    consent_revoke(actor=riverbend.actor("alice"), consent=consent, reason="Sam asked.")
    assert seen(riverbend, "hana", sam) == everywhere(REFUSED)
    assert ConsentDirective.objects.get().state() == "revoked"


def test_a_refusal_hides_the_record_from_a_care_team_member(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.housing)
    assert seen(riverbend, "hana", sam) == everywhere(
        {"general", "health", "mental_health", "harm_reduction"}
    )
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="deny",
        data_classes=[DataClass.MENTAL_HEALTH],
        purposes=BOTH,
        recipient_organizations=[riverbend.housing],
    )
    assert seen(riverbend, "hana", sam) == everywhere({"general", "health", "harm_reduction"})


@pytest.mark.parametrize("username", ["carlos", "cora"])
def test_general_only_roles_see_the_record_but_no_note_of_a_protected_class(
    riverbend: Riverbend, username: str
) -> None:
    sam = everything_about(riverbend, "Sam")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=DataClass.values,
        purposes=BOTH,
        recipient_organizations=[riverbend.clinic, riverbend.public_health],
    )
    expected = {"general"} | ({"justice"} if username == "cora" else set())
    assert seen(riverbend, username, sam) == everywhere(expected)


def test_the_analyst_is_refused_everywhere(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    dana, api = riverbend.http("dana"), bearer(riverbend, "dana")
    for name in ("clients:detail", "clients:care_plan", "clients:care_team", "clients:edit"):
        assert dana.get(reverse(name, kwargs={"client_id": sam.pk})).status_code == 403
    for path in ("", "/notes", "/care-plan"):
        assert api.get(f"/api/clients/{sam.pk}{path}").status_code == 403


def test_emergency_access_opens_the_record_and_is_flagged(riverbend: Riverbend) -> None:
    sam = everything_about(riverbend, "Sam")
    pat = riverbend.http("pat")
    refused = pat.get(reverse("clients:detail", kwargs={"client_id": sam.pk}))
    assert refused.status_code == 403
    emergency_url = reverse("privacy:emergency_access", kwargs={"person_id": sam.person_id})
    assert emergency_url in refused.content.decode()
    granted = pat.post(
        emergency_url, {"reason": "Sam is unresponsive in the lobby and cannot be asked."}
    )
    assert granted.status_code == 302
    page = pat.get(reverse("clients:detail", kwargs={"client_id": sam.pk})).content.decode()
    assert "Emergency access is active" in page
    # Pat's purpose is treatment: the glass opens what a peer worker's role includes.
    web = seen(riverbend, "pat", sam)
    peer = {"general", "substance_use", "mental_health", "harm_reduction"}
    assert web["record page"] == web["care plan page"] == peer
    # The API call uses care coordination by default: emergency access is for treatment only.
    assert web["record API"] == REFUSED
    treated = bearer(riverbend, "pat").get(
        f"/api/clients/{sam.pk}/care-plan", headers={"X-Purpose-Of-Use": "treatment"}
    )
    assert {g["data_class"] for g in treated.json()["goals"]} == peer
    grant = EmergencyAccess.objects.get()
    assert grant.reviewed_at is None  # waits for the ED's admin to review it
    flagged = AuditEvent.objects.filter(
        actor_username="pat", basis="emergency_access", object_type="care_plan"
    )
    assert {r.data_class for r in flagged} == peer
    assert AuditEvent.objects.filter(actor_username="pat", action="emergency").count() == 1
