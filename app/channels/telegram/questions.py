"""One checklist question per message: its text, progress line and inline keyboard.

Callback data (at most 64 bytes) name the question's position, so a tap on an older
message, or a second tap of the same button, is recognised as stale and changes nothing.
"""

from __future__ import annotations

from html import escape

from app.channels.telegram.texts import Markup, _, button, inline
from app.checklists.loader import LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE, Item, Section
from app.checklists.vocabulary import NOT_APPLICABLE_LABEL
from app.platform.languages import Lang

ROLE = "resident"


# Per checklist version: the versions are few and never change once loaded.
_ITEMS: dict[str, tuple[tuple[Section, Item], ...]] = {}


def resident_items(loaded: LoadedChecklist) -> tuple[tuple[Section, Item], ...]:
    """The questions a resident answers, in the checklist's order (as the web form)."""
    items = _ITEMS.get(loaded.version)
    if items is None:
        items = _ITEMS[loaded.version] = tuple(
            (section, item)
            for section in loaded.checklist.sections
            for item in section.items
            if ROLE in item.roles
        )
    return items


def answer_label(item: Item, value: str, lang: Lang) -> str:
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE_LABEL.get(lang)
    option = item.option(value)
    return option.label.get(lang) if option is not None else value


def question_view(
    loaded: LoadedChecklist,
    position: int,
    *,
    answers: dict[str, str],
    photos: dict[str, str],
    lang: Lang,
) -> tuple[str, Markup]:
    """The message for the question at ``position``: progress, section, question, the answer
    given so far, and the keyboard (options, "does not apply", why, back, skip)."""
    items = resident_items(loaded)
    section, item = items[position]
    lines = [
        f"<b>{position + 1} / {len(items)}</b> · {escape(section.title.get(lang))}",
        "",
        f"<b>{escape(item.question.get(lang))}</b>",
    ]
    if item.id in answers:
        lines.append(
            _("Your answer: %(answer)s", answer=answer_label(item, answers[item.id], lang))
        )
    if item.id in photos:
        lines.append(_("📷 Photo attached."))
    else:
        lines.append(_("<i>You may send a photo for this question.</i>"))
    rows = [[button(o.label.get(lang), f"a:{position}:{i}")] for i, o in enumerate(item.options)]
    if item.allow_na:
        rows.append([button(NOT_APPLICABLE_LABEL.get(lang), f"a:{position}:n")])
    rows.append([button(_("❔ Why does it matter?"), f"w:{position}")])
    nav = []
    if position > 0:
        nav.append(button(_("← Back"), f"b:{position}"))
    nav.append(button(_("Skip →"), f"s:{position}"))
    rows.append(nav)
    return "\n".join(lines), inline(rows)


def why_text(loaded: LoadedChecklist, position: int, lang: Lang) -> str:
    _section, item = resident_items(loaded)[position]
    text = f"<b>{escape(item.question.get(lang))}</b>\n\n{escape(item.why.get(lang))}"
    if item.note is not None:
        text += f"\n\n<i>{escape(item.note.get(lang))}</i>"
    return text


def chosen_value(item: Item, choice: str) -> str | None:
    """The answer a button stands for: an option's index, or ``n`` for "does not apply"."""
    if choice == "n":
        return NOT_APPLICABLE if item.allow_na else None
    if choice.isdigit() and int(choice) < len(item.options):
        return item.options[int(choice)].value
    return None


def summary_view(
    loaded: LoadedChecklist, *, answers: dict[str, str], photos: dict[str, str], lang: Lang
) -> tuple[str, Markup]:
    """After the last question: how much was answered, and the button that sends it."""
    total = len(resident_items(loaded))
    text = _(
        "You answered %(answered)s of %(total)s questions; photos: %(photos)s. Send the checklist?",
        answered=len(answers),
        total=total,
        photos=len(photos),
    )
    rows = [
        [button(_("✅ Send the checklist"), "f")],
        [button(_("← Back"), f"b:{total}")],
    ]
    return text, inline(rows)
