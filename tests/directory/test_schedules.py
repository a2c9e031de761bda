"""The opening-hours kernel: HSDS schedule rows → weekly intervals → "is it open?".

Pure Python, no database. The property tests do not trust the kernel's interval arithmetic:
they compare it with a minute-by-minute (or day-by-day) reading of the rule written
independently here, using the calendar module for "the second Tuesday of the month".
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.directory.schedules import (
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WEEKDAY_CODES,
    Interval,
    ScheduleRule,
    UnsupportedRule,
    is_open,
    is_open_at,
    merge,
    minute_of_week,
    parse_time,
    rule_intervals,
    unfold,
    weekly_intervals,
    zone_for,
)

# A Monday, so that minute m of the week is MONDAY + m minutes.
MONDAY = datetime(2026, 1, 5)  # noqa: DTZ001 - wall-clock time at the location
TODAY = MONDAY.date()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "closing", "expected"),
    [
        ("10:00:00", False, (600, None)),
        ("10:00", False, (600, None)),
        ("9:05", False, (545, None)),
        ("10:00Z", False, (600, 0)),
        ("09:00-05:00", False, (540, -300)),
        ("09:00+0530", False, (540, 330)),
        ("17:59:30", False, (1079, None)),
        ("17:59:30", True, (1080, None)),
        ("24:00", True, (1440, None)),
        ("23:59", True, (1440, None)),
        ("23:59:59", True, (1440, None)),
        ("00:00", True, (0, None)),
    ],
)
def test_it_reads_hsds_times(text: str, closing: bool, expected: tuple[int, int | None]) -> None:
    assert parse_time(text, closing=closing) == expected


@pytest.mark.parametrize("text", ["9", "25:00", "10:60", "24:00", "noon", "", "10:00:61"])
def test_it_rejects_unreadable_opening_times(text: str) -> None:
    with pytest.raises(UnsupportedRule):
        parse_time(text)


# --- weekly rules ------------------------------------------------------------------------------


def test_the_official_example_rule_is_thursday_and_friday_ten_to_six() -> None:
    rule = ScheduleRule(freq="WEEKLY", byday="TH,FR", opens_at="10:00:00", closes_at="18:00:00")
    intervals = weekly_intervals([rule], today=TODAY)
    thursday = TODAY + timedelta(days=3)
    assert intervals == [
        Interval(3 * MINUTES_PER_DAY + 600, 3 * MINUTES_PER_DAY + 1080),
        Interval(4 * MINUTES_PER_DAY + 600, 4 * MINUTES_PER_DAY + 1080),
    ]
    assert is_open(intervals, at(thursday, 10))
    assert is_open(intervals, at(thursday, 17, 59))
    assert not is_open(intervals, at(thursday, 18))
    assert not is_open(intervals, at(thursday, 9, 59))
    assert not is_open(intervals, at(TODAY, 12))


def test_closing_after_midnight_runs_into_the_next_day_and_wraps_round_the_week() -> None:
    rule = ScheduleRule(freq="WEEKLY", byday="SU", opens_at="22:00", closes_at="02:00")
    intervals = weekly_intervals([rule], today=TODAY)
    assert intervals == [Interval(0, 120), Interval(MINUTES_PER_WEEK - 120, MINUTES_PER_WEEK)]
    sunday = TODAY + timedelta(days=6)
    assert is_open(intervals, at(sunday, 23))
    assert is_open(intervals, at(sunday + timedelta(days=1), 1, 59))
    assert not is_open(intervals, at(sunday + timedelta(days=1), 2))
    assert not is_open(intervals, at(sunday, 21, 59))


def test_a_24_hour_service_is_one_interval() -> None:
    for opens, closes in [
        ("00:00", "00:00"),
        ("00:00", "24:00"),
        ("00:00", "23:59"),
        ("08:00", "08:00"),
    ]:
        rule = ScheduleRule(freq="DAILY", opens_at=opens, closes_at=closes)
        assert weekly_intervals([rule], today=TODAY) == [Interval(0, MINUTES_PER_WEEK)]


def test_an_empty_freq_with_days_is_read_as_weekly() -> None:
    rule = ScheduleRule(byday="MO", opens_at="09:00", closes_at="10:00")
    assert weekly_intervals([rule], today=TODAY) == [Interval(540, 600)]


def test_valid_dates_bound_the_session_and_follow_it_past_midnight() -> None:
    sunday = TODAY + timedelta(days=6)
    rule = ScheduleRule(
        freq="WEEKLY",
        byday="SU",
        opens_at="22:00",
        closes_at="02:00",
        valid_from=TODAY.isoformat(),
        valid_to=sunday.isoformat(),
    )
    intervals = weekly_intervals([rule], today=TODAY)
    assert is_open(intervals, at(sunday, 23))
    # The session began on its last valid day, so its small hours count too.
    assert is_open(intervals, at(sunday + timedelta(days=1), 1))
    assert not is_open(intervals, at(sunday + timedelta(days=7), 23))
    assert not is_open(intervals, at(TODAY, 1))  # that would be last week's session


def test_until_and_count_end_a_weekly_rule() -> None:
    until = ScheduleRule(
        freq="WEEKLY", byday="MO", opens_at="09:00", closes_at="10:00", until="2026-01-12"
    )
    assert is_open(weekly_intervals([until], today=TODAY), at(date(2026, 1, 12), 9))
    assert not is_open(weekly_intervals([until], today=TODAY), at(date(2026, 1, 19), 9))
    count = ScheduleRule(
        freq="WEEKLY",
        byday="MO,WE",
        opens_at="09:00",
        closes_at="10:00",
        dtstart="2026-01-05",
        count=3,
    )
    intervals = weekly_intervals([count], today=TODAY)
    assert [is_open(intervals, at(TODAY + timedelta(days=d), 9)) for d in (0, 2, 7, 9)] == [
        True,
        True,
        True,
        False,
    ]
    assert not is_open(intervals, at(TODAY - timedelta(days=7), 9))  # before dtstart


weekday_sets = st.sets(st.integers(0, 6), min_size=1)
opening = st.integers(0, MINUTES_PER_DAY - 1)
closing = st.integers(0, MINUTES_PER_DAY)


def reference_minutes(days: set[int], opens: int, closes: int) -> set[int]:
    """Minutes of the week a weekly rule covers, counted one by one."""
    length = (closes - opens) % MINUTES_PER_DAY or MINUTES_PER_DAY
    covered: set[int] = set()
    for day in days:
        start = day * MINUTES_PER_DAY + opens
        covered |= {(start + k) % MINUTES_PER_WEEK for k in range(length)}
    return covered


@settings(max_examples=40, deadline=None)
@given(rules=st.lists(st.tuples(weekday_sets, opening, closing), min_size=1, max_size=3))
def test_random_weekly_schedules_are_open_at_exactly_the_minutes_they_cover(
    rules: list[tuple[set[int], int, int]],
) -> None:
    schedule_rows = [
        ScheduleRule(
            freq="WEEKLY",
            byday=",".join(WEEKDAY_CODES[d] for d in sorted(days)),
            opens_at=hhmm(opens),
            closes_at="24:00" if closes == MINUTES_PER_DAY else hhmm(closes),
        )
        for days, opens, closes in rules
    ]
    expected: set[int] = set()
    for days, opens, closes in rules:
        if closes == MINUTES_PER_DAY - 1:  # 23:59 is read as midnight
            closes = MINUTES_PER_DAY
        expected |= reference_minutes(days, opens, closes)

    intervals = weekly_intervals(schedule_rows, today=TODAY)

    # Well formed: inside the week, not overlapping.
    covered: list[int] = []
    for interval in intervals:
        assert 0 <= interval.start < interval.end <= MINUTES_PER_WEEK
        covered += range(interval.start, interval.end)
    assert len(covered) == len(set(covered))
    assert set(covered) == expected
    for minute in range(0, MINUTES_PER_WEEK, 7):  # a sample through every day of the week
        assert is_open(intervals, MONDAY + timedelta(minutes=minute)) == (minute in expected)


@given(st.lists(st.tuples(st.integers(0, MINUTES_PER_WEEK - 1), st.integers(1, 600)), max_size=8))
def test_merging_keeps_exactly_the_same_minutes(spans: list[tuple[int, int]]) -> None:
    intervals = [Interval(s, min(s + n, MINUTES_PER_WEEK)) for s, n in spans]
    merged = merge(intervals)
    before = {m for i in intervals for m in range(i.start, i.end)}
    after = [m for i in merged for m in range(i.start, i.end)]
    assert set(after) == before
    assert len(after) == len(set(after))
    assert all(a.end < b.start for a, b in pairwise(merged))


def test_minute_of_week_starts_on_monday() -> None:
    assert minute_of_week(MONDAY) == 0
    assert minute_of_week(MONDAY + timedelta(days=6, hours=23, minutes=59)) == MINUTES_PER_WEEK - 1


# --- rules that do not repeat weekly -----------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    days = [week[weekday] for week in calendar.monthcalendar(year, month) if week[weekday]]
    return date(year, month, days[n - 1] if n > 0 else days[n])


def open_days(rule: ScheduleRule, start: date, days: int) -> list[date]:
    """The days from ``start`` on which the rule is open at its opening time."""
    intervals = weekly_intervals([rule], today=start)
    hour = int((rule.opens_at or "12")[:2])
    return [
        start + timedelta(days=k)
        for k in range(days)
        if is_open(intervals, at(start + timedelta(days=k), hour))
    ]


def test_monthly_first_monday_and_last_friday() -> None:
    rule = ScheduleRule(freq="MONTHLY", byday="1MO,-1FR", opens_at="09:00", closes_at="17:00")
    assert open_days(rule, date(2026, 1, 1), 59) == [
        date(2026, 1, 5),
        date(2026, 1, 30),
        date(2026, 2, 2),
        date(2026, 2, 27),
    ]


def test_monthly_by_month_day_counts_from_the_end_too() -> None:
    rule = ScheduleRule(freq="MONTHLY", bymonthday="1,-1", opens_at="09:00", closes_at="17:00")
    assert open_days(rule, date(2026, 1, 1), 59) == [
        date(2026, 1, 1),
        date(2026, 1, 31),
        date(2026, 2, 1),
        date(2026, 2, 28),
    ]


def test_fortnightly_counts_weeks_from_dtstart() -> None:
    rule = ScheduleRule(
        freq="WEEKLY",
        interval=2,
        byday="TU",
        dtstart="2026-01-06",
        opens_at="13:00",
        closes_at="15:00",
    )
    assert open_days(rule, date(2026, 1, 1), 35) == [
        date(2026, 1, 6),
        date(2026, 1, 20),
        date(2026, 2, 3),
    ]


def test_every_other_day_and_every_second_month() -> None:
    daily = ScheduleRule(
        freq="DAILY", interval=2, dtstart="2026-01-02", opens_at="08:00", closes_at="09:00"
    )
    assert open_days(daily, date(2026, 1, 1), 7) == [
        date(2026, 1, 2),
        date(2026, 1, 4),
        date(2026, 1, 6),
    ]
    monthly = ScheduleRule(
        freq="MONTHLY",
        interval=2,
        byday="2TU",
        dtstart="2026-01-01",
        opens_at="08:00",
        closes_at="20:00",
    )
    assert open_days(monthly, date(2026, 1, 1), 62) == [date(2026, 1, 13)]


def test_a_dated_session_past_midnight_belongs_to_its_own_date() -> None:
    rule = ScheduleRule(freq="MONTHLY", byday="1SA", opens_at="22:00", closes_at="03:00")
    intervals = weekly_intervals([rule], today=date(2026, 1, 1))
    first_saturday = date(2026, 1, 3)
    assert is_open(intervals, at(first_saturday, 23))
    assert is_open(intervals, at(first_saturday + timedelta(days=1), 2))
    assert not is_open(intervals, at(first_saturday + timedelta(days=7), 23))
    assert not is_open(intervals, at(first_saturday + timedelta(days=8), 2))


@settings(max_examples=60, deadline=None)
@given(
    ordinal=st.sampled_from([1, 2, 3, 4, -1, -2]),
    weekday=st.integers(0, 6),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_random_monthly_ordinal_rules_open_on_exactly_the_calendar_days(
    ordinal: int, weekday: int, start: date
) -> None:
    rule = ScheduleRule(
        freq="MONTHLY",
        byday=f"{ordinal}{WEEKDAY_CODES[weekday]}",
        opens_at="10:00",
        closes_at="11:00",
    )
    found = open_days(rule, start, 60)
    expected = []
    month = date(start.year, start.month, 1)
    while month <= start + timedelta(days=60):
        day = nth_weekday(month.year, month.month, weekday, ordinal)
        if start <= day < start + timedelta(days=60):
            expected.append(day)
        month = (month + timedelta(days=32)).replace(day=1)
    assert found == expected


# --- what is not supported is never "open" -----------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        ScheduleRule(freq="YEARLY", opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="MO", opens_at="09:00"),
        ScheduleRule(freq="WEEKLY", byday="MO", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="1MO", opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="MO", byweekno="3", opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="MO", interval=2, opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="MO", interval=0.5, opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="DAILY", count=3, opens_at="09:00", closes_at="17:00"),
        ScheduleRule(freq="WEEKLY", byday="XX", opens_at="09:00", closes_at="17:00"),
        ScheduleRule(opens_at="09:00", closes_at="17:00"),
        ScheduleRule(
            freq="WEEKLY", byday="MO", valid_from="soon", opens_at="9:00", closes_at="17:00"
        ),
    ],
)
def test_unsupported_rules_are_skipped_with_a_reason(rule: ScheduleRule) -> None:
    with pytest.raises(UnsupportedRule):
        rule_intervals(rule, today=TODAY)
    result = unfold([rule], today=TODAY)
    assert result.intervals == ()
    assert result.skipped[0][0] == 0
    assert result.skipped[0][1]


def test_a_bad_rule_does_not_hide_the_good_ones() -> None:
    good = {"freq": "WEEKLY", "byday": "MO", "opens_at": "09:00", "closes_at": "10:00"}
    result = unfold([{"freq": "HOURLY"}, good], today=TODAY)
    assert result.intervals == (Interval(540, 600),)
    assert [position for position, _reason in result.skipped] == [0]


anything = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.sampled_from(["WEEKLY", "MONTHLY", "DAILY", "MO,TU", "1MO", "-1FR", "10:00", "25:99"]),
    st.sampled_from(["2026-01-05", "20260105", "9999-12-31", "0001-01-01", "-5", "31"]),
)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(ScheduleRule.__annotations__, anything)))
def test_unfold_never_crashes_on_garbage(row: dict[str, object]) -> None:
    result = unfold([row], today=TODAY, horizon_days=40)
    for interval in result.intervals:
        assert 0 <= interval.start < interval.end <= MINUTES_PER_WEEK


# --- time zones --------------------------------------------------------------------------------


def test_open_now_follows_daylight_saving_time_in_the_location_zone() -> None:
    # 08:00–09:00 every day in Toronto: 13:00 UTC in winter, 12:00 UTC in summer.
    intervals = weekly_intervals(
        [ScheduleRule(freq="DAILY", opens_at="08:00", closes_at="09:00")], today=TODAY
    )
    zone = "America/Toronto"
    assert is_open_at(intervals, datetime(2026, 1, 15, 13, 30, tzinfo=UTC), zone)
    assert not is_open_at(intervals, datetime(2026, 1, 15, 12, 30, tzinfo=UTC), zone)
    assert is_open_at(intervals, datetime(2026, 7, 15, 12, 30, tzinfo=UTC), zone)
    assert not is_open_at(intervals, datetime(2026, 7, 15, 13, 30, tzinfo=UTC), zone)


def test_the_repeated_hour_in_autumn_is_open_both_times_and_the_skipped_hour_never() -> None:
    small_hours = weekly_intervals(
        [ScheduleRule(freq="DAILY", opens_at="01:00", closes_at="03:00")], today=TODAY
    )
    zone = "America/Toronto"
    # 2026-11-01: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC).
    assert is_open_at(small_hours, datetime(2026, 11, 1, 5, 30, tzinfo=UTC), zone)
    assert is_open_at(small_hours, datetime(2026, 11, 1, 6, 30, tzinfo=UTC), zone)
    # 2026-03-08: at 07:00 UTC clocks go from 02:00 EST to 03:00 EDT, so 07:30 UTC is 03:30.
    assert is_open_at(small_hours, datetime(2026, 3, 8, 6, 59, tzinfo=UTC), zone)
    assert not is_open_at(small_hours, datetime(2026, 3, 8, 7, 30, tzinfo=UTC), zone)


@settings(max_examples=50, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(["America/Toronto", "America/Chicago", "Europe/Paris", "Asia/Kolkata"]),
)
def test_open_at_a_moment_means_open_at_its_local_wall_clock_time(
    moment: datetime, zone: str
) -> None:
    intervals = weekly_intervals(
        [ScheduleRule(freq="WEEKLY", byday="MO,WE,FR", opens_at="09:00", closes_at="17:00")],
        today=TODAY,
    )
    local = moment.astimezone(ZoneInfo(zone))
    expected = local.weekday() in (0, 2, 4) and 9 <= local.hour < 17
    assert is_open_at(intervals, moment, zone) == expected


def test_a_stated_utc_offset_is_used_only_when_the_location_has_no_zone() -> None:
    assert zone_for("UTC", ScheduleRule(timezone=3)) == "Etc/GMT-3"
    assert zone_for("UTC", ScheduleRule(opens_at="09:00-05:00")) == "Etc/GMT+5"
    assert zone_for("", ScheduleRule(timezone=-6)) == "Etc/GMT+6"
    assert zone_for("UTC", ScheduleRule(timezone=5.5)) == "UTC"  # no Etc zone for half hours
    assert zone_for("UTC", ScheduleRule()) == "UTC"
    assert zone_for("America/Toronto", ScheduleRule(timezone=3)) == "America/Toronto"
    # 10:00 at UTC+3 is 07:00 UTC.
    intervals = weekly_intervals(
        [ScheduleRule(freq="DAILY", opens_at="10:00", closes_at="11:00")], today=TODAY
    )
    assert is_open_at(intervals, datetime(2026, 1, 5, 7, 30, tzinfo=UTC), "Etc/GMT-3")
