import numpy as np
import pytest

from app.evidence.calibration import calibration


class TestCalibration:
    def test_hand_computed_bins(self) -> None:
        # 24 areas -> 3 bins of 8; bin k (1-3) has k offences per area, 1,000 residents each.
        risk = np.arange(24.0)
        offences = np.repeat([1, 2, 3], 8).astype(np.int64)
        population = np.full(24, 1000.0)
        expected = np.full(24, 2.0)
        result = calibration(risk, offences, population, expected)
        assert result.figure.is_ok and result.figure.value == pytest.approx(1.0)
        first, second, third = result.bins
        assert (first.n_areas, first.risk_min, first.risk_max, first.mean_risk) == (
            8,
            0.0,
            7.0,
            3.5,
        )
        assert first.offences == 8
        assert first.observed_rate == pytest.approx(10.0)  # 8 / 8,000 x 10,000
        assert third.observed_rate == pytest.approx(30.0)
        assert second.expected_rate == pytest.approx(20.0)  # 16 expected / 8,000

    def test_a_reversed_index_has_monotonicity_minus_one(self) -> None:
        offences = np.repeat([3, 2, 1], 8).astype(np.int64)
        result = calibration(np.arange(24.0), offences, np.full(24, 1000.0), None)
        assert result.figure.value == pytest.approx(-1.0)
        assert result.bins[0].expected_rate is None

    def test_deciles_from_80_areas(self) -> None:
        result = calibration(np.arange(85.0), np.ones(85, dtype=np.int64), np.full(85, 500.0), None)
        assert len(result.bins) == 10 and sum(b.n_areas for b in result.bins) == 85

    def test_below_24_areas_not_enough(self) -> None:
        result = calibration(np.arange(23.0), np.ones(23, dtype=np.int64), np.ones(23), None)
        assert (result.figure.status, result.figure.needed, result.figure.have) == (
            "not_enough_data",
            24,
            23,
        )
        assert result.bins == ()

    def test_same_rate_everywhere_is_a_status(self) -> None:
        result = calibration(np.arange(24.0), np.ones(24, dtype=np.int64), np.ones(24), None)
        assert (result.figure.status, result.figure.reason) == ("not_ok", "no_variation_in_outcome")
