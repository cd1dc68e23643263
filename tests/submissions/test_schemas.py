"""The answers' fast path (``_plain_answers``) reads a body exactly as the full validation
does: the same dict for a good one, the same errors (type, place, message) for a bad one."""

from __future__ import annotations

from typing import Annotated, Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from app.submissions.schemas import Answers, ItemId, OptionValue

# The field as it was declared before the fast path.
FULL = TypeAdapter(Annotated[dict[ItemId, OptionValue], Field(max_length=200)])
FAST = TypeAdapter(Answers)

# Around every boundary: empty, the length limits, control characters, surrogates, non-str.
TEXT = st.one_of(
    st.text(alphabet="ab_\x00\x1f\x7f\x9f\t\u200dЖ", min_size=0, max_size=3),
    st.text(alphabet="abc", min_size=38, max_size=42),
    st.text(alphabet="abc", min_size=78, max_size=82),
    st.sampled_from(["\ud800", "ok\udfff", "lighting_1", "yes"]),
)
VALUE = st.one_of(TEXT, TEXT, TEXT, st.integers(), st.booleans(), st.none(), st.floats())


def outcome(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return ("ok", adapter.validate_python(value))
    except ValidationError as exc:
        return ("errors", exc.errors(include_url=False))


class TestPlainAnswers:
    @settings(max_examples=400)
    @given(st.dictionaries(TEXT, VALUE, max_size=6))
    def test_same_as_the_full_validation(self, answers: dict[str, Any]) -> None:
        assert outcome(FAST, answers) == outcome(FULL, answers)

    @settings(max_examples=50)
    @given(st.integers(min_value=195, max_value=205))
    def test_the_count_limit(self, count: int) -> None:
        answers = {f"item_{i}": "yes" for i in range(count)}
        assert outcome(FAST, answers) == outcome(FULL, answers)

    def test_not_a_dict(self) -> None:
        for value in [None, [], "x", [("a", "b")], 3]:
            assert outcome(FAST, value) == outcome(FULL, value)

    def test_a_clean_body_is_a_new_equal_dict(self) -> None:
        answers = {"lighting_1": "yes", "b": "no"}
        read = FAST.validate_python(answers)
        assert read == answers and read is not answers
        assert list(read) == list(answers)
