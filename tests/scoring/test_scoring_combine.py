"""combine_answers: a yard's consensus from several people's answers."""

import pytest

from app.scoring import (
    NOT_APPLICABLE,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
    combine_answers,
    score_answers,
)
from app.scoring.combine import combine, consensus_interval, score_combined, t90

NA = NOT_APPLICABLE

LAMPS = ScoringItem(
    "light.lamps",
    "light",
    2.0,
    False,
    (
        ScoringOption("lit", 0.0),
        ScoringOption("dim", 0.5),
        ScoringOption("flickers", 0.5),  # same risk as "dim", listed after it
        ScoringOption("dark", 1.0),
    ),
)
BASEMENT = ScoringItem(
    "access.basement",
    "access",
    3.0,
    True,
    (ScoringOption("locked", 0.0), ScoringOption("open", 1.0)),
)
CHECKLIST = ScoringChecklist("2026.1", ("light", "access"), (LAMPS, BASEMENT))


class TestCombineAnswers:
    @pytest.mark.parametrize(
        ("lamps", "shown", "risk"),
        [
            (["dark"], "dark", None),
            (["dark", "dim", "lit"], "dim", None),  # median of three
            # Even count: the mean of the two middle risks (0.5 is an option's risk, so it
            # shows as that option), neither the safer nor the riskier of the two.
            (["dark", "lit"], "dim", None),
            # lit, dim, dark, dark: between dim (0.5) and dark (1.0) -> 0.75, shown as the
            # riskier of the two nearest options.
            (["dark", "dark", "dim", "lit"], "dark", 0.75),
            (["dark", "dark", "dark", "lit"], "dark", None),
            (["lit", "lit", "dark"], "lit", None),
            (["flickers", "dim"], "dim", None),  # equal risk: the option listed first
            (["dim", "flickers"], "dim", None),
            (["flickers", "flickers", "dark"], "flickers", None),
            ([NA, "dark"], "dark", None),  # a tie between "na" and real answers: real answer
            ([NA, NA, "dark"], NA, None),  # more "na" than real answers
            ([NA, NA, "dark", "lit"], "dim", None),  # "na" is left out of the median
            ([NA], NA, None),
        ],
    )
    def test_median_rule(self, lamps: list[str], shown: str, risk: float | None) -> None:
        sets = [{"light.lamps": value} for value in lamps]
        found = combine(CHECKLIST, sets)
        assert found.answers == {"light.lamps": shown}
        assert found.risks == ({} if risk is None else {"light.lamps": risk})
        assert combine_answers(CHECKLIST, sets) == found.answers

    def test_two_options_between_is_their_mean(self) -> None:
        found = combine(CHECKLIST, [{"access.basement": "open"}, {"access.basement": "locked"}])
        # Shown as the riskier (an item that adds risk never shows a safe answer).
        assert found.answers == {"access.basement": "open"}
        assert found.risks == {"access.basement": 0.5}
        score = score_combined(CHECKLIST, found.answers, found.risks)
        assert score.risk_index == 50.0
        assert score.critical_failed == ()  # half an open basement is not a failed critical item
        assert score.band == "high"
        assert [f.risk for f in score.factors] == [0.5]
        assert score.factors[0].index_if_fixed == 0.0

    def test_per_item_over_those_who_answered_it(self) -> None:
        sets = [
            {"light.lamps": "dark", "access.basement": "open"},
            {"light.lamps": "dark"},
            {"access.basement": "locked", "feel.safe": "no"},
            {},
        ]
        found = combine(CHECKLIST, sets)
        assert found.answers == {"light.lamps": "dark", "access.basement": "open"}
        assert found.risks == {"access.basement": 0.5}  # open and locked: half way

    def test_no_sets_no_answers(self) -> None:
        assert combine_answers(CHECKLIST, []) == {}

    def test_a_single_set_is_returned_as_is(self) -> None:
        answers = {"light.lamps": "flickers", "access.basement": NA}
        assert combine_answers(CHECKLIST, [answers]) == answers

    def test_order_of_sets_does_not_matter(self) -> None:
        sets = [{"light.lamps": v} for v in ("dark", "flickers", "dim", "lit")]
        assert combine_answers(CHECKLIST, sets) == combine_answers(CHECKLIST, sets[::-1])

    def test_unknown_value_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"'access\.basement'.*'ajar'"):
            combine_answers(CHECKLIST, [{"access.basement": "ajar"}])


class TestScoreCombined:
    def test_without_risks_it_is_score_answers(self) -> None:
        answers = {"light.lamps": "dim", "access.basement": "locked"}
        assert score_combined(CHECKLIST, answers, {}) == score_answers(CHECKLIST, answers)

    def test_a_risk_out_of_range_is_refused(self) -> None:
        with pytest.raises(ValueError, match="within 0..1"):
            score_combined(CHECKLIST, {"light.lamps": "dim"}, {"light.lamps": 1.5})

    def test_one_safest_one_riskiest_is_half_way(self) -> None:
        best = {"light.lamps": "lit", "access.basement": "locked"}
        worst = {"light.lamps": "dark", "access.basement": "open"}
        found = combine(CHECKLIST, [best, worst])
        assert score_combined(CHECKLIST, found.answers, found.risks).risk_index == 50.0


class TestConsensusInterval:
    def test_one_check_has_none(self) -> None:
        assert consensus_interval(40.0, [40.0]) is None
        assert consensus_interval(40.0, []) is None

    def test_two_checks_by_hand(self) -> None:
        # mean 40, s = sqrt(200) = 14.142, se = 10, t(0.9, 1) = 3.078 -> 40 -/+ 30.78
        assert consensus_interval(40.0, [30.0, 50.0]) == (9.2, 70.8)

    def test_three_checks_clip_at_100(self) -> None:
        low, high = consensus_interval(95.0, [80.0, 90.0, 100.0]) or (0, 0)
        # s = 10, se = 5.774, t(0.9, 2) = 1.886 -> 10.89
        assert (low, high) == (84.1, 100.0)

    def test_t_table(self) -> None:
        assert t90(1) == 3.078 and t90(20) == 1.325 and t90(22) == 1.325 and t90(500) < 1.29
        with pytest.raises(ValueError):
            t90(0)
