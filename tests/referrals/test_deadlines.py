"""Response deadlines, a pure kernel: hours on the clock or business days in the
jurisdiction's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.referrals.deadlines import (
    DEFAULT_RULES,
    WORKDAY_STARTS,
    DeadlineRule,
    due_at,
    escalate_at,
)

ZONES = [ZoneInfo(z) for z in ("America/Chicago", "America/Toronto", "Europe/Paris", "UTC")]
CHICAGO = ZoneInfo("America/Chicago")

moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
    max_value=dt.datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
hour_rules = st.builds(
    DeadlineRule, hours=st.integers(1, 200), escalate_after_hours=st.integers(1, 72)
)
day_rules = st.builds(
    DeadlineRule, business_days=st.integers(1, 15), escalate_after_hours=st.integers(1, 72)
)
zones = st.sampled_from(ZONES)


@given(sent=moments, rule=st.one_of(hour_rules, day_rules), zone=zones)
def test_the_deadline_is_always_later_than_sending(
    sent: dt.datetime, rule: DeadlineRule, zone: ZoneInfo
) -> None:
    due = due_at(sent, rule, zone)
    assert due.tzinfo is not None
    assert due > sent
    assert escalate_at(due, rule) > due


@given(sent=moments, rule=hour_rules, zone=zones)
def test_hours_are_hours_on_the_clock(
    sent: dt.datetime, rule: DeadlineRule, zone: ZoneInfo
) -> None:
    assert due_at(sent, rule, zone) - sent == dt.timedelta(hours=rule.hours or 0)


@given(sent=moments, rule=day_rules, zone=zones)
def test_business_days_fall_on_weekdays(
    sent: dt.datetime, rule: DeadlineRule, zone: ZoneInfo
) -> None:
    due = due_at(sent, rule, zone).astimezone(zone)
    assert due.weekday() < 5
    assert rule.business_days is not None
    # Never sooner than the business days asked, never more than a weekend (and a day of
    # clock change) later.
    elapsed = due - sent
    assert elapsed >= dt.timedelta(days=rule.business_days) - dt.timedelta(hours=1)
    weeks = rule.business_days // 5 + 1
    assert elapsed <= dt.timedelta(days=rule.business_days + 2 * weeks + 3)


def test_three_business_days_from_a_friday_end_on_wednesday() -> None:
    friday = dt.datetime(2026, 11, 20, 15, 30, tzinfo=CHICAGO)
    due = due_at(friday, DeadlineRule(business_days=3), CHICAGO).astimezone(CHICAGO)
    assert due == dt.datetime(2026, 11, 25, 15, 30, tzinfo=CHICAGO)


def test_a_referral_sent_at_the_weekend_counts_from_monday_morning() -> None:
    saturday = dt.datetime(2026, 11, 21, 22, 0, tzinfo=CHICAGO)
    due = due_at(saturday, DeadlineRule(business_days=1), CHICAGO).astimezone(CHICAGO)
    assert due == dt.datetime(2026, 11, 24, WORKDAY_STARTS.hour, 0, tzinfo=CHICAGO)


def test_the_issue_s_examples_are_the_defaults() -> None:
    assert DEFAULT_RULES["urgent"].hours == 4
    assert DEFAULT_RULES["routine"].business_days == 3


@pytest.mark.parametrize(
    "values",
    [{}, {"hours": 1, "business_days": 1}, {"hours": 0}, {"business_days": 0}],
)
def test_a_rule_is_hours_or_business_days(values: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"hour|business"):
        DeadlineRule(**values)


def test_escalation_is_at_least_an_hour_after() -> None:
    with pytest.raises(ValueError, match="escalation"):
        DeadlineRule(hours=4, escalate_after_hours=0)


@pytest.mark.parametrize(
    "values",
    [
        {"hours": 721},
        {"business_days": 31},
        {"hours": 4, "escalate_after_hours": 169},
        {"hours": 10**9},
    ],
)
def test_a_rule_past_the_limits_is_no_rule(values: dict[str, int]) -> None:
    # A row written in the admin with a huge number must not overflow the calendar.
    with pytest.raises(ValueError, match="at most"):
        DeadlineRule(**values)


def test_the_limits_themselves_are_rules() -> None:
    DeadlineRule(hours=720, escalate_after_hours=168)
    DeadlineRule(business_days=30)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_at(dt.datetime(2026, 1, 1), DeadlineRule(hours=1), CHICAGO)  # noqa: DTZ001
