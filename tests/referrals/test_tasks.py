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
from huey.contrib.djhuey import HUEY

from carecircle.notifications.models import Notification, NotificationKind
from carecircle.partners.models import Jurisdiction, Role
from carecircle.partners.services import jurisdiction_create, organization_create
from carecircle.privacy.models import DataClass, Purpose
from carecircle.privacy.services import consent_record
from carecircle.referrals import selectors, tasks
from carecircle.referrals.models import Referral, ResponseDeadline
from tests.fixtures import riverbend
from tests.referrals.helpers import Loop, kinds_of, loop

__all__ = ["loop", "riverbend"]

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
    }
    assert events(referral) == ["created"]

    # After it: one reminder to the clinic, once.
    counts = run_worker(
        TUESDAY + dt.timedelta(hours=4, minutes=15), django_capture_on_commit_callbacks
    )
    assert counts == {"reminded": 1, "escalated": 0}
    assert kinds_of("carlos", town) == [*received, NotificationKind.REFERRAL_OVERDUE]
    assert kinds_of("cleo", town) == [NotificationKind.REFERRAL_OVERDUE]
    assert run_worker(
        TUESDAY + dt.timedelta(hours=4, minutes=30), django_capture_on_commit_callbacks
    ) == {
        "reminded": 0,
        "escalated": 0,
    }
    assert events(referral) == ["created", "reminded"]
    assert kinds_of("alice", town) == []

    # After the escalation delay: to the clinic's org admin, and alice is told.
    counts = run_worker(
        TUESDAY + dt.timedelta(hours=8, minutes=15), django_capture_on_commit_callbacks
    )
    assert counts == {"reminded": 0, "escalated": 1}
    assert kinds_of("cleo", town)[-1] == NotificationKind.REFERRAL_ESCALATED
    assert NotificationKind.REFERRAL_ESCALATED not in kinds_of("carlos", town)
    assert kinds_of("alice", town) == [NotificationKind.REFERRAL_UPDATED]
    assert run_worker(TUESDAY + dt.timedelta(hours=9), django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 0,
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
    }


def test_an_organization_without_an_admin_still_hears_of_the_escalation(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        loop.refer()
    counts = run_worker(TUESDAY + dt.timedelta(hours=9), django_capture_on_commit_callbacks)
    # Reminded and escalated in the same run, the reminder first.
    assert counts == {"reminded": 1, "escalated": 1}
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
    }
    thursday = FRIDAY + dt.timedelta(days=6, minutes=15)
    assert run_worker(thursday, django_capture_on_commit_callbacks) == {
        "reminded": 0,
        "escalated": 1,
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
    }
    assert run_worker(
        TUESDAY + dt.timedelta(hours=3, minutes=15), django_capture_on_commit_callbacks
    ) == {
        "reminded": 0,
        "escalated": 1,
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
