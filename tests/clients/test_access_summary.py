"""Who can see what, and why: worked out from the consents, the care team and the holder with
the policy's own rules, for the holder only, and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.clients.selectors.access import AccessSummary, access_summary_get
from carecircle.partners import services as partners
from carecircle.partners.models import Sector
from carecircle.privacy import policy
from carecircle.privacy.models import AuditAction, AuditEvent, ConsentDirective, DataClass, Purpose
from carecircle.privacy.services import care_team_add, consent_record, consent_revoke
from tests.fixtures import Riverbend

CARE = Purpose.CARE_COORDINATION
ED = "Riverbend General Emergency Department"
CLINIC = "Riverbend MOUD Clinic"
HOUSING = "Riverbend Housing First"
POLICE = "Riverbend Police Service"
PEER = "Riverbend Peer Recovery Network"


def consent(town: Riverbend, client: Client, classes: list[str], **kwargs: Any) -> ConsentDirective:
    arguments: dict[str, Any] = {
        "decision": "permit",
        "data_classes": classes,
        "purposes": [CARE],
    }
    arguments.update(kwargs)
    return consent_record(actor=town.actor("alice"), person=client.person, **arguments)


def summary(town: Riverbend, client: Client) -> AccessSummary:
    return access_summary_get(actor=town.actor("alice"), client_id=client.pk, purpose=CARE)


def seen(result: AccessSummary, data_class: str) -> dict[str, set[str]]:
    """Organization name -> the kinds of basis it sees this class on."""
    item = next(c for c in result.classes if c.data_class == data_class)
    return {o.organization.name: {b.kind for b in o.bases} for o in item.seen_by}


def refused(result: AccessSummary, data_class: str) -> list[str]:
    item = next(c for c in result.classes if c.data_class == data_class)
    return [c.recipients for c in item.refused]


def test_with_no_consent_only_the_holder_sees_anything(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    result = summary(riverbend, sam)
    for data_class in DataClass.values:
        assert seen(result, data_class) == {ED: {"own_record"}}
    ed = next(c for c in result.classes if c.data_class == DataClass.GENERAL).seen_by[0]
    assert ed.bases[0].purposes == (
        "care and treatment",
        "coordinating care",
        "running and paying for services",
    )


def test_a_consent_naming_the_clinic_for_substance_use(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    given = consent(
        riverbend, sam, [DataClass.SUBSTANCE_USE], recipient_organizations=[riverbend.clinic]
    )
    result = summary(riverbend, sam)
    assert seen(result, DataClass.SUBSTANCE_USE) == {
        ED: {"own_record"},
        CLINIC: {"consent_named"},
    }
    clinic = next(
        o
        for c in result.classes
        if c.data_class == DataClass.SUBSTANCE_USE
        for o in c.seen_by
        if o.organization.name == CLINIC
    )
    (basis,) = clinic.bases
    assert basis.consent is not None
    assert basis.consent.consent == given
    assert basis.purposes == ("coordinating care",)
    # Nothing else opens to the clinic, and only clinicians and peer workers handle it.
    assert CLINIC not in seen(result, DataClass.HEALTH)
    item = next(c for c in result.classes if c.data_class == DataClass.SUBSTANCE_USE)
    assert item.roles == ["clinicians", "peer workers"]
    assert item.police_need_named_consent


def test_a_sector_consent_to_housing_reaches_every_housing_organization(
    riverbend: Riverbend,
) -> None:
    shelter = partners.organization_create(
        name="Riverbend Shelter",
        sector=Sector.HOUSING,
        jurisdiction=riverbend.jurisdiction,
        slug="shelter",
    )
    sam = riverbend.client_record(name="Sam", classes=[])
    consent(riverbend, sam, [DataClass.HEALTH], recipient_sectors=[Sector.HOUSING])
    result = summary(riverbend, sam)
    assert seen(result, DataClass.HEALTH) == {
        ED: {"own_record"},
        HOUSING: {"consent_sector"},
        shelter.name: {"consent_sector"},
    }
    assert seen(result, DataClass.GENERAL) == {ED: {"own_record"}}


def test_the_care_team_sees_what_the_circle_of_care_allows(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    result = summary(riverbend, sam)
    for data_class in (
        DataClass.GENERAL,
        DataClass.HEALTH,
        DataClass.MENTAL_HEALTH,
        DataClass.HARM_REDUCTION,
    ):
        assert seen(result, data_class) == {ED: {"own_record"}, PEER: {"care_team"}}
    # Part 2 records and justice records always need the person's consent.
    assert seen(result, DataClass.SUBSTANCE_USE) == {ED: {"own_record"}}
    assert seen(result, DataClass.JUSTICE) == {ED: {"own_record"}}
    peer = next(
        o
        for c in result.classes
        if c.data_class == DataClass.HEALTH
        for o in c.seen_by
        if o.organization.name == PEER
    )
    assert peer.bases[0].purposes == ("care and treatment", "coordinating care")


def test_a_refusal_is_listed_and_wins_over_a_wider_permit(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent(riverbend, sam, [DataClass.GENERAL], recipient_sectors=[Sector.HOUSING])
    consent(
        riverbend,
        sam,
        [DataClass.GENERAL],
        decision="deny",
        recipient_organizations=[riverbend.housing],
    )
    result = summary(riverbend, sam)
    assert seen(result, DataClass.GENERAL) == {ED: {"own_record"}}
    assert refused(result, DataClass.GENERAL) == [HOUSING]
    assert refused(result, DataClass.HEALTH) == []


def test_police_never_see_protected_classes_on_a_sector_consent(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    consent(
        riverbend,
        sam,
        [DataClass.GENERAL, DataClass.HEALTH, DataClass.HARM_REDUCTION],
        recipient_sectors=[Sector.POLICE_JUSTICE],
    )
    result = summary(riverbend, sam)
    assert seen(result, DataClass.GENERAL) == {ED: {"own_record"}, POLICE: {"consent_sector"}}
    assert POLICE not in seen(result, DataClass.HEALTH)
    assert POLICE not in seen(result, DataClass.HARM_REDUCTION)


def test_police_see_what_a_consent_naming_them_gives(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.police)
    # On the care team, the police see only general information.
    result = summary(riverbend, sam)
    assert seen(result, DataClass.GENERAL)[POLICE] == {"care_team"}
    assert POLICE not in seen(result, DataClass.HEALTH)
    consent(riverbend, sam, [DataClass.HARM_REDUCTION], recipient_organizations=[riverbend.police])
    result = summary(riverbend, sam)
    assert seen(result, DataClass.HARM_REDUCTION)[POLICE] == {"consent_named"}
    assert POLICE not in seen(result, DataClass.HEALTH)
    assert POLICE not in seen(result, DataClass.MENTAL_HEALTH)


def test_expired_withdrawn_and_future_consents_give_nothing(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    withdrawn = consent(
        riverbend, sam, [DataClass.HEALTH], recipient_organizations=[riverbend.housing]
    )
    consent_revoke(actor=riverbend.actor("alice"), consent=withdrawn, reason="Sam said stop.")
    consent(
        riverbend,
        sam,
        [DataClass.HEALTH],
        recipient_organizations=[riverbend.clinic],
        period_start=timezone.now() + timedelta(days=3),
    )
    result = summary(riverbend, sam)
    assert seen(result, DataClass.HEALTH) == {ED: {"own_record"}}


@pytest.mark.parametrize("username", ["alice", "hana", "lee", "pat", "carlos"])
@pytest.mark.parametrize(
    "data_class", [DataClass.GENERAL, DataClass.HEALTH, DataClass.SUBSTANCE_USE]
)
def test_the_page_agrees_with_the_policy(
    riverbend: Riverbend, username: str, data_class: str
) -> None:
    # Whatever the page says about an organization, the policy does for that organization's
    # roles: a persona it lists may see the class only if listed; one not listed never does.
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    consent(riverbend, sam, [DataClass.SUBSTANCE_USE], recipient_organizations=[riverbend.clinic])
    consent(
        riverbend,
        sam,
        [DataClass.HEALTH],
        recipient_sectors=[Sector.HOUSING, Sector.POLICE_JUSTICE],
    )
    actor = riverbend.actor(username)
    decision = policy.evaluate(actor=actor, person=sam.person, data_class=data_class, purpose=CARE)
    listed = actor.organization.name in seen(summary(riverbend, sam), data_class)
    if decision.permitted:
        assert listed


# --- the page -----------------------------------------------------------------------------------


def test_the_holder_reads_it_in_plain_words_and_the_read_is_audited(riverbend: Riverbend) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    consent(
        riverbend,
        sam,
        [DataClass.SUBSTANCE_USE],
        recipient_organizations=[riverbend.clinic],
        period_end=timezone.now() + timedelta(days=60),
    )
    consent(
        riverbend,
        sam,
        [DataClass.GENERAL],
        decision="deny",
        recipient_organizations=[riverbend.police],
    )
    url = reverse("clients:access", kwargs={"client_id": sam.pk})
    page = riverbend.http("alice").get(url)
    assert page.status_code == 200
    body = " ".join(page.content.decode().split())
    for words in (
        "Who can see what, and why",
        "because this organization holds the record",
        "because they are on Sam's care team",
        "because Sam agreed on",
        "Protected by federal law (42 CFR Part 2)",
        "Riverbend Police Service: Sam said no on",
        "Police and justice never see this kind of information unless Sam agrees",
    ):
        assert words in body, words
    assert page["Cache-Control"] == "no-store, private"
    read = AuditEvent.objects.filter(object_type="access_summary").get()
    assert (read.action, read.permitted, read.actor_username, read.object_id, read.data_class) == (
        AuditAction.READ,
        True,
        "alice",
        str(sam.pk),
        DataClass.GENERAL,
    )


@pytest.mark.parametrize("username", ["hana", "lee", "pat", "dana"])
def test_nobody_but_the_holder_sees_it(riverbend: Riverbend, username: str) -> None:
    sam = riverbend.client_record(name="Sam", classes=[])
    care_team_add(actor=riverbend.actor("alice"), person=sam.person, organization=riverbend.peer)
    consent(riverbend, sam, [DataClass.SUBSTANCE_USE], recipient_organizations=[riverbend.clinic])
    url = reverse("clients:access", kwargs={"client_id": sam.pk})
    response = riverbend.http(username).get(url)
    assert response.status_code == 403
    assert CLINIC not in response.content.decode()
    if username != "dana":  # the analyst is refused by role, before any read
        with pytest.raises(PermissionDenied):
            access_summary_get(actor=riverbend.actor(username), client_id=sam.pk, purpose=CARE)
    assert not AuditEvent.objects.filter(object_type="access_summary", permitted=True).exists()


def test_an_unknown_client_is_not_found(riverbend: Riverbend) -> None:
    assert riverbend.http("alice").get("/clients/999999/access/").status_code == 404
