"""combine_answers: a yard's consensus from several people's answers."""

import pytest

from app.scoring import (
    NOT_APPLICABLE,
    ScoringChecklist,
    ScoringItem,
    ScoringOption,
    combine_answers,
)

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
        ("lamps", "expected"),
        [
            (["dark"], "dark"),
            (["dark", "dim", "lit"], "dim"),  # median of three
            (["dark", "lit"], "lit"),  # even count: the lower middle, one alarmist cannot tip it
            (["dark", "dark", "dim", "lit"], "dim"),  # lower middle of lit, dim, dark, dark
            (["dark", "dark", "dark", "lit"], "dark"),
            (["lit", "lit", "dark"], "lit"),
            (["flickers", "dim"], "dim"),  # equal risk: the option listed first
            (["dim", "flickers"], "dim"),
            (["flickers", "flickers", "dark"], "flickers"),
            ([NA, "dark"], "dark"),  # a tie between "na" and real answers keeps the real answer
            ([NA, NA, "dark"], NA),  # more "na" than real answers
            ([NA, NA, "dark", "lit"], "lit"),  # "na" is left out of the median
            ([NA], NA),
        ],
    )
    def test_median_rule(self, lamps: list[str], expected: str) -> None:
        sets = [{"light.lamps": value} for value in lamps]
        assert combine_answers(CHECKLIST, sets) == {"light.lamps": expected}

    def test_per_item_over_those_who_answered_it(self) -> None:
        sets = [
            {"light.lamps": "dark", "access.basement": "open"},
            {"light.lamps": "dark"},
            {"access.basement": "locked", "feel.safe": "no"},
            {},
        ]
        assert combine_answers(CHECKLIST, sets) == {
            "light.lamps": "dark",
            "access.basement": "locked",
        }

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
