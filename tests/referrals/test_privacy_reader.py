"""What a reader on a referral may see of it, whatever side they are on.

Naming an organization of some sectors in connection with a person discloses a kind of
information (a treatment clinic: substance use; the police: justice). A referral's details
(the other organization's name, the service it asks the other side for, the outcome, the
reasons, the handoff notes) carry its *effective* kinds: its own ``data_class`` and what the
names of the organizations on it say (the reader's own organization aside). A reader sees them
only where every one of these kinds is permitted; the name follows general information and the
workflow (status, urgency, dates) stays visible to both sides.

The referrals here are written straight to the database: this is about reading them, whatever
the rules for sending one become.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.directory import models as directory
from carecircle.partners.models import Organization, Role
from carecircle.privacy.models import AuditAction, AuditEvent, ConsentCapture, DataClass, Purpose
from carecircle.privacy.services import consent_record
from carecircle.referrals import selectors
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.selectors import InboxFilters
from tests.fixtures import Riverbend, riverbend

__all__ = ["riverbend"]

HOUSING_NEED = "Needs a room within walking distance of daily dosing."
HOUSING_NOTES = "Doses at 8 every morning; cannot move across town."
POLICE_NEED = "Asked the officer about a check-in after the overdose last week."
LEE_NEED = "Asked for help with opioid use during a wellness check."
ENROLLED_NOTE = "Started on buprenorphine 8 mg the same day."
DECLINE = "Positive for fentanyl on intake; needs medically supervised withdrawal first."
ED_NEED = "Wants to start buprenorphine today; in withdrawal since this morning."
BUP = "Same-day buprenorphine start"
ROOMS = "Rapid rehousing intake"


def listing(organization: Organization, name: str) -> directory.Service:
    entry = directory.Organization.objects.create(
        name=organization.name, description="Partner listing", partner=organization
    )
    return directory.Service.objects.create(organization=entry, name=name)


def make(
    town: Riverbend,
    *,
    client: Client,
    by: str,
    to: Organization,
    data_class: str = DataClass.GENERAL,
    service: directory.Service | None = None,
    reason: str = "",
    handoff_notes: str = "",
    steps: tuple[tuple[str, str, str, str], ...] = (),
    **fields: Any,
) -> Referral:
    """A sent referral, with its history: ``steps`` are (kind, to status, who, reason)."""
    sender = town.actor(by)
    now = timezone.now()
    referral = Referral.objects.create(
        client=client,
        requester_organization=sender.organization,
        requester=town.users[by],
        receiving_organization=to,
        service=service,
        service_name=service.name if service else "",
        data_class=data_class,
        status="requested",
        urgency="urgent",
        reason=reason,
        handoff_notes=handoff_notes,
        requested_at=now,
        due_at=now + dt.timedelta(hours=4),
    )
    ReferralEvent.objects.create(
        referral=referral,
        kind="created",
        to_status="requested",
        organization=sender.organization,
        actor=town.users[by],
    )
    status = "requested"
    for kind, to_status, who, why in steps:
        actor = town.actor(who)
        ReferralEvent.objects.create(
            referral=referral,
            kind=kind,
            from_status=status,
            to_status=to_status,
            reason=why,
            organization=actor.organization,
            actor=town.users[who],
        )
        status = to_status
    Referral.objects.filter(pk=referral.pk).update(status=status, **fields)
    referral.refresh_from_db()
    return referral


@dataclass
class Town:
    town: Riverbend
    robin: Client  # held by the clinic
    alex: Client  # held by the police
    sam: Client  # held by the ED
    bup: directory.Service
    rooms: directory.Service


@pytest.fixture
def town(riverbend: Riverbend) -> Town:
    riverbend.member("nadia", "clinic", Role.CLINICIAN)
    robin = riverbend.client_record(owner="nadia", name="Robin Vale")
    # Robin lets the clinic tell housing and the police who they are (and, signed, more).
    consent_record(
        actor=riverbend.actor("nadia"),
        person=robin.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing, riverbend.police],
        capture_method=ConsentCapture.PAPER,
    )
    alex = riverbend.client_record(owner="lee", name="Alex Moss")
    consent_record(
        actor=riverbend.actor("lee"),
        person=alex.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.clinic],
        capture_method=ConsentCapture.PAPER,
    )
    sam = riverbend.client_record(owner="alice", name="Sam Rivers")
    consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.clinic],
        capture_method=ConsentCapture.PAPER,
    )
    return Town(
        town=riverbend,
        robin=robin,
        alex=alex,
        sam=sam,
        bup=listing(riverbend.clinic, BUP),
        rooms=listing(riverbend.housing, ROOMS),
    )


def inbox(t: Town, who: str, box: str = "incoming") -> selectors.InboxPage:
    return selectors.referral_inbox(
        actor=t.town.actor(who),
        filters=InboxFilters(box=box, open_only=False),
        purpose=Purpose.CARE_COORDINATION,
    )


def get(t: Town, who: str, referral: Referral) -> selectors.ReferralView:
    return selectors.referral_get(
        actor=t.town.actor(who), referral_id=referral.pk, purpose=Purpose.CARE_COORDINATION
    )


def page(t: Town, who: str, url: str) -> str:
    response = t.town.http(who).get(url)
    assert response.status_code == 200, (who, url, response.status_code)
    return response.content.decode()


def rows_of(html: str) -> str:
    """The inbox's list of referrals (the filters above list every partner's services)."""
    assert 'class="referral-list"' in html
    return html.split('class="referral-list"', 1)[1]


def detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"referral_id": referral.pk})


def panel(t: Town, who: str, client: Client) -> str:
    request = RequestFactory().get("/")
    request.user = t.town.users[who]
    request.actor = t.town.actor(who)  # type: ignore[attr-defined]
    request.purpose = Purpose.CARE_COORDINATION  # type: ignore[attr-defined]
    return render_to_string("clients/_referrals_panel.html", {"client": client}, request=request)


def assert_absent(html: str, *words: str) -> None:
    for word in words:
        assert word not in html, word


# --- the clinic refers someone it holds to housing, and to the police ---------------------------


def test_housing_sees_the_name_but_not_that_a_clinic_sent_it(town: Town) -> None:
    t, clinic = town.town, town.town.clinic
    referral = make(
        t,
        client=town.robin,
        by="carlos",
        to=t.housing,
        service=town.rooms,
        reason=HOUSING_NEED,
        handoff_notes=HOUSING_NOTES,
    )
    row = inbox(town, "hana").rows[0]
    assert row.referral.pk == referral.pk
    assert row.client_name == "Robin Vale"
    assert row.client_id == town.robin.pk
    # Being referred by a treatment clinic is substance-use information: a case manager's role
    # never includes it, so nothing that names the clinic (or the person there) is shown.
    assert row.effective_classes == [DataClass.GENERAL, DataClass.SUBSTANCE_USE]
    assert row.withheld == [DataClass.SUBSTANCE_USE]
    assert not row.details_shown
    assert row.other_organization_name is None
    assert row.requester_organization_name is None
    assert row.requester_organization_id is None
    assert row.requester_name is None
    assert row.reason is None
    assert row.handoff_notes is None
    # Housing's own name and its own service are its own business.
    assert row.receiving_organization_name == t.housing.name
    assert row.service_name == ROOMS
    assert row.referral.status == "requested"

    view = get(town, "hana", referral)
    assert view.other_organization_name is None
    assert view.requester_name is None
    assert view.reason is None
    assert view.handoff_notes is None
    assert [(e.organization_name, e.organization_withheld, e.actor_name) for e in view.events] == [
        (None, True, None)
    ]
    assert view.withheld_why == ["Your role does not include this kind of information."]

    carlos = t.users["carlos"].get_username()
    for html in (
        rows_of(page(town, "hana", reverse("referrals:inbox"))),
        page(town, "hana", detail_url(referral)),
        panel(town, "hana", town.robin),
    ):
        assert "Robin Vale" in html or "referral-history" in html
        assert_absent(html, clinic.name, carlos, HOUSING_NEED, HOUSING_NOTES)
    detail = page(town, "hana", detail_url(referral))
    assert "Robin Vale" in detail
    assert "an organization withheld from you" in detail
    assert "Substance use" not in detail  # the kind withheld is not named either

    # carlos sees his own referral whole: naming his own clinic tells him nothing.
    mine = inbox(town, "carlos", box="outgoing").rows[0]
    assert mine.effective_classes == [DataClass.GENERAL]
    assert mine.details_shown
    assert mine.other_organization_name == t.housing.name
    assert mine.reason == HOUSING_NEED


def test_the_police_see_the_name_but_not_the_clinic(town: Town) -> None:
    t = town.town
    referral = make(t, client=town.robin, by="carlos", to=t.police, reason=POLICE_NEED)
    row = inbox(town, "lee").rows[0]
    assert row.client_name == "Robin Vale"
    assert row.other_organization_name is None
    assert row.reason is None
    assert row.withheld == [DataClass.SUBSTANCE_USE]
    html = page(town, "lee", detail_url(referral))
    assert "Robin Vale" in html
    assert_absent(html, t.clinic.name, POLICE_NEED, t.users["carlos"].get_username())
    assert_absent(rows_of(page(town, "lee", reverse("referrals:inbox"))), t.clinic.name)


# --- the police refer someone to the clinic -----------------------------------------------------


def test_the_police_see_the_status_but_not_the_clinic_the_service_or_the_enrollment(
    town: Town,
) -> None:
    t = town.town
    referral = make(
        t,
        client=town.alex,
        by="lee",
        to=t.clinic,
        service=town.bup,
        reason=LEE_NEED,
        steps=(
            ("status", "accepted", "carlos", ""),
            ("outcome", "completed", "carlos", ENROLLED_NOTE),
        ),
        enrollment="enrolled",
        outcome_on=dt.date(2030, 1, 15),
        status_reason=ENROLLED_NOTE,
    )
    view = get(town, "lee", referral)
    assert view.side == "requester"
    assert view.client_name == "Alex Moss"
    assert view.referral.status == "completed"  # the workflow stays visible
    assert view.effective_classes == [DataClass.GENERAL, DataClass.SUBSTANCE_USE]
    assert view.withheld == [DataClass.SUBSTANCE_USE]
    assert view.requester_organization_name == t.police.name  # his own
    assert view.receiving_organization_name is None
    assert view.receiving_organization_id is None
    assert view.other_organization_name is None
    assert view.service_name is None
    assert view.service_id is None
    assert view.enrollment is None
    assert view.enrollment_label is None
    assert view.outcome_on is None
    assert view.status_reason is None
    assert view.reason is None  # even his own words: they sit next to the clinic's answer
    assert [e.reason for e in view.events] == [None, None, None]
    assert [e.organization_name for e in view.events] == [t.police.name, None, None]
    assert [e.actor_name for e in view.events][1:] == [None, None]
    assert reads(referral, "lee") == {(DataClass.GENERAL, True), (DataClass.SUBSTANCE_USE, False)}

    html = page(town, "lee", detail_url(referral))
    assert "Alex Moss" in html
    assert "Completed" in html
    assert_absent(
        html, t.clinic.name, BUP, "Enrolled", ENROLLED_NOTE, t.users["carlos"].get_username()
    )
    assert "same-day" not in html.lower()  # no capacity figure names the service either
    outgoing = page(town, "lee", reverse("referrals:inbox") + "?box=outgoing&status=all")
    assert "Alex Moss" in outgoing
    assert_absent(rows_of(outgoing), t.clinic.name, BUP, "Enrolled", ENROLLED_NOTE)
    assert_absent(outgoing, t.clinic.name)
    history = panel(town, "lee", town.alex)
    assert "Completed" in history
    assert_absent(history, t.clinic.name, BUP, "Enrolled")

    # The clinic sees its own service and outcome, not that the police sent the person.
    carlos = get(town, "carlos", referral)
    assert carlos.service_name == BUP
    assert carlos.enrollment == "enrolled"
    assert carlos.outcome_on == dt.date(2030, 1, 15)
    assert carlos.other_organization_name is None
    assert carlos.withheld == [DataClass.JUSTICE]
    assert carlos.status_reason is None


def reads(referral: Referral, who: str) -> set[tuple[str, bool]]:
    return set(
        AuditEvent.objects.filter(
            action=AuditAction.READ,
            object_type="referral",
            object_id=str(referral.pk),
            actor_username__startswith=who,
        ).values_list("data_class", "permitted")
    )


# --- an ED admin on the sending side ------------------------------------------------------------


def test_an_ed_admin_sees_neither_the_decline_reason_nor_the_service(town: Town) -> None:
    t = town.town
    referral = make(
        t,
        client=town.sam,
        by="alice",
        to=t.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        service=town.bup,
        reason=ED_NEED,
        steps=(("status", "rejected", "carlos", DECLINE),),
        status_reason=DECLINE,
    )
    erin = get(town, "erin", referral)
    assert erin.client_name == "Sam Rivers"
    assert erin.referral.status == "rejected"
    assert erin.status_reason is None
    assert erin.service_name is None
    assert erin.other_organization_name is None
    assert erin.data_class is None
    assert [e.reason for e in erin.events] == [None, None]
    row = inbox(town, "erin", box="outgoing").rows[0]
    assert (row.status_reason, row.service_name, row.other_organization_name) == (None, None, None)

    for html in (
        page(town, "erin", detail_url(referral)),
        rows_of(page(town, "erin", reverse("referrals:inbox") + "?box=outgoing&status=all")),
        panel(town, "erin", town.sam),
    ):
        assert_absent(html, DECLINE, BUP, t.clinic.name, ED_NEED, "Substance use")
    detail = page(town, "erin", detail_url(referral))
    assert "Reason withheld." in detail
    assert "Declined" in detail or "Rejected" in detail

    # alice, a clinician on the same side, may see it all.
    alice = get(town, "alice", referral)
    assert alice.status_reason == DECLINE
    assert alice.service_name == BUP
    assert alice.other_organization_name == t.clinic.name
    assert [e.reason for e in alice.events] == ["", DECLINE]
    assert DECLINE in page(town, "alice", detail_url(referral))


# --- paging and the new-referral page -----------------------------------------------------------


def test_a_huge_page_number_is_never_a_server_error(town: Town) -> None:
    t = town.town
    make(t, client=town.sam, by="alice", to=t.clinic, data_class=DataClass.SUBSTANCE_USE)
    inbox_url = reverse("referrals:inbox")
    for number in ("99999999999999999999999", "10001", "-5", "0"):
        html = page(town, "carlos", f"{inbox_url}?page={number}")
        assert "Sam Rivers" in html  # page 1
    with pytest.raises(ValidationError) as caught:
        selectors.referral_inbox(
            actor=t.actor("carlos"),
            filters=InboxFilters(),
            purpose=Purpose.TREATMENT,
            page=10**12,
        )
    assert set(caught.value.message_dict) == {"page"}
    last = selectors.referral_inbox(
        actor=t.actor("carlos"),
        filters=InboxFilters(),
        purpose=Purpose.TREATMENT,
        page=selectors.MAX_PAGE,
    )
    assert last.rows == []
    assert (
        selectors.referral_inbox(
            actor=t.actor("carlos"), filters=InboxFilters(), purpose=Purpose.TREATMENT, page=0
        ).page
        == 1
    )


def test_the_new_referral_page_audits_its_read_of_the_client(town: Town) -> None:
    url = f"{reverse('referrals:create')}?client={town.sam.pk}"
    page(town, "alice", url)
    assert AuditEvent.objects.filter(
        action=AuditAction.READ,
        object_type="client",
        object_id=str(town.sam.pk),
        data_class=DataClass.GENERAL,
        permitted=True,
    ).exists()
    assert town.town.http("hana").get(url).status_code == 403
    assert AuditEvent.objects.filter(
        object_type="client", object_id=str(town.sam.pk), permitted=False
    ).exists()
