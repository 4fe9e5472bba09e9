"""Parts benchmark (R4.6, R4.7): first-time fixes with and without pre-assessment and the van
preference, and the on-site minutes predicted vs the fixed guess per product line.

    python benchmarks/parts.py                # 50,000 generated repairs, 5,000 of them assessed
    python benchmarks/parts.py --repairs 10000 --jobs 1000   # quicker

A generated history: 14 models in five lines, each with its own failure rates per part (one or
two dominant parts, as field data shows), symptom words that go with the failed part (and noise),
and minutes on site that grow with the parts replaced. Each later job is offered to three
technicians 0–30 minutes apart whose vans hold a random part of the catalogue. A job is fixed the
first time when every part it needs is on the van the technician brings.

Side by side: the fixed dispatch (nearest technician, van as it is); + van preference (the
pre-assessment's likely parts weigh `VAN_MISS_MINUTES` each in the choice, as in
backend/dispatch/online.py); + "bring it" (the push names likely parts of ≥ 40 %, which the
technician picks up when the van lacks them); both. Needs no database: the product's own pure
`assess` on generated repair cards.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.dispatch.loader import SERVICE_MINUTES  # noqa: E402
from backend.dispatch.online import VAN_MISS_MINUTES  # noqa: E402
from backend.stock.assessment import HISTORY_LIMIT, RepairCard, assess, symptom_words  # noqa: E402

SEED = 2026
BRING_SHARE = 0.4  # the push says "bring it" from this likelihood on
VAN_FILL = 0.45  # share of the catalogue's parts a van holds
CANDIDATES = 3

# line → base minutes, parts: (code, minutes to replace, symptom words)
LINES: dict[str, tuple[int, list[tuple[str, int, list[str]]]]] = {
    "washing_machine": (
        35,
        [
            ("WM-MOTOR", 45, ["탈수", "회전", "소음"]),
            ("WM-PUMP", 25, ["배수", "물이", "고여"]),
            ("WM-BEARING", 60, ["소음", "진동", "덜컹"]),
            ("WM-LOCK", 15, ["문이", "잠김", "도어"]),
            ("WM-PCB", 20, ["전원", "에러", "표시"]),
        ],
    ),
    "air_conditioner": (
        40,
        [
            ("AC-FAN", 30, ["바람", "찬바람", "소음"]),
            ("AC-COMP", 90, ["냉방", "찬바람", "미지근"]),
            ("AC-PCB", 20, ["전원", "리모컨", "에러"]),
            ("AC-GAS", 40, ["냉방", "성에", "미지근"]),
        ],
    ),
    "refrigerator": (
        35,
        [
            ("RF-COMP", 90, ["냉장", "미지근", "소음"]),
            ("RF-ICE", 30, ["얼음", "제빙", "물이"]),
            ("RF-GASKET", 15, ["성에", "문이", "고무"]),
            ("RF-FAN", 25, ["냉동", "소음", "성에"]),
        ],
    ),
    "water_purifier": (
        25,
        [
            ("WP-FILTER", 10, ["냄새", "물맛", "필터"]),
            ("WP-VALVE", 20, ["물이", "새요", "출수"]),
            ("WP-HEATER", 25, ["온수", "미지근", "전원"]),
        ],
    ),
    "television": (
        30,
        [
            ("TV-PANEL", 60, ["화면", "줄이", "깨짐"]),
            ("TV-PSU", 25, ["전원", "꺼짐", "깜빡"]),
            ("TV-BOARD", 30, ["소리", "화면", "입력"]),
        ],
    ),
}
MODELS_PER_LINE = {"washing_machine": 3, "air_conditioner": 3, "refrigerator": 3,
                   "water_purifier": 2, "television": 3}  # fmt: skip
NOISE_WORDS = ["고장", "이상해요", "작동", "안돼요", "갑자기", "어제부터", "확인", "부탁"]
NO_PART_SHARE = 0.15  # an adjustment or advice, no part fitted


@dataclass(frozen=True)
class Model:
    name: str
    line: str
    weights: np.ndarray  # failure share per part of the line


@dataclass(frozen=True)
class Repair:
    model: Model
    parts: frozenset[str]
    description: str
    minutes: float


def make_models(rng: np.random.Generator) -> list[Model]:
    """Models whose failures concentrate on one or two parts (a skewed Dirichlet)."""
    models = []
    for line, count in MODELS_PER_LINE.items():
        parts = LINES[line][1]
        for index in range(count):
            weights = rng.dirichlet(np.full(len(parts), 0.6))
            models.append(Model(f"{line[:2].upper()}-{index + 1}", line, weights))
    return models


def make_repair(rng: np.random.Generator, model: Model) -> Repair:
    base, parts = LINES[model.line]
    needed: set[int] = set()
    if rng.random() >= NO_PART_SHARE:
        needed.add(int(rng.choice(len(parts), p=model.weights)))
        if rng.random() < 0.15:  # a second part now and then
            needed.add(int(rng.choice(len(parts), p=model.weights)))
    words = [str(rng.choice(NOISE_WORDS))]
    for index in needed:
        symptoms = parts[index][2]
        words += [str(w) for w in rng.choice(symptoms, size=2, replace=False)]
    if rng.random() < 0.3:
        words.append(str(rng.choice(NOISE_WORDS)))
    minutes = base + sum(parts[i][1] for i in needed) + float(rng.normal(0, 10))
    return Repair(
        model, frozenset(parts[i][0] for i in needed), " ".join(words), max(10.0, minutes)
    )


def van_of(rng: np.random.Generator) -> frozenset[str]:
    codes = [code for _, parts in LINES.values() for code, _, _ in parts]
    return frozenset(code for code in codes if rng.random() < VAN_FILL)


@dataclass
class Tally:
    fixed: int = 0
    jobs: int = 0
    travel: float = 0.0

    def add(self, first_time: bool, travel: float) -> None:
        self.jobs += 1
        self.fixed += first_time
        self.travel += travel

    def row(self, name: str) -> str:
        rate = 100 * self.fixed / max(1, self.jobs)
        return f"{name:<40} {rate:6.1f} %   {self.travel / max(1, self.jobs):6.1f} min"


def run(repairs: int, jobs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    models = make_models(rng)
    started = time.perf_counter()
    history = [make_repair(rng, models[int(rng.integers(len(models)))]) for _ in range(repairs)]
    cards: dict[str, list[RepairCard]] = defaultdict(list)
    for repair in history[: repairs - jobs]:
        cards[repair.model.name].append(
            RepairCard(repair.parts, symptom_words(repair.description), repair.minutes)
        )
    tallies = {name: Tally() for name in ("fixed dispatch", "+ van preference", "+ bring it",
                                          "+ van preference + bring it")}  # fmt: skip
    errors: dict[str, list[float]] = {"fixed guess per line": [], "pre-assessment": []}
    for job in history[repairs - jobs :]:
        recent = cards[job.model.name][-HISTORY_LIMIT:]
        found = assess(recent, job.description, {}) or {"parts": [], "minutes": None}
        likely = [(p["code"], p["frequency"]) for p in found["parts"]]
        crews = [(float(rng.uniform(0, 30)), van_of(rng)) for _ in range(CANDIDATES)]
        nearest = min(crews, key=lambda crew: crew[0])
        preferred = min(
            crews,
            key=lambda crew: (
                crew[0]
                + VAN_MISS_MINUTES * sum(share for code, share in likely if code not in crew[1])
            ),
        )
        brought = frozenset(code for code, share in likely if share >= BRING_SHARE)
        for name, (travel, van), bring in (
            ("fixed dispatch", nearest, False),
            ("+ van preference", preferred, False),
            ("+ bring it", nearest, True),
            ("+ van preference + bring it", preferred, True),
        ):
            carried = van | brought if bring else van
            tallies[name].add(job.parts <= carried, travel)
        errors["fixed guess per line"].append(abs(SERVICE_MINUTES[job.model.line] - job.minutes))
        predicted = found["minutes"] or SERVICE_MINUTES[job.model.line]
        errors["pre-assessment"].append(abs(predicted - job.minutes))
    elapsed = time.perf_counter() - started
    print(
        f"{repairs:,} generated repairs, {len(models)} models; the last {jobs:,} assessed from "
        f"up to {HISTORY_LIMIT} earlier cards of their model ({elapsed:.1f} s)\n"
    )
    print(f"{'first-time fix (all parts on the van)':<40} {'rate':>8}   {'drive':>10}")
    for name, tally in tallies.items():
        print(tally.row(name))
    print(f"\n{'on-site minutes':<40} {'mean abs error':>14} {'median':>8}")
    for name, values in errors.items():
        print(f"{name:<40} {statistics.fmean(values):11.1f} min {statistics.median(values):6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repairs", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=5_000, help="the last N are assessed")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    run(args.repairs, min(args.jobs, args.repairs // 2), args.seed)


if __name__ == "__main__":
    main()
