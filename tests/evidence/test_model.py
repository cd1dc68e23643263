import numpy as np
import pytest

from app.evidence.data import AreaData
from app.evidence.model import (
    district_dummies,
    fit_nb,
    incremental,
    informative,
    item_rates,
    model,
    rate_ratio_model,
)
from tests.evidence.worlds import simulate_world


def blocks_of(world: AreaData) -> list[str]:
    return list(world.district_ids)


class TestDistrictDummies:
    def test_one_column_per_district_but_the_reference(self) -> None:
        assert district_dummies(["b", "a", "c", "a"]).tolist() == [[1, 0], [0, 0], [0, 1], [0, 0]]
        assert district_dummies(["a", "a"]).shape == (2, 0)


class TestInformative:
    def test_districts_without_offences_are_set_aside(self) -> None:
        y = np.array([0, 0, 1, 0])
        assert informative(y, ["a", "a", "b", "b"]).tolist() == [False, False, True, True]


class TestFitNb:
    def test_collinear_columns_fail_without_raising(self) -> None:
        x = np.arange(20.0)
        assert fit_nb(np.arange(20), np.column_stack([x, 2 * x]), np.zeros(20)) == "model_failed"

    def test_poisson_data_converge_with_a_small_alpha(self) -> None:
        world = simulate_world(150, 8, 1.2, seed=2, alpha=0.0)
        figure, fit, _ = rate_ratio_model(
            world.offences, world.risk, world.population, blocks_of(world)
        )
        assert fit is not None and fit.alpha < 0.05
        assert figure.ci is not None and figure.ci[0] <= 1.2 <= figure.ci[1]


class TestRateRatioModel:
    def test_the_planted_rate_ratio_is_inside_the_interval(self) -> None:
        world = simulate_world(160, 8, 1.15, seed=5)
        figure, fit, n_params = rate_ratio_model(
            world.offences, world.risk, world.population, blocks_of(world)
        )
        assert figure.is_ok and figure.ci is not None and figure.p is not None
        assert figure.ci[0] <= 1.15 <= figure.ci[1]
        assert figure.ci[0] > 1 and figure.p < 0.05
        assert n_params == 10  # intercept, risk, 7 districts, alpha
        assert fit is not None and 0.15 < fit.alpha < 0.5  # planted 0.3

    def test_under_a_null_the_interval_covers_one_about_95_percent_of_the_time(self) -> None:
        misses = 0
        for seed in range(50):
            world = simulate_world(120, 8, 1.0, seed=100 + seed)
            figure = rate_ratio_model(
                world.offences, world.risk, world.population, blocks_of(world)
            )[0]
            assert figure.ci is not None
            misses += not (figure.ci[0] <= 1 <= figure.ci[1])
        # Binomial(50, 0.05): P(X >= 8) = 0.003; a model with too-narrow intervals fails.
        assert misses <= 7

    def test_too_few_offences_per_parameter(self) -> None:
        world = simulate_world(100, 8, 1.2, seed=1, base_per_10k=0.5)
        figure = rate_ratio_model(world.offences, world.risk, world.population, blocks_of(world))[0]
        assert (figure.status, figure.reason, figure.needed) == (
            "not_enough_data",
            "too_few_events_per_parameter",
            100,
        )
        assert figure.have == int(world.offences.sum()) < 100

    def test_constant_risk_is_a_status(self) -> None:
        world = simulate_world(100, 8, 1.2, seed=1)
        figure = rate_ratio_model(
            world.offences, np.full(100, 40.0), world.population, blocks_of(world)
        )[0]
        assert (figure.status, figure.reason) == ("not_ok", "no_variation_in_risk")


class TestIncremental:
    def test_risk_adds_to_a_noisy_last_year(self) -> None:
        world = simulate_world(200, 8, 1.4, seed=6, alpha=0.6)
        result = incremental(
            world.offences, world.risk, world.offences_before, world.population, blocks_of(world)
        )
        assert result.figure.is_ok and result.lr_p is not None and result.lr_p < 0.05
        assert result.aic_with is not None and result.aic_without is not None
        assert result.aic_without - result.aic_with > 2
        assert result.as_dict()["aic_difference"] == pytest.approx(
            result.aic_without - result.aic_with, rel=1e-3
        )

    def test_under_a_null_risk_adds_nothing(self) -> None:
        world = simulate_world(200, 8, 1.0, seed=6)
        result = incremental(
            world.offences, world.risk, world.offences_before, world.population, blocks_of(world)
        )
        assert result.lr_p is not None and result.lr_p > 0.05


class TestItemRates:
    def test_a_planted_item_is_found_and_null_items_mostly_not(self) -> None:
        found = false_discoveries = 0
        for seed in range(8):
            world = simulate_world(
                120, 8, 1.0, seed=seed, item_effects={"lighting": 1.1}, n_null_items=5
            )
            items = {
                r.item: r
                for r in item_rates(
                    world.offences, world.item_fail_share, world.population, blocks_of(world)
                )
            }
            lighting = items.pop("lighting")
            assert (
                lighting.figure.ci is not None
                and lighting.figure.ci[0] <= 1.1 <= lighting.figure.ci[1]
            )
            found += lighting.q is not None and lighting.q < 0.05
            false_discoveries += sum(r.q is not None and r.q < 0.05 for r in items.values())
        assert found == 8
        assert false_discoveries <= 4  # of 40 null items; 2 expected at most by BH's 5%

    def test_an_item_every_yard_fails_is_a_status(self) -> None:
        world = simulate_world(100, 8, 1.2, seed=1)
        (result,) = item_rates(
            world.offences, {"fence": np.ones(100)}, world.population, blocks_of(world)
        )
        assert (result.item, result.figure.reason, result.q) == (
            "fence",
            "no_variation_in_item",
            None,
        )


class TestModel:
    def test_all_zero_offences_give_statuses(self) -> None:
        world = simulate_world(100, 8, 1.2, seed=1)
        zeros = np.zeros(100, dtype=np.int64)
        result, expected = model(
            zeros, world.risk, zeros, world.population, blocks_of(world), world.item_fail_share
        )
        assert result.figure.status == "not_enough_data" and expected is None
        assert result.incremental.figure.status == "not_enough_data"
        assert result.as_dict()["items_label"] == "candidate weights"
