"""The embedded geocoder: an address's 시/군/구 parsed, its centroid from the shipped table."""

from __future__ import annotations

import pytest

from backend.places.districts import all_districts, parse_district

# Hand-checked boxes (a little wider than each district) to test the table against, so the
# test does not only compare the table with itself.
SEOUL = (37.41, 126.76, 37.72, 127.19)
GYEONGGI = (36.89, 126.37, 38.30, 127.86)
BUSAN = (34.87, 128.76, 35.40, 129.32)


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    south, west, north, east = box
    return south <= lat <= north and west <= lon <= east


@pytest.mark.parametrize(
    ("address", "label", "box"),
    [
        ("서울특별시 중구 세종대로 110", "서울특별시 중구", (37.54, 126.96, 37.58, 127.03)),
        ("서울 강남구 테헤란로 152", "서울특별시 강남구", (37.45, 127.00, 37.54, 127.13)),
        ("서울시 노원구 노해로 437", "서울특별시 노원구", (37.60, 127.03, 37.70, 127.12)),
        ("경기도 수원시 팔달구 효원로 241", "경기도 수원시 팔달구", (37.25, 126.97, 37.30, 127.05)),
        ("경기 성남시 분당구 불정로 6", "경기도 성남시 분당구", (37.32, 127.03, 37.42, 127.17)),
        (
            "경기도 고양시 일산동구 중앙로 1275",
            "경기도 고양시 일산동구",
            (37.62, 126.73, 37.74, 126.86),
        ),
        ("수원시 영통구 광교로 1", "경기도 수원시 영통구", (37.23, 127.03, 37.33, 127.09)),
        ("부산광역시 해운대구 중동2로 11", "부산광역시 해운대구", (35.15, 129.11, 35.26, 129.21)),
        ("부산 부산진구 시민공원로 73", "부산광역시 부산진구", (35.13, 129.00, 35.20, 129.08)),
        ("강원도 평창군 대관령면 올림픽로 1", "강원특별자치도 평창군", (37.2, 128.2, 37.8, 128.8)),
        (
            "전라북도 전주시 완산구 노송광장로 10",
            "전북특별자치도 전주시 완산구",
            (35.7, 127.0, 35.9, 127.2),
        ),
    ],
)
def test_an_address_lands_in_its_district(
    address: str, label: str, box: tuple[float, float, float, float]
) -> None:
    district = parse_district(address)
    assert district is not None and district.label == label
    assert _inside(district.lat, district.lon, box)
    assert district.contains(district.lat, district.lon)


def test_seoul_gyeonggi_and_busan_centroids_lie_within_their_province() -> None:
    by_province = {"서울특별시": SEOUL, "경기도": GYEONGGI, "부산광역시": BUSAN}
    checked = 0
    for district in all_districts():
        box = by_province.get(district.province)
        if box is not None:
            assert _inside(district.lat, district.lon, box), district.label
            checked += 1
    assert checked == 25 + 16 + 44 + 7  # and the seven Gyeonggi cities divided into gu, whole


def test_the_table_covers_every_province_with_about_250_districts() -> None:
    districts = all_districts()
    assert 240 <= len({d.code for d in districts}) == len(districts) <= 280
    assert len({d.province for d in districts}) == 17


def test_seoul_is_the_city_zone_and_gyeonggi_the_suburbs_by_default() -> None:
    assert parse_district("서울 마포구 월드컵로 240").zone == "city"  # type: ignore[union-attr]
    assert parse_district("경기도 화성시 남양읍").zone == "suburb"  # type: ignore[union-attr]


@pytest.mark.parametrize("address", ["중구 세종대로 110", "Seoul Gangnam-gu", "어딘가 123", ""])
def test_an_address_without_a_known_district_gives_none(address: str) -> None:
    assert parse_district(address) is None
