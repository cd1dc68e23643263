"""The engine's shortcuts give what the plain arithmetic gives, bit for bit: the exact
partials (``_exact_partials``) and the results made without ``__init__`` (``_frozen``)."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.checklists.loader import load_registry
from app.platform.config import PROJECT_ROOT
from app.scoring import engine
from app.scoring.engine import Factor, SectionScore, score_answers, score_at_risks

# Terms as a score makes them (weight * risk), and floats far apart (where partials pile up).
terms = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
wild = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)


def _msum(values: list[float]) -> list[float]:
    """Shewchuk's msum (what the engine used before): the reference partials."""
    partials: list[float] = []
    for x in values:
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]
    return partials


class TestExactPartials:
    @settings(max_examples=400, deadline=None)
    @given(values=st.lists(terms | wild, max_size=60), more=st.lists(terms | wild, max_size=3))
    def test_sums_as_the_values_do(self, values: list[float], more: list[float]) -> None:
        partials = engine._exact_partials(values)
        assert math.fsum((*partials, *more)) == math.fsum((*values, *more))
        assert math.fsum((*partials, *more)) == math.fsum((*_msum(values), *more))

    def test_a_sum_no_float_holds_needs_more_than_one(self) -> None:
        partials = engine._exact_partials([1e16, 1.0, -1e16, 1e-16])
        assert len(partials) == 2
        assert math.fsum((*partials, -1.0)) == 1e-16

    def test_a_sum_that_is_not_finite_ends(self) -> None:
        assert math.isnan(math.fsum(engine._exact_partials([1.0, math.nan, 2.0])))
        assert math.fsum(engine._exact_partials([1.0, math.inf])) == math.inf

    def test_nothing_and_zeros_sum_to_zero(self) -> None:
        assert engine._exact_partials([]) == ()
        assert math.fsum(engine._exact_partials([0.0, 0.0])) == 0.0


@pytest.fixture(scope="module")
def checklist() -> engine.ScoringChecklist:
    return load_registry(PROJECT_ROOT / "app" / "checklists" / "data").current.scoring


class TestMadeWithoutInit:
    def test_results_equal_those_made_by_init(self, checklist: engine.ScoringChecklist) -> None:
        rng = random.Random(17)
        for _ in range(3000):
            answers = {
                item.id: rng.choice([*(o.value for o in item.options), "na"])
                for item in checklist.items
                if rng.random() < 0.9
            }
            risks = {k: rng.choice([0.0, 0.25, 0.5, 1.0]) for k in list(answers)[:3]}
            result = score_at_risks(checklist, answers, risks, role=rng.choice([None, "resident"]))
            for made in (*result.factors, *result.sections):
                by_init = type(made)(**dataclasses.asdict(made))
                assert made == by_init
                assert hash(made) == hash(by_init)
                assert repr(made) == repr(by_init)
                assert vars(made) == vars(by_init)

    def test_they_stay_frozen(self, checklist: engine.ScoringChecklist) -> None:
        worst = {i.id: i.worst_option.value for i in checklist.items}
        result = score_answers(checklist, worst)
        factor: Factor = result.factors[0]
        section: SectionScore = result.sections[0]
        with pytest.raises(dataclasses.FrozenInstanceError):
            factor.points = 0.0  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            section.risk_index = 0.0  # type: ignore[misc]
