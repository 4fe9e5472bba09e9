"""The administrative districts (시/도 + 시/군/구) and their centroids, shipped as
data/districts.csv (built by scripts/build_districts.py from NGII boundaries), and an address
parsed into one."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# What people write for a province, to the name the table uses (old names kept: addresses on
# file outlive a renaming).
PROVINCE_WORDS: dict[str, str] = {
    "서울특별시": "서울특별시",
    "서울시": "서울특별시",
    "서울": "서울특별시",
    "부산광역시": "부산광역시",
    "부산시": "부산광역시",
    "부산": "부산광역시",
    "대구광역시": "대구광역시",
    "대구시": "대구광역시",
    "대구": "대구광역시",
    "인천광역시": "인천광역시",
    "인천시": "인천광역시",
    "인천": "인천광역시",
    "광주광역시": "광주광역시",
    "광주시": "광주광역시",
    "광주": "광주광역시",
    "대전광역시": "대전광역시",
    "대전시": "대전광역시",
    "대전": "대전광역시",
    "울산광역시": "울산광역시",
    "울산시": "울산광역시",
    "울산": "울산광역시",
    "세종특별자치시": "세종특별자치시",
    "세종시": "세종특별자치시",
    "세종": "세종특별자치시",
    "경기도": "경기도",
    "경기": "경기도",
    "강원특별자치도": "강원특별자치도",
    "강원도": "강원특별자치도",
    "강원": "강원특별자치도",
    "충청북도": "충청북도",
    "충북": "충청북도",
    "충청남도": "충청남도",
    "충남": "충청남도",
    "전북특별자치도": "전북특별자치도",
    "전라북도": "전북특별자치도",
    "전북": "전북특별자치도",
    "전라남도": "전라남도",
    "전남": "전라남도",
    "경상북도": "경상북도",
    "경북": "경상북도",
    "경상남도": "경상남도",
    "경남": "경상남도",
    "제주특별자치도": "제주특별자치도",
    "제주도": "제주특별자치도",
    "제주": "제주특별자치도",
}
# 세종 has no 시/군/구 below it: the province is the district.
SINGLE_DISTRICT = {"세종특별자치시": "세종시"}
# Romanised addresses ("Gangnam-gu, Seoul") are left to a geocoding service.
_DISTRICT_WORD = re.compile(r"^[가-힣]+(시|군|구)$")


@dataclass(frozen=True)
class District:
    """One 시/군/구 (or a city divided into gu, as a whole): its centroid, bounds, default zone."""

    code: str
    province: str
    name: str
    lat: float
    lon: float
    south: float
    west: float
    north: float
    east: float
    zone: str  # the default: Seoul is the city zone, everywhere else the suburbs

    @property
    def label(self) -> str:
        return f"{self.province} {self.name}"

    def contains(self, lat: float, lon: float) -> bool:
        """Within the district's bounding box."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@cache
def all_districts() -> tuple[District, ...]:
    """Every district of the shipped table, by code."""
    text = (files("backend.places") / "data" / "districts.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        District(
            code=row["code"],
            province=row["province"],
            name=row["district"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            south=float(row["south"]),
            west=float(row["west"]),
            north=float(row["north"]),
            east=float(row["east"]),
            zone=row["zone"],
        )
        for row in rows
    )


@cache
def _by_name() -> dict[tuple[str, str], District]:
    return {(d.province, d.name): d for d in all_districts()}


def district_by_code(code: str) -> District | None:
    return next((d for d in all_districts() if d.code == code), None)


def _words(address: str) -> list[str]:
    cleaned = re.sub(r"[,()\[\]]", " ", address)
    return [w for w in cleaned.split() if w]


def parse_district(address: str) -> District | None:
    """The district an address names ("서울 강남구 테헤란로 152" → 강남구), else None.

    The province may be written in full, short or old form; without one, a district name that
    exists in one province only is enough ("수원시 팔달구 …"). A city divided into gu is
    found with or without its gu."""
    words = _words(address)
    if not words:
        return None
    province = PROVINCE_WORDS.get(words[0])
    rest = words[1:] if province else words
    if province in SINGLE_DISTRICT:
        return _by_name().get((province, SINGLE_DISTRICT[province]))
    names = [w for w in rest[:2] if _DISTRICT_WORD.match(w)]
    if not names:
        return None
    candidates = [f"{names[0]} {names[1]}", names[0]] if len(names) == 2 else [names[0]]
    for name in candidates:
        if province is not None:
            found = _by_name().get((province, name))
            if found is not None:
                return found
            continue
        matches = [d for d in all_districts() if d.name == name]
        if len(matches) == 1:
            return matches[0]
    return None
