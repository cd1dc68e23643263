import json
from typing import Any

import numpy as np
import pytest

from app.evidence.data import AreaData
from app.evidence.evaluate import evaluate, subset
from tests.evidence.worlds import simulate_world


def replace(world: AreaData, **changes: object) -> AreaData:
    fields = {name: getattr(world, name) for name in AreaData.__dataclass_fields__}
    return AreaData(**{**fields, **changes})


def statuses(result: dict[str, Any]) -> list[str]:
    """Every figure's status in the JSON."""
    found = [
        result["spearman"]["status"],
        result["model"]["status"],
        result["calibration"]["status"],
    ]
    found += [p["status"] for p in result["pai"].values()]
    found += [result["model"]["incremental"]["status"], result["negative_control"]["status"]]
    return found


class TestEvaluate:
    def test_a_planted_effect_is_recovered(self) -> None:
        world = simulate_world(200, 8, 1.25, seed=11, alpha=0.2)
        result = evaluate(world, n_boot=200)
        rr = result.model.figure
        assert rr.ci is not None and rr.ci[0] <= 1.25 <= rr.ci[1]
        rho = result.spearman.figure
        assert rho.value is not None and rho.ci is not None and rho.ci[0] > 0.1
        pai10 = result.pai["10"]
        assert pai10.figure.value is not None and pai10.random_range is not None
        assert pai10.figure.value > pai10.random_range[1]
        assert result.calibration.figure.value is not None and result.calibration.figure.value > 0.5
        assert result.verdict.correlation.status == "met"
        assert result.negative_control.flag is False

    def test_under_a_null_the_intervals_cover_no_effect(self) -> None:
        result = evaluate(simulate_world(200, 8, 1.0, seed=12), n_boot=200)
        rho, rr = result.spearman.figure, result.model.figure
        assert rho.ci is not None and rho.ci[0] <= 0 <= rho.ci[1]
        assert rr.ci is not None and rr.ci[0] <= 1 <= rr.ci[1]
        assert result.verdict.correlation.status == "not_met"
        assert result.verdict.adds_to_baselines.status == "not_met"

    def test_fraud_tracking_density_flags_the_negative_control(self) -> None:
        world = simulate_world(200, 8, 1.15, control_effect=2.0, seed=13, risk_density_corr=0.6)
        result = evaluate(world, n_boot=200)
        assert result.negative_control.flag is True
        assert result.negative_control.flag_reason in {"control_significant", "control_as_strong"}
        assert result.verdict.warning == result.negative_control.flag_reason

    def test_a_clean_world_does_not_flag_it(self) -> None:
        result = evaluate(
            simulate_world(200, 8, 1.15, control_effect=1.0, seed=13, risk_density_corr=0.6),
            n_boot=200,
        )
        assert result.negative_control.flag is False
        assert result.as_dict()["negative_control"]["flag_text"] is None

    def test_below_the_minimum_there_are_no_numbers(self) -> None:
        result = evaluate(simulate_world(50, 8, 1.3, seed=14), n_boot=50).as_dict()
        assert result["spearman"]["status"] == "not_enough_data"
        assert (result["spearman"]["needed"], result["spearman"]["have"]) == (85, 50)
        assert result["spearman"]["value"] is None and result["spearman"]["ci"] is None
        assert (
            result["pai"]["5"]["status"] == "not_enough_data"
            and result["pai"]["5"]["value"] is None
        )
        assert result["verdict"]["correlation"]["status"] == "cannot_say"
        spearman_rows = [
            m for m in result["minimum_data"] if m["figure"] == "spearman" and m["unit"] == "areas"
        ]
        assert spearman_rows == [
            {
                "figure": "spearman",
                "unit": "areas",
                "needed": 85,
                "have": 50,
                "met": False,
                "why": spearman_rows[0]["why"],
            }
        ]

    def test_areas_with_too_few_audited_yards_are_left_out(self) -> None:
        world = simulate_world(150, 8, 1.2, seed=15, audited=(1, 6))
        result = evaluate(world, n_boot=20)
        entered = int((world.audited_yards >= 3).sum())
        assert result.n_areas == entered < 150
        assert result.as_dict()["n_areas_left_out"] == 150 - entered
        assert result.offences == int(world.offences[world.audited_yards >= 3].sum())

    def test_same_seed_same_json(self) -> None:
        world = simulate_world(100, 8, 1.2, seed=16)
        assert (
            evaluate(world, seed=3, n_boot=50).as_dict()
            == evaluate(world, seed=3, n_boot=50).as_dict()
        )


class TestDegenerateInput:
    def test_all_zero_offences(self) -> None:
        world = simulate_world(120, 8, 1.2, seed=17)
        zeros = np.zeros(120, dtype=np.int64)
        result = evaluate(
            replace(world, offences=zeros, offences_before=zeros, control=zeros), n_boot=20
        ).as_dict()
        assert "ok" not in statuses(result)
        json.dumps(result)

    def test_one_district(self) -> None:
        world = simulate_world(120, 1, 1.2, seed=18)
        result = evaluate(world, n_boot=20).as_dict()
        assert result["spearman"]["reason"] == "too_few_districts"
        assert result["model"]["status"] == "ok"  # no district effects needed
        assert result["pai"]["10"]["status"] == "ok" and result["pai"]["10"]["ci"] is None

    def test_constant_risk(self) -> None:
        world = simulate_world(120, 8, 1.2, seed=19)
        result = evaluate(replace(world, risk=np.full(120, 50.0)), n_boot=20).as_dict()
        assert result["spearman"]["reason"] == "no_variation_in_risk"
        assert result["model"]["reason"] == "no_variation_in_risk"
        assert result["pai"]["10"]["reason"] == "no_variation_in_risk"
        assert result["calibration"]["reason"] == "no_variation_in_risk"
        assert result["verdict"]["pai_10"]["status"] == "cannot_say"

    def test_no_areas_at_all(self) -> None:
        world = simulate_world(30, 3, 1.2, seed=20, audited=(0, 2))
        result = evaluate(world, n_boot=20).as_dict()
        assert result["n_areas"] == 0 and result["n_districts"] == 0
        assert set(statuses(result)) == {"not_enough_data"}

    @pytest.mark.parametrize("seed", range(5))
    def test_tiny_worlds_never_raise(self, seed: int) -> None:
        world = simulate_world(12, 4, 1.5, seed=seed, base_per_10k=0.3)
        json.dumps(evaluate(world, n_boot=10).as_dict())


class TestSubset:
    def test_keeps_items_and_the_synthetic_label(self) -> None:
        world = simulate_world(10, 2, 1.0, seed=1, n_null_items=1)
        keep = np.array([True, False] * 5)
        part = subset(world, keep)
        assert part.n_areas == 5 and part.synthetic is True
        assert (
            part.item_fail_share["null_1"].tolist()
            == world.item_fail_share["null_1"][keep].tolist()
        )
