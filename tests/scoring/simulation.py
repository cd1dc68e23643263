"""Simulated cities where the truth is known, for the area figures (issue 13).

The world: a city mean of 35, area means spread around it with SD 10 (between areas), yard
indices within an area with SD 15. Each run uses its own fixed seed. ``python -m
tests.scoring.simulation`` prints the table in docs/METHODOLOGY.md ("Area figures").
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from app.scoring import AreaSample, FlagRules, area_flags, assess_areas
from app.scoring.areas import getis_ord_gi_star

CITY_MEAN = 35.0
BETWEEN_SD = 10.0
YARD_SD = 15.0
RULES = FlagRules()
ATTENTION = ("problem_area", "needs_more_audits")


def sample(rng: random.Random, true_mean: float, n: int, group: str | None = None) -> AreaSample:
    """``n`` yards of an area whose true mean is ``true_mean``, summarised."""
    ys = [rng.gauss(true_mean, YARD_SD) for _ in range(n)]
    mean = math.fsum(ys) / n
    return AreaSample(n, mean, math.fsum((y - mean) ** 2 for y in ys), group)


def grid_neighbours(side: int) -> dict[str, frozenset[str]]:
    """Queen neighbours of a ``side`` x ``side`` grid of cells named "r.c"."""
    out = {}
    for r in range(side):
        for c in range(side):
            out[f"{r}.{c}"] = frozenset(
                f"{r + dr}.{c + dc}"
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr or dc) and 0 <= r + dr < side and 0 <= c + dc < side
            )
    return out


def background(
    rng: random.Random, ids: Iterable[str], *, below: float | None = None
) -> dict[str, tuple[float, int]]:
    """True mean and yards audited (1-20) per area; ``below``: no area truly at or above."""
    out = {}
    for i in ids:
        mean = rng.gauss(CITY_MEAN, BETWEEN_SD)
        while below is not None and mean >= below:
            mean = rng.gauss(CITY_MEAN, BETWEEN_SD)
        out[i] = (mean, rng.randint(1, 20))
    return out


@dataclass(frozen=True)
class WorldFlags:
    codes: dict[str, set[str]]  # area -> its flag codes
    legacy_hotspots: int  # the old rule: Gi* z > 1.96 on shrunk (k = 5) means, untested


def judge(
    samples: dict[str, AreaSample], neighbours: dict[str, frozenset[str]] | None = None
) -> WorldFlags:
    model, clusters = assess_areas(samples, neighbours=neighbours, rules=RULES)
    assert model is not None
    codes = {
        k: {
            f.code
            for f in area_flags(
                audited=s.n,
                estimate=model.areas[k],
                cluster=clusters.get(k),
                last_submission_at=None,
                now=None,  # type: ignore[arg-type]
                rules=RULES,
            )
        }
        for k, s in samples.items()
    }
    legacy = 0
    if neighbours is not None:
        city = math.fsum(s.n * s.mean for s in samples.values()) / sum(
            s.n for s in samples.values()
        )
        shrunk = {k: (s.n * s.mean + 5 * city) / (s.n + 5) for k, s in samples.items()}
        legacy = sum(1 for z in getis_ord_gi_star(shrunk, neighbours).values() if z > 1.96)
    return WorldFlags(codes, legacy)


def null_world_flags(seed: int, side: int = 30) -> WorldFlags:
    """A 30 x 30 city (900 areas), no area truly at or above 50, no spatial structure."""
    rng = random.Random(seed)
    neighbours = grid_neighbours(side)
    truth = background(rng, neighbours, below=RULES.problem_risk)
    return judge({k: sample(rng, m, n) for k, (m, n) in truth.items()}, neighbours)


def cluster_world(
    seed: int, side: int = 30, block: int = 4, mean: float = 55.0
) -> tuple[float, int]:
    """A null city with a ``block`` x ``block`` square of areas truly at ``mean``: the share
    of the block's areas flagged as a cluster, and clusters flagged two or more cells away
    from it (false)."""
    rng = random.Random(seed)
    neighbours = grid_neighbours(side)
    truth = background(rng, neighbours, below=RULES.problem_risk)
    inside = {f"{r}.{c}" for r in range(10, 10 + block) for c in range(10, 10 + block)}
    truth.update({k: (mean, truth[k][1]) for k in inside})
    codes = judge({k: sample(rng, m, n) for k, (m, n) in truth.items()}, neighbours).codes
    near = set(inside)
    for k in inside:
        near |= neighbours[k]
    found = sum("cluster" in codes[k] for k in inside) / len(inside)
    false = sum("cluster" in c for k, c in codes.items() if k not in near)
    return found, false


def flag_rate(true_mean: float, n: int, *, seed: int, worlds: int = 20, per_world: int = 20):
    """Share of target areas (true mean, n yards) flagged problem / for attention, each
    judged in a world of 900 background areas."""
    rng = random.Random(seed)
    problem = attention = total = 0
    for _ in range(worlds):
        truth = background(rng, (f"b{i}" for i in range(900)))
        samples = {k: sample(rng, m, size) for k, (m, size) in truth.items()}
        targets = [f"t{i}" for i in range(per_world)]
        samples.update({t: sample(rng, true_mean, n) for t in targets})
        codes = judge(samples).codes
        for t in targets:
            total += 1
            problem += "problem_area" in codes[t]
            attention += bool(codes[t] & set(ATTENTION))
    return problem / total, attention / total


def legacy_flag_rate(true_mean: float, n: int, *, seed: int, reps: int = 4000) -> float:
    """The old rule (k = 5 shrinkage toward a city mean of 35, flag at >= 50)."""
    rng = random.Random(seed)
    hits = 0
    for _ in range(reps):
        s = sample(rng, true_mean, n)
        hits += (n * s.mean + 5 * CITY_MEAN) / (n + 5) >= 50 and n >= 3
    return hits / reps


def table() -> list[str]:
    """The rows of the METHODOLOGY table."""
    lines = [
        "| yards audited | true mean | P(problem area) | P(problem or needs more audits) "
        "| old rule P(problem) |",
        "|---|---|---|---|---|",
    ]
    for n in (3, 5, 8, 12, 20, 40):
        for mean in (35.0, 45.0, 55.0):
            p, a = flag_rate(mean, n, seed=int(n * 100 + mean))
            old = legacy_flag_rate(mean, n, seed=int(n * 100 + mean))
            lines.append(f"| {n} | {mean:g} | {p:.2f} | {a:.2f} | {old:.2f} |")
    worlds = [null_world_flags(seed) for seed in range(10)]
    problems = sum(sum("problem_area" in c for c in w.codes.values()) for w in worlds)
    clusters = sum(sum("cluster" in c for c in w.codes.values()) for w in worlds)
    legacy = sum(w.legacy_hotspots for w in worlds)
    blocks = [cluster_world(seed) for seed in range(10)]
    lines.append("")
    lines.append(
        f"A 4 x 4 block of areas truly at 55 in that city, mean of 10 worlds: "
        f"{sum(f for f, _ in blocks) / 10:.2f} of the block's areas flagged as a cluster, "
        f"{sum(n for _, n in blocks) / 10:.2f} clusters flagged away from it."
    )
    lines.append("")
    lines.append(
        f"Null city (900 areas, none truly >= 50, no spatial structure), mean of 10 worlds: "
        f"{problems / 10:.2f} problem areas, {clusters / 10:.2f} clusters; the old Gi* rule "
        f"{legacy / 10:.1f} hotspots."
    )
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
