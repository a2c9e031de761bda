"""The follow-through worker, with time travel (no sleeps): before the deadline nothing; after
it one reminder to the receiving organization; after the escalation delay an escalation to its
org admins, and the requester is told and sees it on the referral."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from carecircle.notifications.models import Notification, NotificationKind
from carecircle.partners.models import Jurisdiction, Role
from carecircle.partners.services import jurisdiction_create, organization_create
from carecircle.privacy.models import AuditAction, AuditEvent, ConsentDirective, DataClass, Purpose
from carecircle.privacy.services import care_team_add, consent_record, consent_revoke
from carecircle.referrals import selectors, services, tasks
from carecircle.referrals.models import Referral, ResponseDeadline
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import Loop, build_loop, kinds_of

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """The shared loop, with Sam's consent to the clinic signed on paper: substance-use
    information goes to a Part 2 program only under a signed consent (42 CFR 2.31)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


CHICAGO = ZoneInfo("America/Chicago")


def _next(weekday: int, hour: int) -> dt.datetime:
    """A coming weekday (0 is Monday) at this hour in Riverbend, after the fixtures' consents
    (recorded now) have started."""
    day = dt.datetime.now(CHICAGO).date() + dt.timedelta(days=2)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), CHICAGO)


#: A Tuesday, 10:00 in Riverbend.
TUESDAY = _next(1, 10)
#: A Friday, 15:00 in Riverbend.
FRIDAY = _next(4, 15)


@pytest.fixture(autouse=True)
def _empty_huey() -> Iterator[None]:
    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


