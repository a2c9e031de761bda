"""The care team: members from several organizations with one lead, kept by the record holder,
seen by those the policy lets see the person; a treatment program only by those permitted
substance-use data."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.clients.models import Client
from carecircle.clients.selectors import care_team_get, client_get
from carecircle.clients.services import (
    care_team_member_add,
    care_team_member_end,
    care_team_member_lead,
)
from carecircle.partners.models import Role
from carecircle.privacy.models import AuditEvent, CareTeamMember, DataClass, Purpose
from carecircle.privacy.services import consent_record
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION


def team_of(town: Riverbend) -> Client:
    """Sam, held by the ED: housing (hana, the lead), the peer network and the clinic."""
    alice = town.actor("alice")
    sam = town.client_record(name="Sam")
    care_team_member_add(
        actor=alice,
        client=sam,
        organization=town.housing,
        user_id=town.hana.pk,
        role=Role.CASE_MANAGER,
        is_lead=True,
    )
    care_team_member_add(actor=alice, client=sam, organization=town.peer, role=Role.PEER_WORKER)
    care_team_member_add(actor=alice, client=sam, organization=town.clinic, role=Role.CLINICIAN)
    return sam


def names(view: object) -> list[str]:
    return [row.organization_name for row in view.current]  # type: ignore[attr-defined]


def test_the_holder_builds_a_team_across_organizations_with_one_lead(riverbend: Riverbend) -> None:
    sam = team_of(riverbend)
    view = care_team_get(actor=riverbend.actor("alice"), client_id=sam.pk, purpose=CARE)
    assert names(view) == [riverbend.housing.name, riverbend.peer.name, riverbend.clinic.name]
    assert view.lead is not None
    assert view.lead.worker_name == "hana"
    assert view.may_keep
    peer = CareTeamMember.objects.get(organization=riverbend.peer)
    care_team_member_lead(actor=riverbend.actor("alice"), client=sam, member_id=peer.pk)
    assert list(
        CareTeamMember.objects.filter(is_lead=True).values_list("organization", flat=True)
    ) == [riverbend.peer.pk]


def test_a_member_is_checked_field_by_field(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.actor("alice")
    with pytest.raises(ValidationError) as caught:
        care_team_member_add(
            actor=alice, client=sam, organization=riverbend.housing, user_id=riverbend.lee.pk
        )
    assert set(caught.value.message_dict) == {"user"}
    with pytest.raises(ValidationError) as caught:
        care_team_member_add(
            actor=alice, client=sam, organization=riverbend.housing, role=Role.ANALYST
        )
    assert set(caught.value.message_dict) == {"role"}
    with pytest.raises(ValidationError) as caught:
        care_team_member_add(actor=alice, client=sam, organization=None)
    assert set(caught.value.message_dict) == {"organization"}
    care_team_member_add(actor=alice, client=sam, organization=riverbend.housing)
    with pytest.raises(ValidationError) as caught:
        care_team_member_add(actor=alice, client=sam, organization=riverbend.housing)
    assert "Already on the care team." in caught.value.message_dict["organization"]
    assert CareTeamMember.objects.count() == 1


@pytest.mark.parametrize("username", ["hana", "pat", "erin", "lee"])
def test_only_the_holder_in_a_role_that_meets_the_person_keeps_the_team(
    riverbend: Riverbend, username: str
) -> None:
    sam = team_of(riverbend)
    member = CareTeamMember.objects.get(organization=riverbend.peer)
    before = CareTeamMember.objects.count()
    actor = riverbend.actor(username)
    with pytest.raises(PermissionDenied):
        care_team_member_add(actor=actor, client=sam, organization=riverbend.police)
    with pytest.raises(PermissionDenied):
        care_team_member_end(actor=actor, client=sam, member_id=member.pk)
    with pytest.raises(PermissionDenied):
        care_team_member_lead(actor=actor, client=sam, member_id=member.pk)
    assert CareTeamMember.objects.count() == before
    assert CareTeamMember.objects.filter(ended_at__isnull=True).count() == before


def test_ending_a_membership_closes_the_care_team_basis_on_the_next_request(
    riverbend: Riverbend,
) -> None:
    sam = team_of(riverbend)
    hana = riverbend.actor("hana")
    assert client_get(actor=hana, client_id=sam.pk, purpose=CARE).decisions["health"].permitted
    member = CareTeamMember.objects.get(organization=riverbend.housing)
    care_team_member_end(actor=riverbend.actor("alice"), client=sam, member_id=member.pk)
    with pytest.raises(PermissionDenied):
        client_get(actor=hana, client_id=sam.pk, purpose=CARE)
    view = care_team_get(actor=riverbend.actor("alice"), client_id=sam.pk, purpose=CARE)
    assert [row.organization_name for row in view.past] == [riverbend.housing.name]
    with pytest.raises(ValidationError):
        care_team_member_end(actor=riverbend.actor("alice"), client=sam, member_id=member.pk)


def test_a_treatment_program_on_the_team_is_shown_only_to_those_permitted_substance_use(
    riverbend: Riverbend,
) -> None:
    sam = team_of(riverbend)
    # Hana is on the team but her role never sees substance-use data: the clinic and the peer
    # recovery network (being known to either is substance-use information) are left out.
    hana = care_team_get(actor=riverbend.actor("hana"), client_id=sam.pk, purpose=CARE)
    assert names(hana) == [riverbend.housing.name]
    assert not hana.may_keep
    # Pat (peer worker, on the team) sees it once Sam's consent gives the team substance use.
    pat = care_team_get(actor=riverbend.actor("pat"), client_id=sam.pk, purpose=CARE)
    assert riverbend.clinic.name not in names(pat)
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.SUBSTANCE_USE],
        purposes=[CARE],
        recipient_care_team=True,
    )
    pat = care_team_get(actor=riverbend.actor("pat"), client_id=sam.pk, purpose=CARE)
    assert riverbend.clinic.name in names(pat)
    rows = AuditEvent.objects.filter(object_type="care_team", actor_username="pat")
    assert {(r.data_class, r.permitted) for r in rows} == {
        ("general", True),
        ("substance_use", False),
        ("substance_use", True),
    }


def test_the_team_is_refused_without_access_and_the_refusal_audited(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    with pytest.raises(PermissionDenied):
        care_team_get(actor=riverbend.actor("lee"), client_id=sam.pk, purpose=CARE)
    row = AuditEvent.objects.get(object_type="care_team", actor_username="lee")
    assert (row.permitted, row.data_class) == (False, "general")


# --- the page -------------------------------------------------------------------------------


def test_the_holder_adds_a_member_and_makes_a_lead_on_the_page(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    alice = riverbend.http("alice")
    url = reverse("clients:care_team", kwargs={"client_id": sam.pk})
    page = alice.get(url)
    assert page.status_code == 200
    assert "Add to the care team" in page.content.decode()
    added = alice.post(
        url,
        {
            "organization": riverbend.housing.pk,
            "worker": riverbend.memberships["hana"].pk,
            "role": Role.CASE_MANAGER,
        },
    )
    assert added.status_code == 302
    member = CareTeamMember.objects.get()
    assert (member.organization, member.user, member.is_lead) == (
        riverbend.housing,
        riverbend.hana,
        False,
    )
    alice.post(reverse("clients:care_team_lead", kwargs={"client_id": sam.pk}), {"id": member.pk})
    member.refresh_from_db()
    assert member.is_lead
    page = alice.get(url).content.decode()
    assert "Lead" in page
    assert riverbend.housing.name in page
    alice.post(reverse("clients:care_team_end", kwargs={"client_id": sam.pk}), {"id": member.pk})
    member.refresh_from_db()
    assert member.ended_at is not None


def test_a_worker_from_another_organization_is_refused_naming_the_field(
    riverbend: Riverbend,
) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    response = riverbend.http("alice").post(
        reverse("clients:care_team", kwargs={"client_id": sam.pk}),
        {"organization": riverbend.housing.pk, "worker": riverbend.memberships["lee"].pk},
    )
    assert response.status_code == 400
    assert "This worker is not a member of that organization." in response.content.decode()
    assert not CareTeamMember.objects.exists()


def test_a_member_sees_the_team_but_cannot_change_it(riverbend: Riverbend) -> None:
    sam = team_of(riverbend)
    hana = riverbend.http("hana")
    url = reverse("clients:care_team", kwargs={"client_id": sam.pk})
    page = hana.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert riverbend.housing.name in text
    assert riverbend.clinic.name not in text
    assert "Add to the care team" not in text
    assert hana.post(url, {"organization": riverbend.police.pk}).status_code == 403
    member = CareTeamMember.objects.get(organization=riverbend.peer)
    for name in ("clients:care_team_end", "clients:care_team_lead"):
        response = hana.post(reverse(name, kwargs={"client_id": sam.pk}), {"id": member.pk})
        assert response.status_code == 403
    assert not CareTeamMember.objects.filter(organization=riverbend.police).exists()
    assert CareTeamMember.objects.filter(ended_at__isnull=False).count() == 0


def test_someone_without_access_cannot_see_the_team(riverbend: Riverbend) -> None:
    sam = team_of(riverbend)
    response = riverbend.http("lee").get(reverse("clients:care_team", kwargs={"client_id": sam.pk}))
    assert response.status_code == 403
    assert riverbend.housing.name not in response.content.decode()
    assert riverbend.http("alice").get("/clients/999999/care-team/").status_code == 404


def test_the_team_is_read_in_a_fixed_number_of_queries(riverbend: Riverbend) -> None:
    sam = team_of(riverbend)
    alice = riverbend.actor("alice")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            care_team_get(actor=alice, client_id=sam.pk, purpose=CARE)
        return len(queries)

    few = count()
    care_team_member_add(actor=alice, client=sam, organization=riverbend.police)
    care_team_member_add(
        actor=alice, client=sam, organization=riverbend.public_health, user_id=riverbend.cora.pk
    )
    assert count() == few
