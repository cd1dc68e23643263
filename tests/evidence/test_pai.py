import numpy as np
import pytest

from app.evidence.pai import pai_at, pai_value, random_range, top_weights

SCORE = np.arange(10, 0, -1, dtype=float)  # area 0 ranks first
OFFENCES = np.array([6, 4, 2, 2, 1, 1, 1, 1, 1, 1], dtype=float)  # 20 in all
SIZE = np.array([0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5])  # 10 km2 in all


class TestTopWeights:
    def test_the_top_share_rounds_up_to_whole_areas(self) -> None:
        assert top_weights(SCORE, 0.10).tolist() == [1] + [0] * 9
        assert top_weights(SCORE, 0.15).tolist() == [1, 1] + [0] * 8

    def test_areas_tied_at_the_cut_share_the_places(self) -> None:
        weights = top_weights(np.array([2.0, 1.0, 1.0, 0.0]), 0.5)
        assert weights.tolist() == [1.0, 0.5, 0.5, 0.0]

    def test_a_constant_score_spreads_the_top_over_every_area(self) -> None:
        assert top_weights(np.ones(4), 0.25).tolist() == [0.25] * 4


class TestPaiValue:
    def test_hand_computed_top_10_percent(self) -> None:
        # 6 of 20 offences (0.30) on 0.5 of 10 km2 (0.05): PAI 6.
        value, hit, area = pai_value(SCORE, OFFENCES, SIZE, 0.10)
        assert (value, hit, area) == pytest.approx((6.0, 0.30, 0.05))

    def test_hand_computed_top_20_percent(self) -> None:
        # 10 of 20 offences (0.5) on 1.5 of 10 km2 (0.15): PAI 3.333.
        value, hit, area = pai_value(SCORE, OFFENCES, SIZE, 0.20)
        assert (value, hit, area) == pytest.approx((10 / 3, 0.5, 0.15))

    def test_a_constant_score_is_no_better_than_chance(self) -> None:
        value, _, _ = pai_value(np.ones(10), OFFENCES, np.ones(10), 0.10)
        assert value == pytest.approx(1.0)

    def test_no_offences_gives_nan_not_an_error(self) -> None:
        assert np.isnan(pai_value(SCORE, np.zeros(10), SIZE, 0.10)[0])


class TestRandomRange:
    def test_random_rankings_centre_on_one(self) -> None:
        rng = np.random.default_rng(0)
        offences = rng.poisson(5, size=200).astype(float)
        lo, hi = random_range(offences, np.ones(200), 0.10, rng=rng, n_perm=400) or (0, 0)
        assert lo < 1 < hi
        assert hi < 1.6  # 20 areas of 200 with ~100 offences expected: a narrow band


class TestPaiAt:
    def _world(self, n: int) -> tuple[np.ndarray, ...]:
        rng = np.random.default_rng(1)
        risk = rng.uniform(0, 100, n)
        offences = rng.poisson(np.exp(risk / 25)).astype(np.int64)
        return risk, offences, rng.poisson(np.exp(risk / 25)).astype(np.int64)

    def test_a_predictive_index_beats_random(self) -> None:
        risk, offences, before = self._world(100)
        blocks = [f"d{i % 8}" for i in range(100)]
        result = pai_at(
            risk,
            offences,
            before,
            np.full(100, 2000.0),
            np.ones(100),
            blocks,
            top_share=0.10,
            rng=np.random.default_rng(0),
            n_boot=200,
        )
        assert (
            result.figure.is_ok and result.figure.value is not None and result.figure.ci is not None
        )
        assert result.random_range is not None
        assert result.figure.value > result.random_range[1]
        assert result.figure.ci[0] > 1
        assert result.n_top_areas == 10
        assert result.baseline_population == pytest.approx(1.0)  # equal populations tie

    def test_too_few_areas_says_so_without_a_number(self) -> None:
        risk, offences, before = self._world(20)
        blocks = ["d"] * 20
        result = pai_at(
            risk,
            offences,
            before,
            np.ones(20),
            np.ones(20),
            blocks,
            top_share=0.10,
            rng=np.random.default_rng(0),
            n_boot=10,
        )
        assert result.figure.status == "not_enough_data"
        assert (result.figure.reason, result.figure.needed, result.figure.have) == (
            "too_few_areas",
            30,
            20,
        )
        assert result.figure.value is None

    def test_too_few_offences_says_so(self) -> None:
        risk = np.linspace(0, 100, 40)
        offences = np.zeros(40, dtype=np.int64)
        offences[:10] = 3  # 30 offences; PAI at the top 10% needs 50
        result = pai_at(
            risk,
            offences,
            offences,
            np.ones(40),
            np.ones(40),
            ["d"] * 40,
            top_share=0.10,
            rng=np.random.default_rng(0),
            n_boot=10,
        )
        assert (result.figure.reason, result.figure.needed, result.figure.have) == (
            "too_few_offences",
            50,
            30,
        )
