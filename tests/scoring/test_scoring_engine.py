"""score_answers, band_for and publish on a small hand-built checklist.

The checklist (total weight 10):

    light.lamps      weight 2             lit 0.0 | dim 0.5 | dark 1.0
    light.paths      weight 1             lit 0.0 | dark 1.0       inspectors only
    access.basement  weight 3  critical   locked 0.0 | open 1.0
    access.doors     weight 4             ok 0.0 | worn 0.25 | broken 1.0   not inspectors

Every expected number below is worked out by hand in the comment beside it.
"""

import dataclasses

import pytest

from app.scoring import (
    BAND_CUTOFFS,
    NOT_APPLICABLE,
    SCORING_VERSION,
    Band,
    FixStep,
    ScoreResult,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
    band_for,
    publish,
    score_answers,
)

NA = NOT_APPLICABLE


def option_set(*pairs: tuple[str, float]) -> tuple[ScoringOption, ...]:
    return tuple(ScoringOption(value, risk) for value, risk in pairs)


CHECKLIST = ScoringChecklist(
    version="2026.1",
    sections=("light", "access"),
    items=(
        ScoringItem(
            "light.lamps", "light", 2.0, False, option_set(("lit", 0), ("dim", 0.5), ("dark", 1))
        ),
        ScoringItem(
            "light.paths",
            "light",
            1.0,
            False,
            option_set(("lit", 0), ("dark", 1)),
            roles=frozenset({"inspector"}),
        ),
        ScoringItem("access.basement", "access", 3.0, True, option_set(("locked", 0), ("open", 1))),
        ScoringItem(
            "access.doors",
            "access",
            4.0,
            False,
            option_set(("ok", 0), ("worn", 0.25), ("broken", 1)),
            roles=frozenset({"resident", "cooperative"}),
        ),
    ),
)

ALL_SAFE = {
    "light.lamps": "lit",
    "light.paths": "lit",
    "access.basement": "locked",
    "access.doors": "ok",
}
ALL_WORST = {
    "light.lamps": "dark",
    "light.paths": "dark",
    "access.basement": "open",
    "access.doors": "broken",
}
# lamps 2*1 + paths 1*1 + basement 3*0 + doors 4*0.25 = 4 over weight 10 -> 40.0
MIXED = {
    "light.lamps": "dark",
    "light.paths": "dark",
    "access.basement": "locked",
    "access.doors": "worn",
}


class TestBandFor:
    @pytest.mark.parametrize(
        ("index", "band"),
        [
            (0.0, "low"),
            (24.9, "low"),
            (25.0, "moderate"),
            (49.9, "moderate"),
            (50.0, "high"),
            (74.9, "high"),
            (75.0, "critical"),
            (100.0, "critical"),
        ],
    )
    def test_cut_offs(self, index: float, band: Band) -> None:
        assert band_for(index) == band

    @pytest.mark.parametrize(
        ("index", "band"),
        [(0.0, "high"), (24.9, "high"), (25.0, "high"), (50.0, "high"), (75.0, "critical")],
    )
    def test_a_failed_critical_item_means_at_least_high(self, index: float, band: Band) -> None:
        assert band_for(index, critical_failed=True) == band

    @pytest.mark.parametrize("index", [-0.1, 100.1, float("nan")])
    def test_outside_0_100_is_refused(self, index: float) -> None:
        with pytest.raises(ValueError, match="0..100"):
            band_for(index)

    def test_cut_offs_are_documented_lower_bounds(self) -> None:
        assert dict(BAND_CUTOFFS) == {"low": 0, "moderate": 25, "high": 50, "critical": 75}


class TestPublish:
    @pytest.mark.parametrize(
        ("value", "published"),
        [
            (62.25, 62.3),  # round() would give 62.2 (half to even)
            (0.05, 0.1),
            (44.2857142857, 44.3),
            (24.96, 25.0),
            (100.0, 100.0),
            (0.0, 0.0),
        ],
    )
    def test_one_decimal_half_up(self, value: float, published: float) -> None:
        assert publish(value) == published


