"""Opening hours: HSDS schedule rows unfolded into weekly intervals, and "is it open now?".

A pure kernel (no Django). ``directory.services.opening_intervals_rebuild`` feeds it a
service's schedule rows and stores what comes out as ``OpeningInterval`` rows, so that search
can answer "open now" with one indexed range test instead of evaluating recurrence rules.

The interval model
------------------
An :class:`Interval` is a half-open range ``[start, end)`` of *minutes since Monday 00:00*
(0 ≤ start < end ≤ 10080), read as wall-clock time in one IANA time zone, optionally limited
to local dates ``valid_from``..``valid_to`` (inclusive). A moment is covered when its local
minute of the week is in the range and its local *date* is within the bounds::

    start_minute <= m < end_minute
    AND (valid_from IS NULL OR valid_from <= local_date)
    AND (valid_to IS NULL OR valid_to >= local_date)

A session that runs past midnight (opens 22:00, closes 02:00) is cut at midnight, and the
piece after midnight has its date bounds moved one day later, because it belongs to a
session that *started* the day before. That is also how a session from Sunday evening to
Monday morning wraps round the end of the week: no interval ever ends after minute 10080.
Overlapping or touching pieces with the *same* bounds are merged again (the bounds are tested
against the moment's own date, so that changes nothing), and a 24/7 service is one row
``[0, 10080)``.

Daylight saving time is handled by evaluating the moment in the location's zone with
``zoneinfo`` (:func:`local_time`), then comparing wall-clock minutes: on the night clocks go
back, 01:30 happens twice and is open both times if 01:30 is within the hours; on the night
they go forward, 02:30 never happens.

The RFC 5545 subset we support
------------------------------
* ``freq``: ``DAILY``, ``WEEKLY`` (HSDS's own) and ``MONTHLY`` (HSDS's own). An empty ``freq``
  with a ``byday`` is read as ``WEEKLY``, which is what publishers mean.
* ``byday``: weekday codes ``MO``..``SU``, comma separated. With ``MONTHLY`` each may carry an
  ordinal: ``1MO`` (first Monday of the month), ``-1FR`` (last Friday), 1–5 either way. With
  ``DAILY`` it limits the days; with ``WEEKLY`` and no ``byday``, the weekday of ``dtstart``.
* ``bymonthday``: ``1``..``31`` and ``-1``..``-31`` (from the end of the month); with
  ``MONTHLY`` it picks days (both ``byday`` and ``bymonthday`` → days matching both), with
  ``DAILY``/``WEEKLY`` it limits them. ``MONTHLY`` with neither uses ``dtstart``'s day.
* ``interval`` (a whole number ≥ 1, default 1): every *n* days, weeks (counted from the week of
  ``dtstart``, weeks starting on ``wkst``, default Monday) or months. ``interval`` > 1 needs
  ``dtstart``.
* ``dtstart`` (first date), ``until`` (last date) and ``count`` (number of occurrence days,
  counted from ``dtstart``, which it needs); ``valid_from``/``valid_to`` bound the dates too.
  Dates may be ``YYYY-MM-DD``, ``YYYYMMDD`` or have a time after them; only the date is used.
* ``opens_at``/``closes_at``: ``HH:MM`` or ``HH:MM:SS`` (fractions ignored), optionally with
  ``Z`` or a UTC offset. Closing before opening runs past midnight; closing equal to opening
  means 24 hours; ``24:00`` and ``23:59`` (or ``23:59:59``) close at midnight. A closing time
  with seconds rounds up to the next minute.
* Times are wall-clock time at the location. A UTC offset (``timezone``, or a suffix on the
  times) is used only when the location has no zone of its own (``UTC``), and only for whole
  hours (see :func:`zone_for`), because a fixed offset cannot follow daylight saving time.

Rules that repeat every week (``DAILY``/``WEEKLY`` with interval 1, or ``MONTHLY`` interval 1
with plain weekdays) become weekly intervals bounded by their dates. The others (ordinal
weekdays, month days, fortnightly...) are unfolded into dated intervals, one per occurrence,
from the day before ``today`` to ``horizon_days`` after it; the nightly rebuild moves the
window on.

Anything else is *unsupported* and never counted as open: ``YEARLY`` and finer frequencies,
``byweekno``, ``byyearday``, unreadable times or dates, a rule without ``opens_at`` or
``closes_at``, ``interval`` or ``count`` that is not a whole number ≥ 1. :func:`unfold` never
raises on bad data: it reports each skipped rule with the reason instead. Saying "closed" when
unsure is deliberate: "open now" sends a person through the door, and a wasted trip in a crisis
costs more than a missed result (the service page still shows the schedule's description).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SUPPORTED_FREQS = frozenset({"DAILY", "WEEKLY", "MONTHLY"})
#: How far ahead rules that do not repeat weekly are unfolded into dated intervals.
DEFAULT_HORIZON_DAYS = 62
#: ``count`` is resolved by walking the dates; past this many years it is treated as endless.
COUNT_SEARCH_YEARS = 100

SCHEDULE_FIELDS = (
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "byweekno",
    "byyearday",
    "wkst",
    "dtstart",
    "until",
    "count",
    "valid_from",
    "valid_to",
    "opens_at",
    "closes_at",
    "timezone",
)

_TIME = re.compile(
    r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


class UnsupportedRule(ValueError):
    """A schedule row this kernel cannot evaluate; the message says why."""


@dataclass(frozen=True, order=True)
class Interval:
    """Open from ``start`` to ``end`` (minutes since Monday 00:00, end excluded), local time,
    on local dates from ``valid_from`` to ``valid_to`` (inclusive; None = unbounded)."""

    start: int
    end: int
    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, minute: int, day: date) -> bool:
        return (
            self.start <= minute < self.end
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True)
class ScheduleRule:
    """The recurrence fields of one HSDS schedule row, as HSDS gives them."""

    freq: str | None = None
    interval: float | None = None
    byday: str | None = None
    bymonthday: str | None = None
    byweekno: str | None = None
    byyearday: str | None = None
    wkst: str | None = None
    dtstart: str | None = None
    until: str | None = None
    count: float | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    timezone: float | None = None

    @classmethod
    def from_row(cls, row: Any) -> ScheduleRule:
        """Read the fields from a mapping or from any object with those attributes (a model)."""
        if isinstance(row, Mapping):
            values = {name: row.get(name) for name in SCHEDULE_FIELDS}
        else:
            values = {name: getattr(row, name, None) for name in SCHEDULE_FIELDS}
        return cls(**values)


@dataclass(frozen=True)
class Unfolded:
    """What :func:`unfold` made of some rules: the merged intervals, and the rules it skipped
    (their position in the input and why)."""

    intervals: tuple[Interval, ...]
    skipped: tuple[tuple[int, str], ...] = field(default=())


# --- Parsing ----------------------------------------------------------------------------------


def parse_time(value: str | None, *, closing: bool = False) -> tuple[int, int | None]:
    """``"HH:MM[:SS][Z|±HH[:MM]]"`` → (minutes since midnight, UTC offset in minutes or None).

    A closing time may be ``24:00``; ``23:59`` closes at midnight; seconds round a closing
    time up and an opening time down.
    """
    if not isinstance(value, str):
        raise UnsupportedRule("no time")
    match = _TIME.match(value)
    if match is None:
        raise UnsupportedRule(f"unreadable time {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    seconds = int(match.group(3) or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise UnsupportedRule(f"impossible time {value!r}")
    if hours == 24 and not closing:
        raise UnsupportedRule(f"a service cannot open at {value!r}")
    total = hours * 60 + minutes
    if closing:
        if seconds:
            total += 1
        if total == MINUTES_PER_DAY - 1:  # 23:59 is how many publishers write "midnight"
            total = MINUTES_PER_DAY
    return total, _parse_offset(match.group("zone"))


def _parse_offset(zone: str | None) -> int | None:
    if not zone:
        return None
    if zone in ("Z", "z"):
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    return sign * (hours * 60 + minutes)


def parse_date(value: str | None) -> date | None:
    """``YYYY-MM-DD``, ``YYYYMMDD``, optionally followed by a time; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise UnsupportedRule(f"unreadable date {value!r}")
    text = value.strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
        if len(text) >= 8 and text[:8].isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        pass
    raise UnsupportedRule(f"unreadable date {value!r}")


