import math

from app.evidence import power


class TestAreasForCorrelation:
    def test_rho_0_3_at_80_percent_power_needs_85_areas(self) -> None:
        # ((1.95996 + 0.84162) / atanh(0.3))^2 + 3 = (2.80158 / 0.30952)^2 + 3 = 84.93
        assert power.areas_for_correlation() == 85

    def test_a_stronger_correlation_needs_fewer(self) -> None:
        # (2.80158 / atanh(0.5))^2 + 3 = (2.80158 / 0.54931)^2 + 3 = 29.01
        assert power.areas_for_correlation(0.5) == 30


class TestPaiMinimum:
    def test_five_offences_expected_in_the_top(self) -> None:
        assert [power.offences_for_pai(s) for s in (0.05, 0.10, 0.20)] == [100, 50, 25]

    def test_three_areas_in_the_top(self) -> None:
        assert [power.areas_for_pai(s) for s in (0.05, 0.10, 0.20)] == [60, 30, 15]


class TestModelMinimum:
    def test_ten_events_per_parameter(self) -> None:
        assert power.offences_for_model(10) == 100
        assert power.areas_for_model(10) == 20


class TestCalibrationBins:
    def test_deciles_from_80_areas_fewer_bins_below(self) -> None:
        assert power.calibration_bins(200) == 10
        assert power.calibration_bins(80) == 10
        assert power.calibration_bins(79) == 9
        assert power.calibration_bins(24) == 3
        assert power.calibration_bins(23) == 2
        assert power.areas_for_calibration() == 24
        assert math.isclose(power.RHO_GOAL, 0.3)
