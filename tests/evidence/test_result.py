import json

from app.evidence.evaluate import evaluate
from app.evidence.reasons import REASONS
from app.evidence.result import Correlation, Figure, Incremental, MinimumData, _round
from tests.evidence.worlds import simulate_world

TOP_KEYS = {
    "method_version",
    "n_areas",
    "n_areas_total",
    "n_areas_left_out",
    "min_audited",
    "n_districts",
    "offences",
    "offences_before",
    "control_offences",
    "synthetic",
    "seed",
    "n_boot",
    "spearman",
    "pai",
    "model",
    "calibration",
    "negative_control",
    "minimum_data",
    "verdict",
}
FIGURE_KEYS = {"status", "reason", "reason_text", "needed", "have", "value", "ci", "p", "n"}


class TestRound:
    def test_four_significant_digits(self) -> None:
        assert _round(0.123456) == 0.1235
        assert _round(1234.567) == 1235.0
        assert _round(2.8341e-24) == 2.834e-24
        assert _round(0) == 0.0
        assert _round(None) is None
        assert _round(float("nan")) is None
        assert _round(float("inf")) is None


class TestFigure:
    def test_ok_has_numbers_and_no_reason(self) -> None:
        d = Figure.ok(0.31234, (0.1, 0.5), 90, 0.012345).as_dict()
        assert d == {
            "status": "ok",
            "reason": None,
            "reason_text": None,
            "needed": None,
            "have": None,
            "value": 0.3123,
            "ci": [0.1, 0.5],
            "p": 0.01235,
            "n": 90,
        }

    def test_not_enough_has_no_numbers(self) -> None:
        d = Figure.not_enough("too_few_areas", needed=85, have=40).as_dict()
        assert (d["value"], d["ci"], d["n"], d["needed"], d["have"]) == (None, None, None, 85, 40)
        assert d["reason_text"] == REASONS["too_few_areas"]


class TestParts:
    def test_a_rough_interval_under_20_blocks(self) -> None:
        assert Correlation(Figure.ok(0.3, (0.1, 0.5), 90), 8).as_dict()["ci_rough"] is True
        assert Correlation(Figure.ok(0.3, (0.1, 0.5), 90), 20).as_dict()["ci_rough"] is False

    def test_aic_difference_is_without_minus_with(self) -> None:
        d = Incremental(
            Figure.ok(1.1, (1.0, 1.2), 90), aic_without=1000.5, aic_with=990.25
        ).as_dict()
        assert d["aic_difference"] == 10.25

    def test_minimum_met(self) -> None:
        assert MinimumData("spearman", "areas", 85, 85, "why").as_dict()["met"] is True
        assert MinimumData("spearman", "areas", 85, 84, "why").as_dict()["met"] is False


class TestEvaluationAsDict:
    def test_every_documented_key_and_plain_json(self) -> None:
        result = evaluate(simulate_world(120, 8, 1.2, seed=1, n_null_items=2), n_boot=20).as_dict()
        assert set(result) == TOP_KEYS
        assert set(result["spearman"]) >= FIGURE_KEYS
        assert set(result["pai"]) == {"5", "10", "20"}
        assert set(result["model"]["items"][0]) >= FIGURE_KEYS
        assert json.loads(json.dumps(result)) == result
        assert result["method_version"] == "1" and result["synthetic"] is True

    def test_every_reason_code_in_the_json_has_english_words(self) -> None:
        result = evaluate(simulate_world(30, 2, 1.2, seed=1), n_boot=10).as_dict()
        text = json.dumps(result)
        assert '"reason": "too_few_areas"' in text
        assert f'"reason_text": "{REASONS["too_few_areas"]}"' in text
        assert all(REASONS[m] for m in ("too_few_areas", "control_significant", "goal_met"))
