"""``AreaFigures.shown``: equal only when what the map shows (``as_dict``) is equal, so a
rebuilt map may reuse an area's text whenever its shown figures are equal; the map's flag
reasons write remembered numbers exactly as the formatter does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.areas.figures import AreaFigures
from app.channels.api.area_reasons import RememberingFormatter
from app.channels.web.formatting import Formatter
from app.scoring import AreaEstimate, Flag

# Values next to the shown digits' rounding boundaries (risks and shares are never negative,
# -0.0 included: sums and clamps of non-negative values); Gi* z with either sign.
NEAR = st.one_of(
    st.floats(min_value=0.0, max_value=100.0, allow_nan=False).map(abs),
    st.integers(min_value=0, max_value=10_000).map(lambda n: n / 200),
    st.sampled_from([0.0, 0.05, 0.15, 0.165, 0.0449, 0.0451, 50.049999, 50.05, 99.95]),
)
SIGNED = st.one_of(NEAR, NEAR.map(lambda v: -v), st.just(-0.001))


def _figures(mean: float, p: float, z: float | None, lighting: float, flagged: bool) -> AreaFigures:
    estimate = AreaEstimate(
        mean=mean, sd=p * 10, low=mean / 2, high=mean, p_exceed=p, prior_mean=40.0,
        standardised=0.0,
    )  # fmt: skip
    flags = (
        [Flag("problem_area", "x", (("p", p), ("low", mean / 2), ("audited", 4)))]
        if flagged
        else []
    )
    return AreaFigures(
        "a", yards_known=5, yards_audited=4, yards_inspected=1, mean_risk=mean,
        coverage_risk=mean, estimate=estimate, district_id="almaly",
        section_fail_share={"lighting": lighting / 100}, section_mean_risk={"lighting": lighting},
        gi_z=z, flags=flags,
    )  # fmt: skip


class TestShown:
    @given(
        st.tuples(NEAR, st.floats(0.0, 1.0), st.one_of(st.none(), SIGNED), NEAR, st.booleans()),
        st.tuples(NEAR, st.floats(0.0, 1.0), st.one_of(st.none(), SIGNED), NEAR, st.booleans()),
    )
    def test_equal_shown_means_equal_json(self, one: tuple, other: tuple) -> None:
        a, b = _figures(*one), _figures(*other)
        if a.shown(lambda f: f.reason) == b.shown(lambda f: f.reason):
            assert repr(a.as_dict()) == repr(b.as_dict())

    def test_a_move_below_the_shown_digits_is_not_shown(self) -> None:
        a = _figures(52.31, 0.5, 1.2, 30.0, True)
        b = _figures(52.31 + 1e-9, 0.5, 1.2 + 1e-9, 30.0, True)
        assert a.shown() == b.shown() and a.as_dict() == b.as_dict()
        assert a.shown() != _figures(52.36, 0.5, 1.2, 30.0, True).shown()

    def test_an_area_without_a_figure(self) -> None:
        empty = AreaFigures("a", yards_known=2)
        assert empty.shown() == AreaFigures("a", yards_known=2).shown()
        assert empty.shown() != AreaFigures("a", yards_known=3).shown()


class TestRememberedNumbers:
    @given(st.one_of(SIGNED, st.floats(-1e6, 1e6)), st.sampled_from([0, 1, 2]))
    def test_as_written_by_the_formatter(self, value: float, decimals: int) -> None:
        for lang in ("ru", "kk", "en"):
            remembered = RememberingFormatter(lang).number
            assert remembered(value, decimals) == Formatter(lang).number(value, decimals)
            assert remembered(value, decimals) == Formatter(lang).number(value, decimals)

    @given(
        st.one_of(
            st.floats(0, 1),
            st.integers(0, 200).map(lambda k: k / 200),  # the half-percent boundaries
            st.integers(0, 2000).map(lambda k: k / 2000 + 1e-17),
        )
    )
    def test_percents_as_written_by_the_formatter(self, fraction: float) -> None:
        for lang in ("ru", "kk", "en"):
            remembered = RememberingFormatter(lang).percent
            assert remembered(fraction) == Formatter(lang).percent(fraction)
            assert remembered(fraction) == Formatter(lang).percent(fraction)
