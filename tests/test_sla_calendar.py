"""R7.14: arrival within 6 working hours in the city, 7 in the suburbs, counted inside working hours
(Mon–Fri 09:00–18:00 in AFTERSALES_TZ, closed on the country's public holidays)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from backend.app import create_app
from backend.calendar import BusinessCalendar, calendar_for
from backend.casework.intake import sla_hours
from backend.db import Database
from backend.settings import Settings, load_settings
from tests.conftest import Clock
from tests.factories import Personas, repair_body

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def korean_calendar() -> BusinessCalendar:
    return BusinessCalendar(
        tz=SEOUL,
        work_days=frozenset(range(5)),
        opening=time(9),
        closing=time(18),
        holiday_country="KR",
    )


@pytest.mark.parametrize(
    ("reported", "zone", "due"),
    [
        # The contract's own example: Friday 17:30 in the city → Monday 14:30.
        (seoul(2026, 11, 27, 17, 30), "city", seoul(2026, 11, 30, 14, 30)),
        (seoul(2026, 11, 27, 17, 30), "suburb", seoul(2026, 11, 30, 15, 30)),
        # An ordinary morning: same day.
        (seoul(2026, 11, 25, 10, 0), "city", seoul(2026, 11, 25, 16, 0)),
        (seoul(2026, 11, 25, 10, 0), "suburb", seoul(2026, 11, 25, 17, 0)),
        # Before opening: the clock starts at 09:00.
        (seoul(2026, 11, 25, 7, 15), "city", seoul(2026, 11, 25, 15, 0)),
        # After closing: the clock starts next morning.
        (seoul(2026, 11, 25, 19, 40), "city", seoul(2026, 11, 26, 15, 0)),
        (seoul(2026, 11, 25, 18, 0), "suburb", seoul(2026, 11, 26, 16, 0)),
        # Saturday and Sunday reports start on Monday morning.
        (seoul(2026, 11, 28, 11, 0), "city", seoul(2026, 11, 30, 15, 0)),
        (seoul(2026, 11, 29, 23, 59), "suburb", seoul(2026, 11, 30, 16, 0)),
        # Chuseok 2026 (Thu 24 – Sat 26 September) then a weekend: Wed 17:00 + 1 h, Mon + 5 h.
        (seoul(2026, 9, 23, 17, 0), "city", seoul(2026, 9, 28, 14, 0)),
        # Christmas 2026 is a Friday: Thursday 16:00 + 2 h, Monday + 4 h.
        (seoul(2026, 12, 24, 16, 0), "city", seoul(2026, 12, 28, 13, 0)),
        # Seollal 2027 (Sat 6 – Tue 9 February, with the substitute day):
        # Friday 15:00 + 3 h, Wed + 4 h.
        (seoul(2027, 2, 5, 15, 0), "suburb", seoul(2027, 2, 10, 13, 0)),
    ],
)
def test_arrival_deadline_counts_working_hours_only(
    reported: datetime, zone: str, due: datetime, settings: Settings
) -> None:
    calendar = korean_calendar()
    assert calendar.add_working_hours(reported, sla_hours(settings, zone)) == due


def test_report_during_a_korean_holiday_starts_the_clock_on_the_next_business_day() -> None:
    calendar = korean_calendar()
    assert calendar.is_holiday(seoul(2026, 9, 25).date())  # Chuseok
    assert calendar.add_working_hours(seoul(2026, 9, 25, 10, 0), 6) == seoul(2026, 9, 28, 15, 0)


def test_working_time_between_is_the_inverse_of_adding_working_time() -> None:
    calendar = korean_calendar()
    start = seoul(2026, 12, 24, 16, 0)
    due = calendar.add_working_hours(start, 6)
    assert calendar.working_time_between(start, due) == timedelta(hours=6)
    assert calendar.working_time_between(due, start) == timedelta(0)


def berlin_calendar(work_days: frozenset[int], opening: time, closing: time) -> BusinessCalendar:
    return BusinessCalendar(
        tz=ZoneInfo("Europe/Berlin"),
        work_days=work_days,
        opening=opening,
        closing=closing,
        holiday_country="DE",
    )


def test_a_window_spanning_the_spring_change_counts_its_real_hours() -> None:
    # Sunday 29 March 2026, 02:00 → 03:00 in Berlin: a 01:00–05:00 window lasts 3 real hours.
    calendar = berlin_calendar(frozenset(range(7)), time(1), time(5))
    tz = calendar.tz
    start = datetime(2026, 3, 29, 1, 0, tzinfo=tz)
    assert calendar.working_time_between(
        start, datetime(2026, 3, 29, 5, 0, tzinfo=tz)
    ) == timedelta(hours=3)
    # 4 working hours: 3 on Sunday, the fourth on Monday 01:00–02:00.
    assert calendar.add_working_hours(start, 4) == datetime(2026, 3, 30, 2, 0, tzinfo=tz)
    # 2 working hours from 01:00 end at 04:00 local (the clock skipped an hour).
    assert calendar.add_working_hours(start, 2) == datetime(2026, 3, 29, 4, 0, tzinfo=tz)


def test_a_window_spanning_the_autumn_change_counts_its_real_hours() -> None:
    # Sunday 25 October 2026, 03:00 → 02:00 in Berlin: a 01:00–05:00 window lasts 5 real hours.
    calendar = berlin_calendar(frozenset(range(7)), time(1), time(5))
    tz = calendar.tz
    start = datetime(2026, 10, 25, 1, 0, tzinfo=tz)
    assert calendar.working_time_between(
        start, datetime(2026, 10, 25, 5, 0, tzinfo=tz)
    ) == timedelta(hours=5)
    assert calendar.add_working_hours(start, 5) == datetime(2026, 10, 25, 5, 0, tzinfo=tz)
    assert calendar.add_working_hours(start, 6) == datetime(2026, 10, 26, 2, 0, tzinfo=tz)


def test_new_york_deadline_across_the_march_change_keeps_local_office_hours() -> None:
    # DST starts Sunday 8 March 2026 in New York; Friday 17:30 EST → Monday 14:30 EDT.
    calendar = BusinessCalendar(
        tz=ZoneInfo("America/New_York"),
        work_days=frozenset(range(5)),
        opening=time(9),
        closing=time(18),
        holiday_country="US",
    )
    due = calendar.add_working_hours(
        datetime(2026, 3, 6, 17, 30, tzinfo=ZoneInfo("America/New_York")), 6
    )
    assert due.isoformat() == "2026-03-09T14:30:00-04:00"


def test_custom_work_days_and_hours_come_from_the_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        {
            "AFTERSALES_WORK_DAYS": "1-6",
            "AFTERSALES_WORK_HOURS": "08:00-17:00",
            "AFTERSALES_SECRET_KEY": "x",
            "AFTERSALES_VAR_DIR": str(tmp_path),
        },
        read_dotenv=False,
    )
    calendar = calendar_for(settings)
    # Saturday is a working day here: Friday 16:00 + 1 h, Saturday 08:00 + 5 h.
    assert calendar.add_working_hours(seoul(2026, 11, 27, 16, 0), 6) == seoul(2026, 11, 28, 13, 0)


# --- through the API: sla_due_at is ISO-8601 with the business zone's offset -----------------


def _report(
    client: FlaskClient, people: Personas, reported_at: str, zone: str, phone: str = "010-3000-0001"
) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/cases",
        headers=people.headers(),
        json=repair_body(reported_at=reported_at, zone=zone, phone=phone),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_api_friday_evening_city_report_is_due_monday_afternoon(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # Friday 18:00 in Seoul
    case = _report(client, people, "2026-11-27T17:30:00+09:00", "city")
    assert case["sla_due_at"] == "2026-11-30T14:30:00+09:00"
    assert case["reported_at"] == "2026-11-27T17:30:00+09:00"
    suburb = _report(client, people, "2026-11-27T08:30:00Z", "suburb", phone="010-3000-0002")
    assert suburb["sla_due_at"] == "2026-11-30T15:30:00+09:00"


def test_api_report_without_reported_at_uses_the_moment_of_entry(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    clock.set(seoul(2026, 11, 28, 11, 0))  # Saturday
    body = repair_body(zone="suburb")
    case = client.post("/api/v1/cases", headers=people.headers(), json=body).get_json()
    assert case["reported_at"] == "2026-11-28T11:00:00+09:00"
    assert case["sla_due_at"] == "2026-11-30T16:00:00+09:00"


@pytest.fixture
def berlin(database: Database, settings: Settings, clock: Clock) -> FlaskClient:
    """The app in a DST-observing zone with German holidays."""
    berlin_settings = settings.with_overrides(timezone="Europe/Berlin", holiday_country="DE")
    clock.set(datetime(2026, 3, 30, 12, 0, tzinfo=UTC))
    return create_app(
        {"settings": berlin_settings, "database": database, "clock": clock}
    ).test_client()


def test_api_deadline_in_berlin_crosses_the_spring_change_with_the_new_offset(
    berlin: FlaskClient, people: Personas
) -> None:
    people.product()
    case = _report(berlin, people, "2026-03-27T17:30:00+01:00", "city")
    assert case["sla_due_at"] == "2026-03-30T14:30:00+02:00"
    assert case["reported_at"] == "2026-03-27T17:30:00+01:00"
    suburb = _report(berlin, people, "2026-03-27T16:30:00Z", "suburb", phone="010-3000-0002")
    assert suburb["sla_due_at"] == "2026-03-30T15:30:00+02:00"
