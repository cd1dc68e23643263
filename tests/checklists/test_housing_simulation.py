"""Private houses and apartment blocks with equal conditions score alike under 2026.2.

Issue 13: checklist 2026.1 has no "does not apply" on items that exist only in apartment
blocks (entrance doors, intercom, basements, ...), so a private house has to answer "no" to
them and private-house areas (Alatau, Nauryzbay) score high by construction. The simulation
draws yards of both kinds from the same world: every risky condition is present with the same
probability, whatever the housing type. Items that a private house does not have are answered
"does not apply" where the version allows it, and otherwise with the answer the form forces
("No", "No, or there is none": the worst option). The seeds are fixed.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest

from app.checklists.loader import LoadedChecklist, load_checklist_file
from app.checklists.schema import NOT_APPLICABLE, Item
from app.scoring import score_answers

DATA = Path(__file__).resolve().parents[2] / "app" / "checklists" / "data"

# Items about shared entrances, basements and roofs, and the cooperative that runs them:
# a private house has none of these.
APARTMENT_ONLY = frozenset(
    {
        "lighting.entrances",
        "access.entrance_doors",
        "access.intercom",
        "access.basements",
        "access.roof_hatches",
        "maintenance.contacts_posted",
        "technical.cctv_entrances",
    }
)
YARDS = 600
# Where an item allows it, the share of yards of either kind where it does not apply for a
# reason unrelated to housing (no playground, no construction site, no cameras).
OTHER_NA = 0.1


def _version(version: str) -> LoadedChecklist:
    return load_checklist_file(DATA / f"almaty-yard-{version}.yaml")


def _answer(item: Item, *, present: bool, rng: random.Random) -> str:
    """The safe option when the condition is absent, else one of the risky options."""
    scored = [o for o in item.options if o.risk is not None]
    if not present:
        return min(scored, key=lambda o: o.risk or 0.0).value
    return rng.choice([o for o in scored if (o.risk or 0.0) > 0.0]).value


def simulate_yard(
    loaded: LoadedChecklist, *, private_house: bool, role: str, rng: random.Random
) -> dict[str, str]:
    """One yard's answers. The draws do not depend on the housing type or the version, so the
    same seed gives the same underlying conditions to both kinds of yard."""
    # How run-down this yard is: the chance that each risky condition is present.
    p_risky = rng.uniform(0.1, 0.6)
    answers: dict[str, str] = {}
    for item in loaded.checklist.items():
        present = rng.random() < p_risky
        other_na = rng.random() < OTHER_NA
        if not item.scored:
            continue
        value = _answer(item, present=present, rng=rng)
        if role not in item.roles:
            continue
        if private_house and item.id in APARTMENT_ONLY:
            worst = max((o for o in item.options), key=lambda o: o.risk or 0.0).value
            answers[item.id] = NOT_APPLICABLE if item.allow_na else worst
        elif item.allow_na and item.id not in APARTMENT_ONLY and other_na:
            answers[item.id] = NOT_APPLICABLE
        else:
            answers[item.id] = value
    return answers


def mean_index(loaded: LoadedChecklist, *, private_house: bool, role: str, seed: int) -> float:
    rng = random.Random(seed)
    indices = []
    for _ in range(YARDS):
        answers = simulate_yard(loaded, private_house=private_house, role=role, rng=rng)
        index = score_answers(loaded.scoring, answers, role=role).risk_index
        assert index is not None
        indices.append(index)
    return statistics.fmean(indices)


def housing_gap(version: str, *, role: str, seed: int) -> float:
    """Mean index of private-house yards minus that of apartment yards, same conditions."""
    loaded = _version(version)
    private = mean_index(loaded, private_house=True, role=role, seed=seed)
    apartment = mean_index(loaded, private_house=False, role=role, seed=seed + 1)
    return private - apartment


@pytest.mark.parametrize("role", ["resident", "inspector"])
@pytest.mark.parametrize("seed", [13, 2026])
class TestHousingType:
    def test_equal_conditions_score_within_3_points_under_2026_2(
        self, role: str, seed: int
    ) -> None:
        assert abs(housing_gap("2026.2", role=role, seed=seed)) <= 3.0

    def test_2026_1_scores_private_houses_higher_by_construction(
        self, role: str, seed: int
    ) -> None:
        # The check above can fail: the same world under 2026.1 puts private houses well
        # above apartments.
        assert housing_gap("2026.1", role=role, seed=seed) > 6.0


class TestSimulation:
    def test_same_seed_same_conditions_whatever_the_housing(self) -> None:
        loaded = _version("2026.2")
        private = simulate_yard(loaded, private_house=True, role="inspector", rng=random.Random(7))
        flat = simulate_yard(loaded, private_house=False, role="inspector", rng=random.Random(7))
        differ = {k for k in flat if private[k] != flat[k]}
        assert differ and differ <= APARTMENT_ONLY
        assert all(private[k] == NOT_APPLICABLE for k in APARTMENT_ONLY & private.keys())