class TestScoreAnswers:
    def test_all_safe_is_zero(self) -> None:
        result = score_answers(CHECKLIST, ALL_SAFE)
        assert (result.risk_index, result.band, result.factors) == (0.0, "low", ())
        assert result.fix_plan() == ()

    def test_all_worst_is_hundred(self) -> None:
        result = score_answers(CHECKLIST, ALL_WORST)
        assert (result.risk_index, result.band) == (100.0, "critical")
        assert result.critical_failed == ("access.basement",)

    def test_versions_are_stamped(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        assert (result.checklist_version, result.scoring_version) == ("2026.1", SCORING_VERSION)

    def test_weighted_mean(self) -> None:
        assert score_answers(CHECKLIST, MIXED).risk_index == 40.0

    @pytest.mark.parametrize(
        ("answers", "index"),
        [
            # basement 3*1 over weight 3+4 (lamps "na" leaves the denominator) -> 42.857 -> 42.9
            ({"light.lamps": NA, "access.basement": "open", "access.doors": "ok"}, 42.9),
            # the same with lamps unanswered
            ({"access.basement": "open", "access.doors": "ok"}, 42.9),
            # lamps answered safe stays in: 3 over 2+3+4 -> 33.333 -> 33.3
            ({"light.lamps": "lit", "access.basement": "open", "access.doors": "ok"}, 33.3),
            # all "na": nothing applicable
            ({"light.lamps": NA, "access.basement": NA}, None),
            ({}, None),
        ],
    )
    def test_na_and_unanswered_leave_the_denominator(
        self, answers: dict[str, str], index: float | None
    ) -> None:
        assert score_answers(CHECKLIST, answers).risk_index == index

    def test_nothing_applicable_has_no_band(self) -> None:
        result = score_answers(CHECKLIST, {"light.lamps": NA})
        assert (result.risk_index, result.band, result.factors) == (None, None, ())
        assert result.completeness == 0.2  # 2 of 10 answered ("na" counts as answered)

    @pytest.mark.parametrize(
        ("role", "answers", "completeness"),
        [
            (None, {}, 0.0),
            (None, ALL_SAFE, 1.0),
            (None, {"light.lamps": NA, "access.basement": "open", "access.doors": "ok"}, 0.9),
            # residents may answer lamps, basement, doors (2+3+4=9); answered 2+3
            ("resident", {"light.lamps": "dim", "access.basement": "open"}, 5 / 9),
            # inspectors may answer lamps, paths, basement (2+1+3=6); answered 2
            ("inspector", {"light.lamps": NA}, 2 / 6),
            ("cooperative", {"light.lamps": "lit", "access.basement": "locked"}, 5 / 9),
        ],
    )
    def test_completeness_by_weight_and_role(
        self, role: str | None, answers: dict[str, str], completeness: float
    ) -> None:
        result = score_answers(CHECKLIST, answers, role=role)
        assert result.completeness == pytest.approx(completeness)

    def test_role_limits_section_item_counts(self) -> None:
        result = score_answers(CHECKLIST, {"light.lamps": "lit"}, role="inspector")
        light, access = result.sections
        assert (light.items, light.answered, light.completeness) == (2, 1, 2 / 3)
        assert (access.items, access.answered, access.completeness) == (1, 0, 0.0)

    def test_an_answer_outside_the_role_is_scored_but_not_counted(self) -> None:
        # residents may not answer paths, but a yard's consensus may carry an inspector's or
        # cooperative's answer: lamps 2*0 + paths 1*1 over 3 -> 33.3; completeness 2 of 9
        answers = {"light.lamps": "lit", "light.paths": "dark"}
        result = score_answers(CHECKLIST, answers, role="resident")
        assert (result.risk_index, result.completeness) == (33.3, 2 / 9)
        light = result.sections[0]
        assert (light.risk_index, light.answered, light.items, light.completeness) == (
            33.3,
            1,
            1,
            1.0,
        )

    def test_unknown_items_are_ignored(self) -> None:
        with_extra = {**MIXED, "feel.safe": "rather_not", "retired.item": "whatever"}
        assert score_answers(CHECKLIST, with_extra) == score_answers(CHECKLIST, MIXED)

    def test_unknown_value_names_item_and_value(self) -> None:
        with pytest.raises(ValueError, match=r"'light\.lamps'.*'purple'"):
            score_answers(CHECKLIST, {"light.lamps": "purple"})

    def test_section_scores(self) -> None:
        light, access = score_answers(CHECKLIST, MIXED).sections
        # light: (2*1 + 1*1) / 3 -> 100.0; access: (3*0 + 4*0.25) / 7 = 14.285 -> 14.3
        assert (light.section, light.risk_index, light.completeness) == ("light", 100.0, 1.0)
        assert (access.section, access.risk_index, access.completeness) == ("access", 14.3, 1.0)
        assert (light.answered, light.items, access.answered, access.items) == (2, 2, 2, 2)

    def test_section_without_applicable_answers_has_no_index(self) -> None:
        light, access = score_answers(CHECKLIST, {"light.lamps": NA, "access.doors": "ok"}).sections
        assert (light.risk_index, light.answered, light.completeness) == (None, 1, 2 / 3)
        assert (access.risk_index, access.completeness) == (0.0, 4 / 7)

    def test_critical_rule_lifts_band(self) -> None:
        # basement 3*1 over 10 -> 30.0, "moderate" by the cut-offs, "high" by the critical rule
        answers = {**ALL_SAFE, "access.basement": "open"}
        result = score_answers(CHECKLIST, answers)
        assert (result.risk_index, result.band) == (30.0, "high")
        assert result.critical_failed == ("access.basement",)

    def test_band_follows_the_published_index(self) -> None:
        item = ScoringItem("x.y", "x", 1.0, False, option_set(("a", 0), ("b", 0.2496), ("c", 1)))
        result = score_answers(ScoringChecklist("1", ("x",), (item,)), {"x.y": "b"})
        # 24.96 is published as 25.0, so the band must say "moderate", not "low"
        assert (result.risk_index, result.band) == (25.0, "moderate")


class TestFactors:
    def test_order_by_points_then_id(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        # lamps 100*2*1/10 = 20; doors 100*4*0.25/10 = 10; paths 100*1*1/10 = 10 (tie: by id)
        assert [(f.item_id, f.points) for f in result.factors] == [
            ("light.lamps", 20.0),
            ("access.doors", 10.0),
            ("light.paths", 10.0),
        ]

    def test_index_if_fixed_keeps_the_denominator(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        # fixing lamps: (4 - 2) / 10 -> 20.0; doors or paths: (4 - 1) / 10 -> 30.0
        assert [f.index_if_fixed for f in result.factors] == [20.0, 30.0, 30.0]

    def test_factor_fields(self) -> None:
        doors = score_answers(CHECKLIST, MIXED).factors[1]
        assert (doors.section, doors.weight, doors.risk, doors.critical) == (
            "access",
            4.0,
            0.25,
            False,
        )

    def test_safe_and_na_answers_are_not_factors(self) -> None:
        answers = {"light.lamps": NA, "access.basement": "locked", "access.doors": "worn"}
        assert [f.item_id for f in score_answers(CHECKLIST, answers).factors] == ["access.doors"]

    @pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 1), (2, 2), (5, 3)])
    def test_top_factors(self, n: int, expected: int) -> None:
        result = score_answers(CHECKLIST, MIXED)
        assert result.top_factors(n) == result.factors[:expected]

    def test_top_factors_default_is_five(self) -> None:
        result = score_answers(CHECKLIST, ALL_WORST)
        assert len(result.top_factors()) == 4

    def test_negative_n_is_refused(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        with pytest.raises(ValueError):
            result.top_factors(-1)
        with pytest.raises(ValueError):
            result.fix_plan(-1)


class TestFixPlan:
    def test_cumulative_arithmetic(self) -> None:
        # 40.0; fix lamps: 4-2 = 2 -> 20.0 low; then doors: 2-1 = 1 -> 10.0; then paths: 0 -> 0.0
        assert score_answers(CHECKLIST, MIXED).fix_plan() == (
            FixStep("light.lamps", 20.0, "low"),
            FixStep("access.doors", 10.0, "low"),
            FixStep("light.paths", 0.0, "low"),
        )

    def test_a_result_built_by_hand_has_no_plan(self) -> None:
        result = ScoreResult("2026.1", SCORING_VERSION, 40.0, "moderate", 1.0, (), (), ())
        assert result.fix_plan() == ()

    def test_plan_stays_out_of_fields(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        assert "_plan" not in dataclasses.asdict(result)
        assert dataclasses.replace(result).fix_plan() == ()

    def test_n_limits_the_plan(self) -> None:
        result = score_answers(CHECKLIST, MIXED)
        assert [s.item_id for s in result.fix_plan(1)] == ["light.lamps"]
        assert result.fix_plan(10) == result.fix_plan(3)

    def test_fixing_the_critical_item_lifts_the_floor(self) -> None:
        # lamps 2*0.5 + basement 3*1 + doors 4*1 = 8 over 9 (paths unanswered) -> 88.9 critical
        answers = {"light.lamps": "dim", "access.basement": "open", "access.doors": "broken"}
        result = score_answers(CHECKLIST, answers)
        assert (result.risk_index, result.band) == (88.9, "critical")
        # doors 44.4 pts first: 4 left -> 44.4, still "high" because the basement is open;
        # basement next: 1 left -> 11.1, and with the basement fixed the band is "low";
        # lamps last: 0.0
        assert result.fix_plan() == (
            FixStep("access.doors", 44.4, "high"),
            FixStep("access.basement", 11.1, "low"),
            FixStep("light.lamps", 0.0, "low"),
        )
