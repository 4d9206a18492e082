"""Working-day deadlines (工作日) on the Chinese calendar, with public holidays and 调休.

Sources, in order: days an admin entered from the State Council's notice (CalendarDay rows),
then the `chinese-calendar` package (2004–2026), then — for years neither knows — the
statutory holidays of the `holidays` package plus weekends, marked provisional with the reason.
A deadline never crashes for lack of data and never passes silently.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
from sqlmodel import select
from temporalio import activity

from db.models import CalendarDay
from db.session import SessionFactory
from workflows.types import ScheduleInput, VerificationSchedule

CHINA = ZoneInfo("Asia/Shanghai")
SEARCH_DAYS = 800  # far beyond any catalogue's verification time


@lru_cache(maxsize=16)
def _statutory(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


@lru_cache(maxsize=4096)
def _packaged_workday(day: date) -> tuple[bool, str | None]:
    """The packaged calendars' answer for a day (they never change while the process runs)."""
    try:
        return chinese_calendar.is_workday(day), None
    except NotImplementedError:
        workday = day.weekday() < 5 and day not in _statutory(day.year)
        return workday, f"{day.year}年节假日调休安排尚未录入，按法定节假日和周末暂定"


class WorkingCalendar:
    """Is a day a working day, and is that answer provisional?"""

    def __init__(self, overrides: dict[date, bool]) -> None:
        self._overrides = overrides
        self._counted: dict[date, int] = {}
        """Working days from an arbitrary first day up to each day seen (for `workdays`)."""

    def workdays(self, first: date, last: date) -> int:
        """How many working days [first, last] holds (0 if last is before first), each day's
        answer looked up once per calendar."""
        if last < first:
            return 0
        if not self._counted or first - timedelta(days=1) < min(self._counted) or last > max(self._counted):
            low = min([first - timedelta(days=1), *self._counted])
            high = max([last, *self._counted])
            total, day = 0, low
            while day <= high:
                total += day > low and self.is_workday(day)[0]
                self._counted[day] = total
                day += timedelta(days=1)
        return self._counted[last] - self._counted[first - timedelta(days=1)]

    def is_workday(self, day: date) -> tuple[bool, str | None]:
        if day in self._overrides:
            return self._overrides[day], None
        return _packaged_workday(day)

    def add_working_days(self, start: date, days: int) -> tuple[date, str | None]:
        """The date `days` working days after start (start itself not counted)."""
        day, counted, note = start, 0, None
        while counted < days:
            day += timedelta(days=1)
            workday, provisional = self.is_workday(day)
            note = note or provisional
            counted += workday
        return day, note


class CalendarActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def calendar(self, start: date) -> WorkingCalendar:
        with self._sessions() as session:
            rows = session.exec(
                select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= start + timedelta(days=SEARCH_DAYS))
            )
            return WorkingCalendar({r.day: r.is_workday for r in rows})

    @activity.defn
    def schedule_verification(self, inp: ScheduleInput) -> VerificationSchedule:
        """Due `working_days` after start (at the start of that day, China time); the verifier's
        deadline is the end of the `deadline_working_days`-th working day after it is due."""
        start_day = inp.start.astimezone(CHINA).date()
        cal = self.calendar(start_day)
        due_day, note1 = cal.add_working_days(start_day, inp.working_days)
        last_day, note2 = cal.add_working_days(due_day, inp.deadline_working_days)
        due_at = datetime.combine(due_day, time(), CHINA) if inp.working_days else inp.start
        deadline_at = datetime.combine(last_day + timedelta(days=1), time(), CHINA)
        note = note1 or note2
        return VerificationSchedule(due_at=due_at, deadline_at=deadline_at, provisional=note is not None, note=note)
