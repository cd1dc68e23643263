"""Hypothesis properties of score_answers and combine_answers on generated checklists."""

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    NOT_APPLICABLE,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
    combine_answers,
    publish,
    score_answers,
)
from app.scoring.combine import combine, middle_risk, score_combined

ROLES = ("resident", "inspector", "cooperative")
# Options are drawn by position, not by value, so the strategies stay independent of names.
SKIP = "<unanswered>"


@st.composite
def scoring_items(draw: st.DrawFn, item_id: str, section: str) -> ScoringItem:
    """An item weighing 0.5-3 with 2-4 options: one at 0.0, one at 1.0, the rest in between."""
    middle = draw(st.lists(st.floats(0.0, 1.0), min_size=0, max_size=2))
    risks = draw(st.permutations([0.0, 1.0, *middle]))
    return ScoringItem(
        id=item_id,
        section=section,
        weight=draw(st.floats(0.5, 3.0)),
        critical=draw(st.booleans()),
        options=tuple(ScoringOption(f"o{n}", risk) for n, risk in enumerate(risks)),
        roles=draw(st.frozensets(st.sampled_from(ROLES), min_size=1)),
    )


@st.composite
def checklists(draw: st.DrawFn) -> ScoringChecklist:
    """A checklist of 1-4 sections with 1-5 items each."""
    sections = tuple(f"s{n}" for n in range(draw(st.integers(1, 4))))
    items = [
        draw(scoring_items(f"{section}.i{n}", section))
        for section in sections
        for n in range(draw(st.integers(1, 5)))
    ]
    return ScoringChecklist(version="2026.1", sections=sections, items=tuple(items))


@st.composite
def answer_sets(
    draw: st.DrawFn, checklist: ScoringChecklist, role: str | None = None
) -> dict[str, str]:
    """Answers for the items ``role`` may answer: an option, "na", or nothing; plus noise."""
    answers: dict[str, str] = {}
    for item in checklist.items:
        if role is not None and role not in item.roles:
            continue
        value = draw(st.sampled_from([SKIP, NOT_APPLICABLE, *(o.value for o in item.options)]))
        if value != SKIP:
            answers[item.id] = value
    if draw(st.booleans()):
        answers["feel.safe"] = "rather_not"  # an unscored item: must be ignored
    return answers


@st.composite
def checklist_and_answers(draw: st.DrawFn) -> tuple[ScoringChecklist, dict[str, str]]:
    checklist = draw(checklists())
    return checklist, draw(answer_sets(checklist))


def applicable(checklist: ScoringChecklist, answers: Mapping[str, str]) -> list[ScoringItem]:
    return [i for i in checklist.items if i.id in answers and answers[i.id] != NOT_APPLICABLE]


def answered_risks(checklist: ScoringChecklist, answers: Mapping[str, str]) -> list[float]:
    return [i.risk_of(answers[i.id]) or 0.0 for i in applicable(checklist, answers)]


