"""Area figures: shrinkage, Getis-Ord Gi*, disagreement and flags with their reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    FlagRules,
    area_flags,
    disagreement,
    getis_ord_gi_star,
    shrunk_risk,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)


class TestShrunkRisk:
    @pytest.mark.parametrize(
        ("n", "mean", "city", "k", "expected"),
        [
            (0, None, 40.0, 5, 40.0),  # nothing audited: the city mean
            (5, 80.0, 40.0, 5, 60.0),  # (5*80 + 5*40) / 10
            (15, 80.0, 40.0, 5, 70.0),  # (15*80 + 5*40) / 20
            (3, 70.0, 50.0, 0, 70.0),  # k = 0: no shrinkage
            (1, 100.0, 40.0, 5, 50.0),  # one bad yard barely moves it: (100 + 200) / 6
        ],
    )
    def test_table(
        self, n: int, mean: float | None, city: float, k: float, expected: float
    ) -> None:
        assert shrunk_risk(n, mean, city, k) == pytest.approx(expected)

    def test_negative_is_refused(self) -> None:
        with pytest.raises(ValueError):
            shrunk_risk(-1, 50.0, 40.0, 5)

    @given(
        n=st.integers(0, 10_000),
        mean=st.floats(0, 100),
        city=st.floats(0, 100),
        k=st.floats(0, 100),
    )
    def test_between_the_area_and_the_city(
        self, n: int, mean: float, city: float, k: float
    ) -> None:
        value = shrunk_risk(n, mean, city, k)
        assert min(mean, city) - 1e-9 <= value <= max(mean, city) + 1e-9


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


RULES = FlagRules(problem_risk=50, min_audited=3, hotspot_z=1.96, stale_days=90)


class TestAreaFlags:
    @pytest.mark.parametrize(
        ("audited", "risk", "z", "days_ago", "expected"),
        [
            (
                7,
                63.2,
                0.5,
                3,
                [("problem_area", "coverage-aware risk 63.2 ≥ 50 with 7 audited yards")],
            ),
            (7, 49.9, 0.5, 3, []),
            (2, 80.0, None, 3, [("not_enough_data", "2 audited yards < 3 needed")]),
            (1, 80.0, None, 3, [("not_enough_data", "1 audited yard < 3 needed")]),
            (4, 30.0, 2.5, 3, [("hotspot", "Gi* z 2.50 > 1.96 with its neighbours")]),
            (4, 30.0, 1.96, 3, []),
            (4, 30.0, None, 120, [("stale", "no submission for 120 days ≥ 90")]),
            # No audited yard, no submission ever: no data, so no flag at all.
            (0, None, None, None, []),
            # Had submissions once, none audited in the period and none for long: stale only.
            (0, None, None, 200, [("stale", "no submission for 200 days ≥ 90")]),
        ],
    )
    def test_table(
        self,
        audited: int,
        risk: float | None,
        z: float | None,
        days_ago: int | None,
        expected: list[tuple[str, str]],
    ) -> None:
        last = None if days_ago is None else NOW - timedelta(days=days_ago)
        flags = area_flags(
            audited=audited,
            coverage_risk=risk,
            gi_z=z,
            last_submission_at=last,
            now=NOW,
            rules=RULES,
        )
        assert [(f.code, f.reason) for f in flags] == expected

    @given(st.integers(0, 50), st.floats(0, 100))
    def test_problem_area_and_not_enough_data_exclude_each_other(
        self, audited: int, risk: float
    ) -> None:
        codes = {
            f.code
            for f in area_flags(
                audited=audited,
                coverage_risk=risk,
                gi_z=None,
                last_submission_at=NOW,
                now=NOW,
                rules=RULES,
            )
        }
        assert not {"problem_area", "not_enough_data"} <= codes
        assert ("problem_area" in codes) == (audited >= 3 and risk >= 50)
        assert ("not_enough_data" in codes) == (0 < audited < 3)

    def test_values_carry_the_numbers(self) -> None:
        flags = area_flags(
            audited=5,
            coverage_risk=56.84,
            gi_z=2.0234,
            last_submission_at=NOW - timedelta(days=91),
            now=NOW,
            rules=RULES,
        )
        assert [(f.code, f.params) for f in flags] == [
            ("problem_area", {"risk": 56.84, "limit": 50.0, "audited": 5}),
            ("hotspot", {"z": 2.0234, "limit": 1.96}),
            ("stale", {"days": 91, "limit": 90}),
        ]