def run_worker(at: dt.datetime, capture: Any) -> dict[str, int]:
    """The periodic task, as the worker runs it at ``at``."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        return dict(tasks.follow_up_referrals.call_local())


def events(referral: Referral) -> list[str]:
    return list(referral.events.order_by("at", "pk").values_list("kind", flat=True))


def test_the_task_runs_every_quarter_hour() -> None:
    validate = tasks.follow_up_referrals.s().validate_datetime
    assert validate(dt.datetime(2026, 11, 17, 10, 15))  # noqa: DTZ001 - huey's naive time
    assert validate(dt.datetime(2026, 11, 17, 10, 45))  # noqa: DTZ001
    assert not validate(dt.datetime(2026, 11, 17, 10, 20))  # noqa: DTZ001


def test_remind_then_escalate_an_urgent_referral(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    town = loop.town
    with time_machine.travel(TUESDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = loop.refer()  # urgent: 4 hours, escalation 4 hours later by default
    town.member("cleo", "clinic", Role.ORG_ADMIN)
    received = kinds_of("carlos", town)

    # Before the deadline: nothing.
    assert run_worker(
        TUESDAY + dt.timedelta(hours=3, minutes=59), django_capture_on_commit_callbacks
    ) == {
        "reminded": 0,
        "escalated": 0,
        "held": 0,
    }
    assert events(referral) == ["created"]

    # After it: one reminder to the clinic, once.
    counts = run_worker(
        TUESDAY + dt.timedelta(hours=4, minutes=15), django_capture_on_commit_callbacks
    )
    assert counts == {"reminded": 1, "escalated": 0, "held": 0}
    assert kinds_of("carlos", town) == [*received, NotificationKind.REFERRAL_OVERDUE]
    assert kinds_of("cleo", town) == [NotificationKind.REFERRAL_OVERDUE]
    assert run_worker(
        TUESDAY + dt.timedelta(hours=4, minutes=30), django_capture_on_commit_callbacks
    ) == {
        "reminded": 0,
        "escalated": 0,
        "held": 0,
    }
    assert events(referral) == ["created", "reminded"]
    assert kinds_of("alice", town) == []

    # After the escalation delay: to the clinic's org admin, and alice is told.
    counts = run_worker(
        TUESDAY + dt.timedelta(hours=8, minutes=15), django_capture_on_commit_callbacks
    )
    assert counts == {"reminded": 0, "escalated": 1, "held": 0}
    assert kinds_of("cleo", town)[-1] == NotificationKind.REFERRAL_ESCALATED
    assert NotificationKind.REFERRAL_ESCALATED not in kinds_of("carlos", town)
    assert kinds_of("alice", town) == [NotificationKind.REFERRAL_UPDATED]
    assert run_worker(TUESDAY + dt.timedelta(hours=9), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 0,
        "held": 0,
    }
    referral.refresh_from_db()
    assert referral.reminded_at is not None
    assert referral.escalated_at is not None
    assert referral.version == 1  # following up changes no one's work
    # alice sees it on the referral.
    with time_machine.travel(TUESDAY + dt.timedelta(hours=9), tick=False):
        view = selectors.referral_get(
            actor=town.actor("alice"), referral_id=referral.pk, purpose=Purpose.TREATMENT
        )
    assert [e.kind for e in view.events] == ["created", "reminded", "escalated"]
    assert view.overdue
    for notification in Notification.objects.all():
        assert notification.link == f"/referrals/{referral.pk}/"


def test_an_answered_referral_is_not_followed_up(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()
        loop.accept(referral)
    assert run_worker(TUESDAY + dt.timedelta(days=2), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 0,
        "held": 0,
    }


def test_an_organization_without_an_admin_still_hears_of_the_escalation(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        loop.refer()
    counts = run_worker(TUESDAY + dt.timedelta(hours=9), django_capture_on_commit_callbacks)
    # Reminded and escalated in the same run, the reminder first.
    assert counts == {"reminded": 1, "escalated": 1, "held": 0}
    assert kinds_of("carlos", loop.town) == [
        NotificationKind.REFERRAL_OVERDUE,
        NotificationKind.REFERRAL_ESCALATED,
    ]


def test_business_days_skip_the_weekend(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(FRIDAY, tick=False):
        referral = loop.refer(urgency="routine")  # 3 business days, escalation 24 hours later
    referral.refresh_from_db()
    # Friday 15:00 + 3 business days = Wednesday 15:00.
    assert referral.due_at == FRIDAY + dt.timedelta(days=5)
    monday = FRIDAY + dt.timedelta(days=3, hours=1)
    assert run_worker(monday, django_capture_on_commit_callbacks)["reminded"] == 0
    tuesday = FRIDAY + dt.timedelta(days=4, hours=1)
    assert run_worker(tuesday, django_capture_on_commit_callbacks)["reminded"] == 0
    wednesday = FRIDAY + dt.timedelta(days=5, minutes=15)
    assert run_worker(wednesday, django_capture_on_commit_callbacks) == {
        "reminded": 1,
        "escalated": 0,
        "held": 0,
    }
    thursday = FRIDAY + dt.timedelta(days=6, minutes=15)
    assert run_worker(thursday, django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 1,
        "held": 0,
    }


def test_a_jurisdiction_s_own_deadline_overrides_the_default(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    ResponseDeadline.objects.create(
        jurisdiction=loop.town.jurisdiction, urgency="urgent", hours=1, escalate_after_hours=2
    )
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()
    referral.refresh_from_db()
    assert referral.due_at == TUESDAY + dt.timedelta(hours=1)
    assert run_worker(
        TUESDAY + dt.timedelta(hours=1, minutes=15), django_capture_on_commit_callbacks
    ) == {
        "reminded": 1,
        "escalated": 0,
        "held": 0,
    }
    assert run_worker(
        TUESDAY + dt.timedelta(hours=3, minutes=15), django_capture_on_commit_callbacks
    ) == {
        "reminded": 0,
        "escalated": 1,
        "held": 0,
    }


def test_the_receiving_organization_s_jurisdiction_sets_the_clock(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    # A partner across the border answers on its own rules and in its own time zone.
    elsewhere: Jurisdiction = jurisdiction_create(
        name="Lakeside", country="CA", privacy_regime="on_phipa", time_zone="America/Toronto"
    )
    ResponseDeadline.objects.create(jurisdiction=elsewhere, urgency="routine", business_days=1)
    shelter = organization_create(
        name="Lakeside Shelter", sector="housing", jurisdiction=elsewhere, slug="lakeside-shelter"
    )
    consent_record(
        actor=loop.town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[shelter],
    )
    with time_machine.travel(FRIDAY, tick=False):  # 16:00 in Toronto
        referral = loop.refer_housing(receiving_organization=shelter, urgency="routine")
    referral.refresh_from_db()
    toronto = ZoneInfo("America/Toronto")
    monday = (FRIDAY + dt.timedelta(days=3)).astimezone(toronto)
    assert referral.due_at == monday
    assert monday.weekday() == 0
    assert monday.hour == 16


def test_operators_set_response_deadlines_in_the_admin(riverbend: Any) -> None:
    from django.test import Client as HttpClient

    from carecircle.partners.services import user_create

    operator: Any = user_create(username="operator", password="x" * 20, is_superuser=True)
    browser = HttpClient()
    browser.force_login(operator)
    assert browser.get("/admin/referrals/responsedeadline/").status_code == 200
    assert browser.get("/admin/referrals/responsedeadline/add/").status_code == 200
    # An organization admin is not an operator.
    member = riverbend.http("erin").get("/admin/referrals/responsedeadline/")
    assert member.status_code == 302


# --- a consent that lapses ----------------------------------------------------------------------


def test_a_withdrawn_consent_puts_the_referral_on_hold_once_and_stops_reminders(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    town = loop.town
    with time_machine.travel(TUESDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        referral = loop.refer()  # urgent: due four hours later
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        consent_revoke(actor=town.actor("alice"), consent=loop.clinic_consent, reason="Asked")
    received, told = kinds_of("carlos", town), kinds_of("alice", town)
    before = AuditEvent.objects.count()

    # Past the deadline and the escalation delay: held, never reminded nor escalated.
    later = TUESDAY + dt.timedelta(hours=9)
    assert run_worker(later, django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 0,
        "held": 1,
    }
    referral.refresh_from_db()
    assert referral.status == Status.ON_HOLD
    assert referral.status_reason == "The person withdrew their consent"
    assert referral.consent_lapsed_at == later
    assert referral.reminded_at is None
    assert referral.escalated_at is None
    assert referral.version == 2
    event = referral.events.order_by("-at", "-pk").first()
    assert event is not None
    assert (event.kind, event.from_status, event.to_status) == ("status", "requested", "on-hold")
    assert event.actor_id is None
    assert event.organization_id is None
    assert event.reason == "The person withdrew their consent"
    # The system's audit row: no user.
    rows = AuditEvent.objects.filter(seq__gt=before, object_id=str(referral.pk))
    assert [(r.actor_id, r.actor_username, r.action) for r in rows] == [
        (None, "", AuditAction.WRITE)
    ]
    # Both sides are told that a consent changed, and nothing more.
    assert kinds_of("carlos", town) == [*received, NotificationKind.CONSENT_CHANGED]
    assert kinds_of("alice", town) == [*told, NotificationKind.CONSENT_CHANGED]
    for notification in Notification.objects.filter(kind=NotificationKind.CONSENT_CHANGED):
        assert notification.link == f"/referrals/{referral.pk}/"
        assert "Sam" not in notification.title

    # Once: running again changes nothing.
    assert run_worker(later + dt.timedelta(hours=1), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 0,
        "held": 0,
    }
    assert Referral.objects.get(pk=referral.pk).version == 2
    assert Notification.objects.filter(kind=NotificationKind.CONSENT_CHANGED).count() == 2


def test_an_expired_consent_puts_accepted_work_on_hold(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()
        loop.accept(referral)
    ConsentDirective.objects.filter(pk=loop.clinic_consent.pk).update(
        period_end=TUESDAY + dt.timedelta(days=1)
    )
    assert (
        run_worker(TUESDAY + dt.timedelta(hours=20), django_capture_on_commit_callbacks)["held"]
        == 0
    )
    assert (
        run_worker(TUESDAY + dt.timedelta(days=2), django_capture_on_commit_callbacks)["held"] == 1
    )
    referral.refresh_from_db()
    assert referral.status == Status.ON_HOLD
    assert referral.status_reason == "The person's consent has expired"


def test_another_consent_that_still_covers_it_keeps_the_referral_going(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()
        consent_record(
            actor=loop.town.actor("alice"),
            person=loop.sam.person,
            decision="permit",
            data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
            purposes=[Purpose.TREATMENT],
            recipient_sectors=["treatment_clinic"],
            capture_method="paper",
        )
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="x")
    counts = run_worker(TUESDAY + dt.timedelta(hours=5), django_capture_on_commit_callbacks)
    assert counts == {"reminded": 1, "escalated": 0, "held": 0}
    assert Referral.objects.get(pk=referral.pk).status == Status.REQUESTED


def test_drafts_and_referrals_within_one_organization_need_no_consent(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        draft = loop.refer(send=False)
        inside = services.referral_create(
            actor=loop.town.actor("alice"),
            client=loop.sam,
            receiving_organization=loop.town.ed,
            data_class=DataClass.HEALTH,
            purpose=Purpose.TREATMENT,
        )
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        consent_revoke(actor=loop.town.actor("alice"), consent=loop.clinic_consent, reason="x")
    counts = run_worker(TUESDAY + dt.timedelta(days=5), django_capture_on_commit_callbacks)
    assert counts["held"] == 0
    assert Referral.objects.get(pk=draft.pk).status == Status.DRAFT
    assert Referral.objects.get(pk=inside.pk).status == Status.REQUESTED


def consent_again(loop: Loop) -> None:
    """Sam consents again to sharing with the clinic (signed on paper)."""
    consent_record(
        actor=loop.town.actor("alice"),
        person=loop.sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[loop.town.clinic],
        capture_method="paper",
    )


def test_work_resumes_only_once_a_consent_allows_it_again(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    town = loop.town
    town.member("cleo", "clinic", Role.CLINICIAN)
    # The clinic also holds a care-team place, so it may still act on the referral.
    care_team_add(actor=town.actor("alice"), person=loop.sam.person, organization=town.clinic)
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()
        loop.accept(referral, "cleo")
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        consent_revoke(actor=town.actor("alice"), consent=loop.clinic_consent, reason="x")
    run_worker(TUESDAY + dt.timedelta(hours=2), django_capture_on_commit_callbacks)
    assert Referral.objects.get(pk=referral.pk).status == Status.ON_HOLD
    with time_machine.travel(TUESDAY + dt.timedelta(hours=3), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.referral_transition(
                actor=town.actor("cleo"), referral_id=referral.pk, to="in-progress"
            )
        assert set(caught.value.message_dict) == {"status"}
        assert "consent" in caught.value.message_dict["status"][0]
        consent_again(loop)
    with time_machine.travel(TUESDAY + dt.timedelta(hours=4), tick=False):
        resumed = services.referral_transition(
            actor=town.actor("cleo"), referral_id=referral.pk, to="in-progress"
        )
    assert resumed.status == Status.IN_PROGRESS
    assert Referral.objects.get(pk=referral.pk).consent_lapsed_at is None


def test_a_referral_held_before_anyone_accepted_it_waits_to_be_accepted_again(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    town = loop.town
    town.member("cleo", "clinic", Role.CLINICIAN)
    care_team_add(actor=town.actor("alice"), person=loop.sam.person, organization=town.clinic)
    with time_machine.travel(TUESDAY, tick=False):
        referral = loop.refer()  # requested, never answered
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        consent_revoke(actor=town.actor("alice"), consent=loop.clinic_consent, reason="x")
    run_worker(TUESDAY + dt.timedelta(hours=2), django_capture_on_commit_callbacks)
    held = Referral.objects.get(pk=referral.pk)
    assert held.status == Status.ON_HOLD
    assert not held.was_accepted
    with time_machine.travel(TUESDAY + dt.timedelta(hours=3), tick=False):
        consent_again(loop)
        # Not straight into work, nor to an outcome: it was never accepted.
        view = selectors.referral_get(
            actor=town.actor("cleo"), referral_id=referral.pk, purpose=Purpose.TREATMENT
        )
        assert "in-progress" not in view.moves
        assert {"accepted", "rejected", "cancelled"} <= set(view.moves)
        with pytest.raises(ValidationError) as caught:
            services.referral_transition(
                actor=town.actor("cleo"), referral_id=referral.pk, to="in-progress"
            )
        assert set(caught.value.message_dict) == {"status"}
        with pytest.raises(ValidationError) as outcome:
            services.referral_record_outcome(
                actor=town.actor("cleo"),
                referral_id=referral.pk,
                enrollment="enrolled",
                outcome_on=TUESDAY.date(),
            )
        assert set(outcome.value.message_dict) == {"enrollment"}
        accepted = services.referral_transition(
            actor=town.actor("cleo"), referral_id=referral.pk, to="accepted"
        )
    assert accepted.status == Status.ACCEPTED
    assert accepted.was_accepted
    assert accepted.responded_at == TUESDAY + dt.timedelta(hours=3)
    assert Referral.objects.get(pk=referral.pk).consent_lapsed_at is None


@pytest.fixture
def queued_huey() -> Iterator[Any]:
    """huey as in production: tasks wait in the queue for the worker instead of running. The
    queue stays the in-memory one of the tests (never the real queue in the data directory or
    in Redis, which another run may be using)."""
    assert HUEY.immediate
    HUEY.immediate_use_memory = False  # leaving immediate mode keeps the memory storage
    HUEY.immediate = False
    assert isinstance(HUEY.storage, MemoryStorage)
    HUEY.storage.flush_all()
    try:
        yield HUEY
    finally:
        HUEY.storage.flush_all()
        HUEY.immediate = True
        HUEY.immediate_use_memory = True


def test_sending_queues_the_clinics_notifications_for_the_worker(
    loop: Loop, queued_huey: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        referral = loop.refer()
    # Nothing told yet: one task waits, naming the referral and the side, no one's details.
    assert Notification.objects.count() == before
    pending = queued_huey.pending()
    assert [task.name for task in pending] == ["notify_referral"]
    assert pending[0].args == (
        str(referral.pk),
        "receiver",
        NotificationKind.REFERRAL_RECEIVED,
        [],
        loop.town.users["alice"].pk,
    )
    # The worker runs it: the clinic's people hear of it, alice (who sent it) does not. (Run
    # without the worker's closing of database connections, which would end the test's.)
    task = queued_huey.dequeue()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_referral.call_local(*task.args)
    assert kinds_of("carlos", loop.town) == [NotificationKind.REFERRAL_RECEIVED]
    assert kinds_of("alice", loop.town) == []
    assert not queued_huey.pending()
