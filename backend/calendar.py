"""The business calendar: working hours, public holidays and working-time arithmetic (R7.14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from backend.settings import Settings


class BusinessCalendar:
    """Working days and hours in one time zone, closed on the country's public holidays."""

    def __init__(
        self,
        *,
        tz: ZoneInfo,
        work_days: frozenset[int],
        opening: time,
        closing: time,
        holiday_country: str = "KR",
    ) -> None:
        self.tz = tz
        self.work_days = work_days
        self.opening = opening
        self.closing = closing
        self.holiday_country = holiday_country

    @classmethod
    def from_settings(cls, settings: Settings) -> BusinessCalendar:
        opening, closing = settings.work_hours
        return cls(
            tz=settings.tz,
            work_days=settings.work_days,
            opening=opening,
            closing=closing,
            holiday_country=settings.holiday_country,
        )

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.holiday_country)

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.work_days and not self.is_holiday(day)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def local_date(self, moment: datetime) -> date:
        return self.local(moment).date()

    def at(self, day: date, clock: time) -> datetime:
        """The aware moment of a local wall-clock time on `day` (DST gaps resolve forward)."""
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC).astimezone(self.tz)

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing moments of `day`, or None when closed all day."""
        if not self.is_business_day(day):
            return None
        return self.at(day, self.opening), self.at(day, self.closing)

    def _utc_window(self, day: date) -> tuple[datetime, datetime] | None:
        window = self.working_window(day)
        return None if window is None else (window[0].astimezone(UTC), window[1].astimezone(UTC))

    def business_days_from(self, day: date) -> Iterator[date]:
        """Business days from `day` (inclusive) onwards."""
        for offset in range(3660):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                yield candidate
        raise ValueError("no business day within ten years: check the work-day settings")

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        return next(self.business_days_from(day + timedelta(days=1)))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment when `duration` of working time has passed since `start`.

        Time is measured in elapsed seconds inside each day's window, so a window that spans a
        daylight-saving change counts its real length.
        """
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        remaining = duration
        # Arithmetic in UTC: Python subtracts two datetimes of one tzinfo by wall clock, which
        # would count a window spanning a DST change as 9 hours when it lasted 8 or 10.
        cursor = start.astimezone(UTC)
        for day in self.business_days_from(self.local_date(start)):
            opening, closing = self._utc_window(day) or (cursor, cursor)
            begin = max(cursor, opening)
            if begin >= closing:
                continue
            available = closing - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_time(start, timedelta(hours=hours))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (zero when `end` is earlier)."""
        total = timedelta()
        start, end = start.astimezone(UTC), end.astimezone(UTC)  # real elapsed time (see above)
        if end <= start:
            return total
        day = self.local_date(start)
        last = self.local_date(end)
        while day <= last:
            window = self._utc_window(day)
            if window:
                begin, finish = max(window[0], start), min(window[1], end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total

    def next_moment_within(self, moment: datetime, opening: time, closing: time) -> datetime:
        """`moment` if it falls within [opening, closing) on a business day, else the next start."""
        local = self.local(moment)
        for day in self.business_days_from(local.date()):
            begin, end = self.at(day, opening), self.at(day, closing)
            if moment.astimezone(UTC) < end.astimezone(UTC):
                return max(local, begin, key=lambda m: m.astimezone(UTC))
        raise AssertionError("unreachable")  # pragma: no cover

    def end_of_day(self, day: date) -> datetime:
        return self.at(day, self.closing)


_calendars: dict[Settings, BusinessCalendar] = {}


def calendar_for(settings: Settings) -> BusinessCalendar:
    """The calendar of these settings, built once (its holiday table is worth keeping)."""
    if settings not in _calendars:
        _calendars[settings] = BusinessCalendar.from_settings(settings)
    return _calendars[settings]
