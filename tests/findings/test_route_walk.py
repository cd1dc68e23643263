"""``Router.route`` walks four plain loops: its answers are the ones the walk as it was (four
steps as lambdas over every candidate, the oracle here) gave, whatever the bodies, the
refusals and the order of the questions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.bodies.models import BodyKind
from app.findings.routing import Candidate, Route, Router

DEFAULT_DAYS = 30
ITEMS = ["lighting.at_night", "access.entrance_doors", "social.drinking", "play.surface"]


def _walked(candidates: list[Candidate], item_id: str, refused: Collection[str]) -> Route:
    """``Router.route`` as it was written before."""
    steps = (
        lambda c: c.cooperative_of_yard and item_id in c.items,
        lambda c: c.district_id is not None and not c.cooperative_of_yard and item_id in c.items,
        lambda c: c.district_id is None and item_id in c.items,
        lambda c: c.kind == BodyKind.akimat and c.district_id is not None,
    )
    for step in steps:
        for candidate in candidates:
            if candidate.body_id not in refused and step(candidate):
                days = candidate.items.get(item_id) or candidate.deadline_days
                return Route(candidate.body_id, timedelta(days=days or DEFAULT_DAYS))
    return Route(None, None)


@st.composite
def _candidates(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(0, 7))
    out = []
    for n in range(count):
        listed = draw(st.lists(st.sampled_from(ITEMS), unique=True))
        out.append(
            Candidate(
                body_id=f"body-{n}",
                kind=draw(st.sampled_from(list(BodyKind))),
                district_id=draw(st.sampled_from([None, "almaly"])),
                cooperative_of_yard=draw(st.booleans()),
                items={i: draw(st.sampled_from([None, 0, 3, 14])) for i in listed},
                deadline_days=draw(st.sampled_from([0, 5, 20])),
            )
        )
    return out


_QUESTIONS = st.lists(
    st.tuples(
        st.sampled_from([*ITEMS, "not.listed"]),
        st.lists(st.sampled_from([f"body-{n}" for n in range(8)]), max_size=4),
    ),
    max_size=25,
)


class TestRouteWalk:
    @given(candidates=_candidates(), questions=_QUESTIONS)
    def test_answers_are_the_old_walks(
        self, candidates: list[Candidate], questions: list[tuple[str, list[str]]]
    ) -> None:
        router = Router(candidates, default_deadline_days=DEFAULT_DAYS)
        # Each question twice over, in the drawn order.
        for item_id, refused in questions + questions:
            assert router.route(item_id, refused=refused) == _walked(candidates, item_id, refused)

    def test_a_refusal_is_its_own_question(self) -> None:
        district = Candidate("district", BodyKind.utility, "almaly", False, {ITEMS[0]: 4}, 9)
        akimat = Candidate("akimat", BodyKind.akimat, "almaly", False, {}, 20)
        router = Router([district, akimat], default_deadline_days=DEFAULT_DAYS)
        assert router.route(ITEMS[0]) == Route("district", timedelta(days=4))
        assert router.route(ITEMS[0], refused=["district"]) == Route("akimat", timedelta(days=20))
        assert router.route(ITEMS[0], refused=()) == Route("district", timedelta(days=4))
