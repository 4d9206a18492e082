"""Working-day deadlines: holidays, 调休, years the package does not know, and admin entries."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.calendar import CHINA, CalendarActivities, WorkingCalendar
from db.models import CalendarDay
from db.session import session_factory
from workflows.types import ScheduleInput, VerificationSchedule


def china_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=CHINA).astimezone(timezone.utc)


@pytest.fixture
def calendar(engine: Engine) -> CalendarActivities:
    return CalendarActivities(session_factory(engine))


def schedule(cal: CalendarActivities, start: date, days: int, deadline: int = 1) -> VerificationSchedule:
    return ActivityEnvironment().run(cal.schedule_verification, ScheduleInput(china_noon(start), days, deadline))


def test_national_day_2026_and_its_adjusted_saturday(calendar: CalendarActivities) -> None:
    # 2026: 10月1日至7日放假; 10月10日（周六）上班. Three working days after 30 Sep: 8, 9, 10 Oct.
    s = schedule(calendar, date(2026, 9, 30), 3)
    assert s.due_at == datetime(2026, 10, 10, tzinfo=CHINA)
    assert not s.provisional
    # The verifier's one working day after that is Monday 12 Oct: the deadline is its end.
    assert s.deadline_at == datetime(2026, 10, 13, tzinfo=CHINA)


def test_ordinary_weeks_skip_weekends(calendar: CalendarActivities) -> None:
    s = schedule(calendar, date(2026, 11, 20), 5)  # Friday
    assert s.due_at == datetime(2026, 11, 27, tzinfo=CHINA)  # next Friday


def test_year_without_data_is_provisional_never_a_crash(calendar: CalendarActivities) -> None:
    # chinese-calendar 1.11 ends with 2026; 1 Jan 2027 is a statutory holiday, then a weekend.
    s = schedule(calendar, date(2026, 12, 30), 3)
    assert s.due_at == datetime(2027, 1, 5, tzinfo=CHINA)
    assert s.provisional and s.note and "2027" in s.note


def test_entered_notice_overrides_the_packages(calendar: CalendarActivities, engine: Engine) -> None:
    with Session(engine) as session:  # the admin's entry, as the State Council notice gives it
        session.add(CalendarDay(day=date(2027, 1, 4), is_workday=False, source="国办发明电〔2026〕测试"))
        session.commit()
    s = schedule(calendar, date(2026, 12, 30), 3)
    assert s.due_at == datetime(2027, 1, 6, tzinfo=CHINA)


def test_complaint_due_now_keeps_start(calendar: CalendarActivities) -> None:
    start = china_noon(date(2026, 11, 25))
    s = ActivityEnvironment().run(calendar.schedule_verification, ScheduleInput(start, 0, 5))
    assert s.due_at == start
    assert s.deadline_at == datetime(2026, 12, 3, tzinfo=CHINA)  # 5 working days: 26,27,30 Nov, 1,2 Dec


def test_workdays_counts_as_the_days_one_by_one() -> None:
    """The queues' working days left, counted from running totals, equal the day-by-day count,
    over ranges that grow the totals either way and cross a holiday entered by hand."""
    import random

    calendar = WorkingCalendar({date(2026, 10, 10): True, date(2026, 10, 12): False})
    rnd = random.Random(3)
    for _ in range(200):
        first = date(2026, 1, 1) + timedelta(days=rnd.randrange(-400, 700))
        last = first + timedelta(days=rnd.randrange(-3, 500))
        naive = sum(calendar.is_workday(first + timedelta(days=n))[0] for n in range((last - first).days + 1))
        assert calendar.workdays(first, last) == naive, (first, last)