def _whole(value: float | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UnsupportedRule(f"{name} is not a number") from None
    if not 1 <= number <= 1_000_000 or number != int(number):  # NaN fails the range too
        raise UnsupportedRule(f"{name} must be a whole number of at least 1")
    return int(number)


def _parse_byday(value: str | None) -> list[tuple[int | None, int]]:
    """``"MO,1TU,-1FR"`` → [(None, 0), (1, 1), (-1, 4)] (ordinal, Python weekday)."""
    days: list[tuple[int | None, int]] = []
    for token in _tokens(value):
        match = _BYDAY.match(token.upper())
        if match is None:
            raise UnsupportedRule(f"unreadable byday {token!r}")
        ordinal = int(match.group(1)) if match.group(1) else None
        if ordinal is not None and not 1 <= abs(ordinal) <= 5:
            raise UnsupportedRule(f"byday ordinal out of range in {token!r}")
        days.append((ordinal, WEEKDAY_CODES.index(match.group(2))))
    return days


def _parse_monthdays(value: str | None) -> list[int]:
    days: list[int] = []
    for token in _tokens(value):
        try:
            day = int(token)
        except ValueError:
            raise UnsupportedRule(f"unreadable bymonthday {token!r}") from None
        if not 1 <= abs(day) <= 31:
            raise UnsupportedRule(f"bymonthday out of range: {token!r}")
        days.append(day)
    return days


def _tokens(value: str | None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        raise UnsupportedRule(f"expected a comma-separated list, got {value!r}")
    return [t.strip() for t in value.split(",") if t.strip()]


# --- Rules → intervals ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """A rule checked and parsed: which dates it occurs on, and its daily session."""

    matches: Callable[[date], bool]
    weekly_days: frozenset[int] | None  # set when it repeats the same weekdays every week
    first: date | None  # first possible date (dtstart / valid_from)
    last: date | None  # last possible date (until / valid_to / count)
    opens: int
    duration: int


def _compile(rule: ScheduleRule) -> _Compiled:
    for name in ("byweekno", "byyearday"):
        if _tokens(getattr(rule, name)):
            raise UnsupportedRule(f"{name} is not supported")
    freq = (rule.freq or "").strip().upper() if isinstance(rule.freq, str | None) else None
    if freq is None:
        raise UnsupportedRule("unreadable freq")
    byday = _parse_byday(rule.byday)
    if not freq:
        if not byday:
            raise UnsupportedRule("no freq and no byday")
        freq = "WEEKLY"
    if freq not in SUPPORTED_FREQS:
        raise UnsupportedRule(f"freq {freq} is not supported")
    monthdays = _parse_monthdays(rule.bymonthday)
    interval = _whole(rule.interval, "interval") or 1
    count = _whole(rule.count, "count")
    dtstart = parse_date(rule.dtstart)
    until = parse_date(rule.until)
    valid_from = parse_date(rule.valid_from)
    valid_to = parse_date(rule.valid_to)
    wkst_text = (rule.wkst or "MO").strip().upper() if isinstance(rule.wkst, str | None) else ""
    if wkst_text not in WEEKDAY_CODES:
        raise UnsupportedRule(f"unreadable wkst {rule.wkst!r}")
    wkst = WEEKDAY_CODES.index(wkst_text)
    opens, _offset = parse_time(rule.opens_at)
    closes, _offset = parse_time(rule.closes_at, closing=True)
    duration = (closes - opens) % MINUTES_PER_DAY or MINUTES_PER_DAY
    if closes == MINUTES_PER_DAY and opens == 0:
        duration = MINUTES_PER_DAY

    if (interval > 1 or count is not None) and dtstart is None:
        raise UnsupportedRule("interval and count need dtstart")
    if freq != "MONTHLY" and any(ordinal is not None for ordinal, _day in byday):
        raise UnsupportedRule(f"byday ordinals need freq MONTHLY, not {freq}")
    plain_days = frozenset(day for _ordinal, day in byday)
    if freq == "WEEKLY" and not byday:
        if dtstart is None:
            raise UnsupportedRule("WEEKLY without byday needs dtstart")
        plain_days = frozenset({dtstart.weekday()})
    if freq == "MONTHLY" and not byday and not monthdays and dtstart is None:
        raise UnsupportedRule("MONTHLY without byday or bymonthday needs dtstart")

    # interval > 1, count and a MONTHLY rule without days all checked for dtstart above.
    anchor = dtstart if dtstart is not None else date(2001, 1, 1)

    def day_limits(day: date) -> bool:
        if monthdays and not _monthday_matches(day, monthdays):
            return False
        return not (plain_days and freq != "MONTHLY" and day.weekday() not in plain_days)

    def matches(day: date) -> bool:
        if dtstart is not None and day < dtstart:
            return False
        if freq == "DAILY":
            if interval > 1 and (day - anchor).days % interval:
                return False
            return day_limits(day)
        if freq == "WEEKLY":
            if interval > 1:
                weeks = (_week_start(day, wkst) - _week_start(anchor, wkst)).days // 7
                if weeks % interval:
                    return False
            return day_limits(day)
        # MONTHLY
        if interval > 1:
            months = (day.year - anchor.year) * 12 + day.month - anchor.month
            if months % interval:
                return False
        if byday and not any(_byday_matches(day, o, d) for o, d in byday):
            return False
        if monthdays and not _monthday_matches(day, monthdays):
            return False
        if not byday and not monthdays:
            return day.day == anchor.day
        return True

    weekly_days: frozenset[int] | None = None
    if interval == 1 and not monthdays:
        if freq == "DAILY":
            weekly_days = plain_days or frozenset(range(7))
        elif freq == "WEEKLY" or (byday and all(ordinal is None for ordinal, _day in byday)):
            weekly_days = plain_days

    first = _latest(dtstart, valid_from)
    last = _earliest(until, valid_to)
    if count is not None:
        assert dtstart is not None
        last = _earliest(last, _nth_occurrence(matches, dtstart, count))
    return _Compiled(matches, weekly_days, first, last, opens, duration)


def _week_start(day: date, wkst: int) -> date:
    return day - timedelta(days=(day.weekday() - wkst) % 7)


def _byday_matches(day: date, ordinal: int | None, weekday: int) -> bool:
    if day.weekday() != weekday:
        return False
    if ordinal is None:
        return True
    if ordinal > 0:
        return (day.day - 1) // 7 + 1 == ordinal
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return (days_in_month - day.day) // 7 + 1 == -ordinal


def _monthday_matches(day: date, monthdays: Sequence[int]) -> bool:
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return any(day.day == (n if n > 0 else days_in_month + n + 1) for n in monthdays)


def _nth_occurrence(matches: Callable[[date], bool], start: date, n: int) -> date | None:
    """The date of the n-th occurrence from ``start``; None if it is too far to matter."""
    day, seen = start, 0
    end = _shift(start, 366 * COUNT_SEARCH_YEARS)
    while day <= end:
        if matches(day):
            seen += 1
            if seen == n:
                return day
        if day == date.max:
            break
        day += timedelta(days=1)
    return None


def _shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _add_days(day: date | None, days: int) -> date | None:
    return None if day is None else _shift(day, days)


def _latest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _session_pieces(
    weekday: int, opens: int, duration: int, first: date | None, last: date | None
) -> list[Interval]:
    """A session starting on ``weekday`` at ``opens``, cut at each midnight it crosses; the
    date bounds of a piece after midnight move with it (the session started the day before)."""
    pieces: list[Interval] = []
    start = weekday * MINUTES_PER_DAY + opens
    end = start + duration
    cursor = start
    while cursor < end:
        piece_end = min(end, (cursor // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY)
        shift = cursor // MINUTES_PER_DAY - weekday
        begin = cursor % MINUTES_PER_WEEK
        pieces.append(
            Interval(
                begin, begin + piece_end - cursor, _add_days(first, shift), _add_days(last, shift)
            )
        )
        cursor = piece_end
    return pieces


def rule_intervals(
    rule: ScheduleRule, *, today: date, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> list[Interval]:
    """The intervals of one rule (not merged). Raises :class:`UnsupportedRule`."""
    compiled = _compile(rule)
    first, last = compiled.first, compiled.last
    if first is not None and last is not None and last < first:
        return []
    if compiled.weekly_days is not None:
        pieces: list[Interval] = []
        for weekday in sorted(compiled.weekly_days):
            pieces += _session_pieces(weekday, compiled.opens, compiled.duration, first, last)
        return pieces
    # Not the same every week: one dated session per occurrence within the window.
    window_start = _latest(_shift(today, -1), first)
    window_end = _earliest(_shift(today, horizon_days), last)
    assert window_start is not None
    assert window_end is not None
    pieces = []
    day = window_start
    while day <= window_end:
        if compiled.matches(day):
            pieces += _session_pieces(day.weekday(), compiled.opens, compiled.duration, day, day)
        if day == date.max:
            break
        day += timedelta(days=1)
    return pieces


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Join overlapping or touching intervals that have the same date bounds; sorted."""
    by_bounds: dict[tuple[date | None, date | None], list[Interval]] = {}
    for interval in intervals:
        by_bounds.setdefault((interval.valid_from, interval.valid_to), []).append(interval)
    merged: list[Interval] = []
    for (valid_from, valid_to), group in by_bounds.items():
        group.sort()
        current = group[0]
        for interval in group[1:]:
            if interval.start <= current.end:
                current = Interval(
                    current.start, max(current.end, interval.end), valid_from, valid_to
                )
            else:
                merged.append(current)
                current = interval
        merged.append(current)
    return sorted(merged, key=_sort_key)


def _sort_key(interval: Interval) -> tuple[int, int, date, date]:
    return (
        interval.start,
        interval.end,
        interval.valid_from or date.min,
        interval.valid_to or date.max,
    )


def unfold(
    rules: Iterable[ScheduleRule | Any],
    *,
    today: date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Unfolded:
    """All the intervals of these rules, merged. Never raises on bad rules: they are skipped
    and reported. ``rules`` may be :class:`ScheduleRule`, mappings or model instances."""
    if today is None:
        today = datetime.now(UTC).date()
    intervals: list[Interval] = []
    skipped: list[tuple[int, str]] = []
    for position, row in enumerate(rules):
        try:
            rule = row if isinstance(row, ScheduleRule) else ScheduleRule.from_row(row)
            intervals += rule_intervals(rule, today=today, horizon_days=horizon_days)
        except (UnsupportedRule, TypeError, ValueError, OverflowError) as exc:
            skipped.append((position, str(exc) or type(exc).__name__))
    return Unfolded(tuple(merge(intervals)), tuple(skipped))


def weekly_intervals(
    rules: Iterable[ScheduleRule | Any],
    *,
    today: date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> list[Interval]:
    """The merged intervals of the rules this kernel supports (the others are left out)."""
    return list(unfold(rules, today=today, horizon_days=horizon_days).intervals)


# --- Evaluation -------------------------------------------------------------------------------


def minute_of_week(moment: datetime) -> int:
    """Minutes since Monday 00:00 of the wall-clock time ``moment`` shows."""
    return moment.weekday() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


def is_open(intervals: Iterable[Interval], local_datetime: datetime) -> bool:
    """Is any interval open at this wall-clock time? ``local_datetime`` is the time at the
    location (aware in its zone, see :func:`local_time`, or naive wall-clock time)."""
    minute = minute_of_week(local_datetime)
    day = local_datetime.date()
    return any(interval.covers(minute, day) for interval in intervals)


def zone_info(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC when the name is unknown (a bad row must not crash)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def local_time(moment: datetime, zone: str) -> datetime:
    """An aware moment as wall-clock time in ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("local_time needs an aware datetime")
    return moment.astimezone(zone_info(zone))


def is_open_at(intervals: Iterable[Interval], moment: datetime, zone: str) -> bool:
    """Is any interval (read in ``zone``) open at the aware ``moment``?"""
    return is_open(intervals, local_time(moment, zone))


def zone_for(location_zone: str | None, rule: ScheduleRule | Any) -> str:
    """The zone a rule's times are read in: the location's, unless it has none of its own
    (``UTC`` or empty) and the row gives a whole-hour UTC offset (``timezone`` or a suffix on
    ``opens_at``), which becomes ``Etc/GMT∓N``."""
    zone = (location_zone or "").strip() or "UTC"
    if zone != "UTC":
        return zone
    rule = rule if isinstance(rule, ScheduleRule) else ScheduleRule.from_row(rule)
    offset_minutes: float | None = None
    if rule.timezone is not None:
        try:
            offset_minutes = float(rule.timezone) * 60
        except (TypeError, ValueError):
            offset_minutes = None
    if offset_minutes is None:
        try:
            offset_minutes = parse_time(rule.opens_at)[1]
        except UnsupportedRule:
            offset_minutes = None
    if not offset_minutes or offset_minutes % 60 or abs(offset_minutes) > 14 * 60:
        return zone
    hours = int(offset_minutes // 60)
    # The Etc zones have POSIX signs: UTC+3 is "Etc/GMT-3".
    return f"Etc/GMT{-hours:+d}"