class TestScoreAnswersProperties:
    @given(checklist_and_answers())
    def test_bounded(self, case: tuple[ScoringChecklist, dict[str, str]]) -> None:
        checklist, answers = case
        result = score_answers(checklist, answers)
        indices = [result.risk_index] + [s.risk_index for s in result.sections]
        assert all(i is None or 0.0 <= i <= 100.0 for i in indices)
        assert 0.0 <= result.completeness <= 1.0
        assert all(0.0 <= s.completeness <= 1.0 for s in result.sections)

    @given(checklist_and_answers())
    def test_index_is_a_weighted_mean(self, case: tuple[ScoringChecklist, dict[str, str]]) -> None:
        checklist, answers = case
        result = score_answers(checklist, answers)
        risks = answered_risks(checklist, answers)
        if not risks:
            assert (result.risk_index, result.band, result.factors) == (None, None, ())
            return
        assert result.risk_index is not None
        assert publish(min(risks) * 100) <= result.risk_index <= publish(max(risks) * 100)

    @given(checklist_and_answers(), st.data())
    def test_fixing_an_item_never_raises_the_index(
        self, case: tuple[ScoringChecklist, dict[str, str]], data: st.DataObject
    ) -> None:
        checklist, answers = case
        items = applicable(checklist, answers)
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        current = item.risk_of(answers[item.id])
        assert current is not None
        better = data.draw(st.sampled_from([o for o in item.options if o.risk <= current]))
        before = score_answers(checklist, answers)
        after = score_answers(checklist, {**answers, item.id: better.value})
        assert before.risk_index is not None and after.risk_index is not None
        assert after.risk_index <= before.risk_index

    @given(checklist_and_answers(), st.data())
    def test_independent_of_answer_order(
        self, case: tuple[ScoringChecklist, dict[str, str]], data: st.DataObject
    ) -> None:
        checklist, answers = case
        shuffled = dict(data.draw(st.permutations(list(answers.items()))))
        assert score_answers(checklist, shuffled) == score_answers(checklist, answers)

    @given(checklist_and_answers())
    def test_all_safe_is_zero_and_all_worst_is_hundred(
        self, case: tuple[ScoringChecklist, dict[str, str]]
    ) -> None:
        checklist, answers = case
        # Keep which items were answered or "na", move every real answer to an extreme.
        items = applicable(checklist, answers)
        safe = {**answers, **{i.id: i.best_option.value for i in items}}
        worst = {**answers, **{i.id: i.worst_option.value for i in items}}
        expected_safe = (0.0, "low") if items else (None, None)
        expected_worst = (100.0, "critical") if items else (None, None)
        safe_result, worst_result = score_answers(checklist, safe), score_answers(checklist, worst)
        assert (safe_result.risk_index, safe_result.band) == expected_safe
        assert (worst_result.risk_index, worst_result.band) == expected_worst
        assert safe_result.factors == () and safe_result.critical_failed == ()
        assert worst_result.critical_failed == tuple(i.id for i in items if i.critical)

    @given(checklists(), st.sampled_from(ROLES), st.data())
    def test_completeness_by_role_in_0_1(
        self, checklist: ScoringChecklist, role: str, data: st.DataObject
    ) -> None:
        # Answers of the role only, or of everyone (a yard consensus scored for one role).
        answers = data.draw(answer_sets(checklist, data.draw(st.sampled_from([role, None]))))
        result = score_answers(checklist, answers, role=role)
        assert 0.0 <= result.completeness <= 1.0
        assert all(0.0 <= s.completeness <= 1.0 for s in result.sections)
        mine = [i for i in checklist.items if role in i.roles]
        if mine and all(i.id in answers for i in mine):
            assert result.completeness == 1.0
        assert sum(s.items for s in result.sections) == len(mine)

    @given(checklist_and_answers())
    def test_critical_failure_means_at_least_high(
        self, case: tuple[ScoringChecklist, dict[str, str]]
    ) -> None:
        result = score_answers(*case)
        if result.critical_failed:
            assert result.band in ("high", "critical")

    @given(checklist_and_answers())
    def test_factors_and_fix_plan_are_consistent(
        self, case: tuple[ScoringChecklist, dict[str, str]]
    ) -> None:
        result = score_answers(*case)
        keys = [(-f.points, f.item_id) for f in result.factors]
        assert keys == sorted(keys)
        assert all(f.risk > 0 for f in result.factors)
        if result.risk_index is None:
            return
        assert all(f.index_if_fixed <= result.risk_index for f in result.factors)
        # Points add up to the index, give or take the rounding of each published figure.
        total = sum(f.points for f in result.factors)
        assert abs(total - result.risk_index) <= 0.05 * (len(result.factors) + 1)
        plan = result.fix_plan(len(result.factors))
        assert [s.item_id for s in plan] == [f.item_id for f in result.factors]
        indices = [result.risk_index] + [s.index_after for s in plan]
        assert indices == sorted(indices, reverse=True)
        if plan:  # every generated item has a 0.0 option: fixing all of them leaves nothing
            assert (plan[-1].index_after, plan[-1].band_after) == (0.0, "low")
            assert plan[0].index_after == result.factors[0].index_if_fixed

    @given(checklist_and_answers())
    def test_what_if_figures_match_a_rescore(
        self, case: tuple[ScoringChecklist, dict[str, str]]
    ) -> None:
        checklist, answers = case
        result = score_answers(checklist, answers)
        fixed = dict(answers)
        for factor, step in zip(result.factors, result.fix_plan(len(result.factors)), strict=True):
            best = checklist.by_id[factor.item_id].best_option.value
            alone = score_answers(checklist, {**answers, factor.item_id: best})
            assert factor.index_if_fixed == alone.risk_index
            fixed[factor.item_id] = best
            cumulative = score_answers(checklist, fixed)
            assert (step.index_after, step.band_after) == (cumulative.risk_index, cumulative.band)


