"""Area figures: empirical-Bayes estimates, Getis-Ord Gi* with Benjamini-Hochberg,
disagreement and flags with their reasons."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    AreaEstimate,
    AreaSample,
    ClusterTest,
    FlagRules,
    area_flags,
    benjamini_hochberg,
    cluster_tests,
    disagreement,
    estimate_areas,
    exceed_probability,
    getis_ord_gi_star,
)
from app.scoring.area_estimates import normal_quantile

NOW = datetime(2026, 11, 22, tzinfo=UTC)


class TestEstimateAreas:
    def test_hand_computed(self) -> None:
        # Three areas of two yards each, 20 points apart within: SS 200 each, sigma^2 = 600/3.
        samples = {
            "a": AreaSample(2, 70.0, 200.0),
            "b": AreaSample(2, 30.0, 200.0),
            "c": AreaSample(2, 40.0, 200.0),
        }
        model = estimate_areas(samples, limit=50.0)
        assert model is not None
        assert model.within_var == pytest.approx(200.0)
        # DerSimonian-Laird: w = 2/200; Q = 0.01 * sum((m - 46.67)^2) = 8.667; C = 0.02.
        assert model.between_var == pytest.approx((26 / 3 - 2) / 0.02)
        tau2, sampling = model.between_var, 100.0
        shrink = sampling / (sampling + tau2)
        prior, prior_var = 140 / 3, (sampling + tau2) / 3
        a = model.areas["a"]
        assert a.prior_mean == pytest.approx(prior)
        assert a.mean == pytest.approx(prior + (1 - shrink) * (70 - prior))
        assert a.sd == pytest.approx(math.sqrt((1 - shrink) * sampling + shrink**2 * prior_var))
        z80 = normal_quantile(0.9)
        assert z80 == pytest.approx(1.28155, abs=1e-4)
        assert (a.low, a.high) == pytest.approx((a.mean - z80 * a.sd, a.mean + z80 * a.sd))
        assert a.p_exceed == pytest.approx(exceed_probability(a.mean, a.sd, 50.0))
        assert a.standardised == pytest.approx((70 - prior) / math.sqrt(sampling + tau2))

    @given(
        st.lists(
            st.tuples(
                st.integers(1, 12),
                st.sampled_from([0.0, 100.0, 99.99999999999999, 33.333333333333336]),
                st.floats(0, 5000),
            ),
            min_size=1,
            max_size=12,
        )
    )
    def test_the_estimate_stays_an_index(self, areas: list[tuple[int, float, float]]) -> None:
        # Means of indices at the edges: rounding once gave 100.00000000000001 (a 500 on a page).
        samples = {str(i): AreaSample(n, m, ss, "d") for i, (n, m, ss) in enumerate(areas)}
        model = estimate_areas(samples, limit=50.0, min_group_areas=1)
        assert model is not None
        for estimate in model.areas.values():
            assert 0.0 <= estimate.mean <= 100.0
            assert 0.0 <= estimate.low <= estimate.high <= 100.0

    def test_an_area_at_the_top_is_not_past_it(self) -> None:
        # Found by search: the unclamped estimate was 100.00000000000001.
        model = estimate_areas({"a": AreaSample(4, 100.0, 2335.3278450004373, "d")}, limit=50.0)
        assert model is not None and model.areas["a"].mean == 100.0

    def test_no_between_area_spread_puts_everyone_at_the_prior(self) -> None:
        samples = {k: AreaSample(2, m, 200.0) for k, m in (("a", 50.0), ("b", 30.0), ("c", 40.0))}
        model = estimate_areas(samples, limit=50.0)
        assert model is not None and model.between_var == 0.0
        assert {round(e.mean, 9) for e in model.areas.values()} == {40.0}

    def test_no_yards_no_model_and_no_figure(self) -> None:
        assert estimate_areas({"a": AreaSample(0, 0.0)}, limit=50.0) is None
        model = estimate_areas({"a": AreaSample(0, 0.0), "b": AreaSample(3, 40.0, 10)}, limit=50)
        assert model is not None and set(model.areas) == {"b"}

    def test_a_district_with_enough_areas_is_its_own_prior(self) -> None:
        samples = {f"n{i}": AreaSample(5, 60.0 + i, 900.0, "north") for i in range(5)}
        samples |= {f"s{i}": AreaSample(5, 20.0 + i, 900.0, "south") for i in range(4)}
        model = estimate_areas(samples, limit=50.0, min_group_areas=5)
        assert model is not None
        assert model.areas["n0"].prior_mean == pytest.approx(62.0)
        # Four southern areas are too few: they take the city's mean.
        assert model.areas["s0"].prior_mean == pytest.approx(model.prior_means["__city__"])

    @given(
        st.lists(
            st.tuples(st.integers(1, 40), st.floats(0, 100), st.floats(0, 5000)),
            min_size=1,
            max_size=30,
        )
    )
    def test_interval_holds_the_estimate_and_stays_in_range(
        self, rows: list[tuple[int, float, float]]
    ) -> None:
        samples = {str(i): AreaSample(n, m, ss) for i, (n, m, ss) in enumerate(rows)}
        model = estimate_areas(samples, limit=50.0)
        assert model is not None
        for e in model.areas.values():
            assert 0.0 <= e.low <= e.high <= 100.0
            assert e.low - 1e-6 <= min(max(e.mean, 0.0), 100.0) <= e.high + 1e-6
            assert 0.0 <= e.p_exceed <= 1.0


class TestBenjaminiHochberg:
    def test_hand_computed(self) -> None:
        p = {"a": 0.001, "b": 0.02, "c": 0.03, "d": 0.5}
        # m = 4, q = 0.1: thresholds 0.025, 0.05, 0.075, 0.1: a, b, c pass (step-up).
        assert benjamini_hochberg(p, 0.1) == {"a", "b", "c"}
        assert benjamini_hochberg(p, 0.01) == {"a"}
        assert benjamini_hochberg({}, 0.1) == set()


def _grid(size: int) -> dict[str, set[str]]:
    """Queen neighbours of a size x size grid of cells named 'r,c'."""
    out: dict[str, set[str]] = {}
    for r in range(size):
        for c in range(size):
            out[f"{r},{c}"] = {
                f"{r + dr},{c + dc}"
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr or dc) and 0 <= r + dr < size and 0 <= c + dc < size
            }
    return out


class TestGetisOrd:
    def test_the_hot_corner_is_found(self) -> None:
        neighbours = _grid(5)
        values = {cell: 10.0 for cell in neighbours}
        for cell in ("0,0", "0,1", "1,0", "1,1"):
            values[cell] = 90.0
        z = getis_ord_gi_star(values, neighbours)
        assert z["0,0"] > 1.96 and z["1,1"] > 1.96
        assert z["4,4"] < 0 and z["2,4"] < 1.96
        assert max(z, key=lambda cell: z[cell]) in {"0,0", "0,1", "1,0", "1,1"}

    def test_hand_computed(self) -> None:
        # Three in a row a-b-c, values 0, 0, 3: mean 1, s = sqrt(3 - 1) = sqrt(2).
        # c with b: local 3, W 2: (3 - 2) / (sqrt(2) * sqrt((3*2 - 4) / 2)) = 1/sqrt(2).
        neighbours = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
        z = getis_ord_gi_star({"a": 0.0, "b": 0.0, "c": 3.0}, neighbours)
        assert z["c"] == pytest.approx(2**-0.5)
        # a with b: local 0, W 2: (0 - 2) / (sqrt(2) * 1) = -sqrt(2).
        assert z["a"] == pytest.approx(-(2**0.5))
        # b with everyone: W = n, the denominator is 0: z 0.
        assert z["b"] == 0.0

    def test_equal_values_and_tiny_inputs_are_zero(self) -> None:
        assert getis_ord_gi_star({"a": 5.0, "b": 5.0}, {"a": {"b"}}) == {"a": 0.0, "b": 0.0}
        assert getis_ord_gi_star({"a": 5.0}, {}) == {"a": 0.0}

    @given(st.lists(st.integers(0, 100), min_size=4, max_size=16), st.floats(0.1, 50))
    def test_a_shift_changes_nothing(self, raw: list[int], shift: float) -> None:
        neighbours = _grid(4)
        cells = sorted(neighbours)[: len(raw)]
        values = {c: float(v) for c, v in zip(cells, raw, strict=False)}
        moved = {c: v + shift for c, v in values.items()}
        a, b = getis_ord_gi_star(values, neighbours), getis_ord_gi_star(moved, neighbours)
        for cell in cells:
            assert a[cell] == pytest.approx(b[cell], abs=1e-6)


class TestDisagreement:
    @pytest.mark.parametrize(
        ("residents", "inspector", "expected"),
        [(20.0, 60.0, 40.0), (60.0, 20.0, 40.0), (None, 20.0, None), (30.0, None, None)],
    )
    def test_table(
        self, residents: float | None, inspector: float | None, expected: float | None
    ) -> None:
        assert disagreement(residents, inspector) == expected


RULES = FlagRules(problem_risk=50, min_audited=3, stale_days=90)


def _estimate(p: float, low: float = 40.0, high: float = 60.0) -> AreaEstimate:
    return AreaEstimate(50.0, 5.0, low, high, p, 40.0, 0.0)


class TestClusterTests:
    def test_lonely_and_thin_areas_are_not_tested(self) -> None:
        neighbours = {cell: frozenset(n) for cell, n in _grid(5).items()}
        values = {cell: 0.0 for cell in neighbours}
        for cell in ("0,0", "0,1", "1,0", "1,1"):
            values[cell] = 3.0
        values.pop("0,1")
        values.pop("1,0")
        values.pop("1,1")  # "0,0" has no neighbour with data left
        tests = cluster_tests(
            values, neighbours, testable=set(values) - {"4,4"}, min_neighbours=2, fdr=0.1
        )
        assert "0,0" not in tests and "4,4" not in tests
        assert all(t.neighbours >= 2 for t in tests.values())

    def test_a_hot_block_passes(self) -> None:
        neighbours = {cell: frozenset(n) for cell, n in _grid(8).items()}
        values = {cell: 0.0 for cell in neighbours}
        for r in range(3):
            for c in range(3):
                values[f"{r},{c}"] = 2.5
        tests = cluster_tests(values, neighbours, testable=set(values), min_neighbours=2, fdr=0.1)
        assert tests["1,1"].significant
        assert not tests["7,7"].significant


class TestAreaFlags:
    @pytest.mark.parametrize(
        ("audited", "p", "cluster", "days_ago", "expected"),
        [
            (
                7,
                0.91,
                None,
                3,
                [("problem_area", "P(true mean ≥ 50) = 0.91 ≥ 0.8 with 7 audited yards")],
            ),
            (
                7,
                0.5,
                None,
                3,
                [
                    (
                        "needs_more_audits",
                        "P(true mean ≥ 50) = 0.50, between 0.2 and 0.8, with 7 audited yards",
                    )
                ],
            ),
            (7, 0.19, None, 3, []),
            (2, 0.99, None, 3, [("not_enough_data", "2 audited yards < 3 needed")]),
            (1, 0.99, None, 3, [("not_enough_data", "1 audited yard < 3 needed")]),
            (
                4,
                0.01,
                ClusterTest(3.1, 0.001, 4, True),
                3,
                [("cluster", "Gi* z 3.10 with 4 neighbours with data, significant at FDR 0.1")],
            ),
            (4, 0.01, ClusterTest(2.5, 0.006, 4, False), 3, []),
            # A cluster needs enough audited yards in the area itself.
            (
                2,
                0.01,
                ClusterTest(3.1, 0.001, 4, True),
                3,
                [("not_enough_data", "2 audited yards < 3 needed")],
            ),
            (4, 0.01, None, 120, [("stale", "no submission for 120 days ≥ 90")]),
            # No audited yard, no submission ever: no data, so no flag at all.
            (0, None, None, None, []),
            # Had submissions once, none audited in the period and none for long: stale only.
            (0, None, None, 200, [("stale", "no submission for 200 days ≥ 90")]),
        ],
    )
    def test_table(
        self,
        audited: int,
        p: float | None,
        cluster: ClusterTest | None,
        days_ago: int | None,
        expected: list[tuple[str, str]],
    ) -> None:
        last = None if days_ago is None else NOW - timedelta(days=days_ago)
        flags = area_flags(
            audited=audited,
            estimate=None if p is None else _estimate(p),
            cluster=cluster,
            last_submission_at=last,
            now=NOW,
            rules=RULES,
        )
        assert [(f.code, f.reason) for f in flags] == expected

    @given(st.integers(0, 50), st.floats(0, 1))
    def test_flags_on_the_figure_exclude_each_other(self, audited: int, p: float) -> None:
        codes = {
            f.code
            for f in area_flags(
                audited=audited,
                estimate=_estimate(p),
                cluster=None,
                last_submission_at=NOW,
                now=NOW,
                rules=RULES,
            )
        }
        assert len(codes & {"problem_area", "needs_more_audits", "not_enough_data"}) <= 1
        assert ("problem_area" in codes) == (audited >= 3 and p >= 0.8)
        assert ("not_enough_data" in codes) == (0 < audited < 3)

    def test_values_carry_the_numbers(self) -> None:
        flags = area_flags(
            audited=5,
            estimate=_estimate(0.9, 48.0, 66.0),
            cluster=ClusterTest(2.0234, 0.02, 3, True),
            last_submission_at=NOW - timedelta(days=91),
            now=NOW,
            rules=RULES,
        )
        assert [(f.code, f.params) for f in flags] == [
            (
                "problem_area",
                {
                    "p": 0.9,
                    "limit": 50.0,
                    "audited": 5,
                    "low": 48.0,
                    "high": 66.0,
                    "certainty": 0.8,
                },
            ),
            ("cluster", {"z": 2.0234, "neighbours": 3, "q": 0.1}),
            ("stale", {"days": 91, "limit": 90}),
        ]
