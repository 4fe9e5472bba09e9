"""Seeded, generated days of a Korean metropolitan service area, for the benchmark and tests.

A city core (Seoul within ~10 km of City Hall) and six suburban towns; five product lines;
technicians certified on one to three lines, each with a home base; jobs reported overnight and
through the day with 30–120 minutes on site, and some carried over from yesterday (R7.13).
"""

from __future__ import annotations

import math
import random

from backend.dispatch.day import Crew, DayInstance, Job
from backend.dispatch.travel import Place

LINES = ("air_conditioner", "refrigerator", "washing_machine", "water_purifier", "television")
CITY_CORE = (37.5665, 126.9780)
SUBURBS = [
    (37.2636, 127.0286),
    (37.4200, 127.1265),
    (37.6584, 126.8320),
    (37.4563, 126.7052),
    (37.7381, 127.0337),
    (37.5034, 126.7660),
]  # Suwon, Seongnam, Goyang, Incheon, …
DAY_MINUTES = 540  # 09:00–18:00
SLA_MINUTES = {"city": 6 * 60, "suburb": 7 * 60}  # R7.14
NIGHT = 24 * 60 - DAY_MINUTES  # from closing to the next opening


def _around(
    rng: random.Random, centre: tuple[float, float], radius_km: float
) -> tuple[float, float]:
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = centre[0] + distance * math.cos(angle) / 111.0
    lon = centre[1] + distance * math.sin(angle) / (111.0 * math.cos(math.radians(centre[0])))
    return lat, lon


def _place(rng: random.Random, city_share: float) -> Place:
    if rng.random() < city_share:
        return Place(*_around(rng, CITY_CORE, 10.0), "city")
    return Place(*_around(rng, rng.choice(SUBURBS), 6.0), "suburb")


def _due(ready: float, zone: str) -> float:
    """The arrival deadline in minutes from today's opening, counting working time only."""
    due = ready + SLA_MINUTES[zone]
    return due if due <= DAY_MINUTES else due + NIGHT


def _crews(rng: random.Random, count: int) -> tuple[Crew, ...]:
    crews = []
    for index in range(count):
        home = _place(rng, 0.55)
        # Every line has someone: the first five technicians start from a different line.
        lines = {LINES[index % len(LINES)]} | set(rng.sample(LINES, rng.randint(0, 2)))
        crews.append(
            Crew(
                index + 1,
                f"T{index + 1:03d}",
                home,
                home,
                frozenset(lines),
                0.0,
                float(DAY_MINUTES),
                480,
            )
        )
    return tuple(crews)


def _job(rng: random.Random, job_id: int) -> Job:
    place = _place(rng, 0.6)
    service = int(rng.triangular(30, 120, 45)) // 5 * 5
    line = rng.choice(LINES)
    kind = rng.random()
    if kind < 0.1:  # not finished yesterday: first in line today (R7.13), due this morning
        return Job(
            job_id, place, line, service, 0.0, float(rng.randint(-60, 180)), carried_over=True
        )
    if kind < 0.3:  # reported overnight: the clock starts at opening
        return Job(job_id, place, line, service, 0.0, _due(0.0, place.zone))
    ready = float(rng.randint(0, 420))
    return Job(
        job_id, place, line, service, ready, _due(ready, place.zone), urgent=rng.random() < 0.05
    )


def generate_day(seed: int, jobs: int, technicians: int) -> DayInstance:
    """The same day for the same seed and sizes."""
    rng = random.Random(seed)
    crews = _crews(rng, technicians)
    return DayInstance(tuple(_job(rng, i + 1) for i in range(jobs)), crews)
