"""When a referral must be answered: a pure kernel (no Django).

A jurisdiction sets, per urgency, either hours on the clock or business days (Monday to
Friday in its time zone; a referral sent at the weekend counts from Monday at the start of the
working day). Public holidays are not modelled: a deadline that falls on one is a reminder a
day early, never a day late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WORKDAY_STARTS = time(9, 0)

#: The most a jurisdiction may set (its coordinators' page and the service refuse more): a
#: month on the clock, six weeks of business days, a week before escalating. Longer would leave
#: a person waiting with no one reminded, and a far-off date can overflow the calendar.
MAX_HOURS = 720
MAX_BUSINESS_DAYS = 30
MAX_ESCALATE_AFTER_HOURS = 168


@dataclass(frozen=True)
class DeadlineRule:
    hours: int | None = None
    business_days: int | None = None
    escalate_after_hours: int = 4

    def __post_init__(self) -> None:
        if (self.hours is None) == (self.business_days is None):
            raise ValueError("give hours or business days, not both")
        if (self.hours is not None and self.hours < 1) or (
            self.business_days is not None and self.business_days < 1
        ):
            raise ValueError("a deadline is at least one hour or one business day")
        if self.escalate_after_hours < 1:
            raise ValueError("escalation comes at least an hour after the deadline")
        # Whatever wrote the rule (the page, the admin, a hand-made row), past the limits it is
        # no rule: the caller's default applies instead of an overflowing calendar.
        if (self.hours or 0) > MAX_HOURS or (self.business_days or 0) > MAX_BUSINESS_DAYS:
            raise ValueError("a deadline is at most 720 hours or 30 business days")
        if self.escalate_after_hours > MAX_ESCALATE_AFTER_HOURS:
            raise ValueError("escalation comes at most 168 hours after the deadline")


#: Used where a jurisdiction has not set its own (the issue's examples: urgent 4 hours,
#: routine 3 business days).
DEFAULT_RULES: dict[str, DeadlineRule] = {
    "stat": DeadlineRule(hours=1, escalate_after_hours=1),
    "asap": DeadlineRule(hours=2, escalate_after_hours=2),
    "urgent": DeadlineRule(hours=4, escalate_after_hours=4),
    "routine": DeadlineRule(business_days=3, escalate_after_hours=24),
}


def _is_business_day(day: datetime) -> bool:
    return day.weekday() < 5


def due_at(sent: datetime, rule: DeadlineRule, zone: ZoneInfo) -> datetime:
    """The moment a referral sent at ``sent`` (aware) must be answered by, in UTC-aware form."""
    if sent.tzinfo is None:
        raise ValueError("sent must be timezone-aware")
    if rule.hours is not None:
        return sent + timedelta(hours=rule.hours)
    assert rule.business_days is not None
    local = sent.astimezone(zone)
    if not _is_business_day(local):
        # Counts from the start of the next working day.
        while not _is_business_day(local):
            local = datetime.combine(local.date() + timedelta(days=1), WORKDAY_STARTS, zone)
    remaining = rule.business_days
    day = local
    while remaining:
        day = day + timedelta(days=1)
        if _is_business_day(day):
            remaining -= 1
    # Same wall-clock time on that day (across a daylight-saving change too).
    result = datetime.combine(day.date(), local.timetz().replace(tzinfo=None), zone)
    return result.astimezone(sent.tzinfo)


def escalate_at(due: datetime, rule: DeadlineRule) -> datetime:
    return due + timedelta(hours=rule.escalate_after_hours)