class TestPublishProperties:
    @given(st.floats(0.0, 100.0) | st.integers(0, 2000).map(lambda n: n / 20))
    def test_fast_path_agrees_with_decimal_rounding(self, value: float) -> None:
        # n / 20 hits every exact half (x.x5) and its float neighbourhood.
        expected = float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        assert publish(value) == expected

    @given(st.floats(0.0, 100.0), st.floats(0.0, 100.0))
    def test_monotonic(self, a: float, b: float) -> None:
        low, high = sorted((a, b))
        assert publish(low) <= publish(high)


class TestCombineAnswersProperties:
    @given(checklist_and_answers())
    def test_a_single_set_is_itself(self, case: tuple[ScoringChecklist, dict[str, str]]) -> None:
        checklist, answers = case
        scored = {k: v for k, v in answers.items() if checklist.item(k) is not None}
        assert combine_answers(checklist, [answers]) == scored

    @given(checklists(), st.data())
    def test_each_result_lies_within_the_given_answers(
        self, checklist: ScoringChecklist, data: st.DataObject
    ) -> None:
        sets = data.draw(st.lists(answer_sets(checklist), max_size=6))
        found = combine(checklist, sets)
        for item in checklist.items:
            given_answers = [s[item.id] for s in sets if item.id in s]
            if not given_answers:
                assert item.id not in found.answers
                continue
            shown = found.answers[item.id]
            assert shown == NOT_APPLICABLE or item.risk_of(shown) is not None
            real = [r for r in (item.risk_of(v) for v in given_answers) if r is not None]
            risk = found.risks.get(item.id, item.risk_of(shown))
            if shown != NOT_APPLICABLE:
                assert risk is not None and min(real) <= risk <= max(real)

    @given(checklists(), st.data())
    def test_median_and_na_rule(self, checklist: ScoringChecklist, data: st.DataObject) -> None:
        sets = data.draw(st.lists(answer_sets(checklist), min_size=1, max_size=7))
        found = combine(checklist, sets)
        for item in checklist.items:
            values = [s[item.id] for s in sets if item.id in s]
            real = [item.risk_of(v) for v in values if v != NOT_APPLICABLE]
            risks = [r for r in real if r is not None]
            if len(values) - len(risks) > len(risks):
                assert found.answers[item.id] == NOT_APPLICABLE
            elif risks:
                # The median risk, the mean of the two middle ones on an even count.
                chosen = found.risks.get(item.id, item.risk_of(found.answers[item.id]))
                assert chosen == middle_risk(risks)

    @given(checklists(), st.data())
    def test_independent_of_set_order(
        self, checklist: ScoringChecklist, data: st.DataObject
    ) -> None:
        sets = data.draw(st.lists(answer_sets(checklist), max_size=6))
        shuffled = data.draw(st.permutations(sets))
        assert combine_answers(checklist, shuffled) == combine_answers(checklist, sets)


class TestScoreCombinedProperties:
    @given(checklists(), st.sampled_from([None, *ROLES]), st.data())
    def test_a_risk_between_options_scores_as_one_more_option(
        self, checklist: ScoringChecklist, role: str | None, data: st.DataObject
    ) -> None:
        # score_combined no longer copies the checklist with an option at each consensus
        # risk; it must give what that copy gives, fix plan included.
        answers = data.draw(answer_sets(checklist))
        risks = {
            k: data.draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0.0, 1.0))
            for k in answers
            if data.draw(st.booleans())
        }
        # replace() keeps any field a later checklist model adds to items.
        between = replace(
            checklist,
            items=tuple(
                replace(i, options=(*i.options, ScoringOption("~between", risks[i.id])))
                if i.id in risks
                else i
                for i in checklist.items
            ),
        )
        scored = {k: ("~between" if k in risks else v) for k, v in answers.items()}
        expected = score_answers(between, scored, role=role)
        found = score_combined(checklist, answers, risks, role=role)
        assert found == expected
        assert found.fix_plan(5) == expected.fix_plan(5)
