"""A letter in several languages at once: plain text and a simple HTML alternative.

A body in Almaty reads Russian or Kazakh; SafeYard does not know which, so a letter carries
both, Russian first, each part written in its own language (``in_language``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape

from app.platform.languages import Lang
from app.platform.translations import current_lang

ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")
# The languages of every letter, in this order.
LETTER_LANGS: tuple[Lang, ...] = ("ru", "kk")


@contextlib.contextmanager
def in_language(lang: Lang) -> Iterator[None]:
    """gettext answers in ``lang`` inside the block."""
    token = current_lang.set(lang)
    try:
        yield
    finally:
        current_lang.reset(token)


def day(moment: datetime | None) -> str:
    """A date as Almaty reads it (dd.mm.yyyy), or a dash."""
    return moment.astimezone(ALMATY).strftime("%d.%m.%Y") if moment else "—"


@dataclass
class Part:
    """One language's part: a heading, then lines of text, pairs, links and lists."""

    lang: Lang
    heading: str
    blocks: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def para(self, text: str) -> None:
        self.blocks.append(("p", (text,)))

    def pair(self, label: str, value: str | None) -> None:
        if value:
            self.blocks.append(("kv", (label, value)))

    def link(self, label: str, url: str) -> None:
        self.blocks.append(("a", (label, url)))

    def items(self, title: str, lines: list[str]) -> None:
        self.blocks.append(("ul", (title, *lines)))


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str


def write(to: str, *, subject: Callable[[], str], part: Callable[[Part], None]) -> Letter:
    """A letter to ``to`` in every letter language: ``subject()`` and ``part(p)`` are called
    once per language with gettext in that language."""
    subjects: list[str] = []
    parts: list[Part] = []
    for lang in LETTER_LANGS:
        with in_language(lang):
            subjects.append(subject())
            p = Part(lang, "")
            part(p)
            parts.append(p)
    return Letter(
        to=to,
        subject=" / ".join(dict.fromkeys(subjects)),
        text="\n\n----------\n\n".join(_text(p) for p in parts) + "\n",
        html=_html(parts),
    )


def _text(part: Part) -> str:
    lines = [part.heading, ""]
    for kind, values in part.blocks:
        if kind == "p":
            lines += [values[0], ""]
        elif kind in ("kv", "a"):
            lines.append(f"{values[0]}: {values[1]}")
        else:
            lines += ["", values[0], *(f"  - {line}" for line in values[1:]), ""]
    return "\n".join(lines).strip()


def _html_part(part: Part) -> str:
    out = [f'<section lang="{part.lang}">', f"<h2>{escape(part.heading)}</h2>"]
    pairs: list[str] = []
    for kind, values in [*part.blocks, ("end", ())]:
        if kind == "kv":
            label, value = (escape(v) for v in values)
            pairs.append(f'<tr><th align="left">{label}</th><td>{value}</td></tr>')
            continue
        if pairs:
            out.append("<table>" + "".join(pairs) + "</table>")
            pairs.clear()
        if kind == "p":
            out.append(f"<p>{escape(values[0])}</p>")
        elif kind == "a":
            label, url = (escape(v) for v in values)
            out.append(f'<p>{label}: <a href="{url}">{url}</a></p>')
        elif kind == "ul":
            rows = "".join(f"<li>{escape(line)}</li>" for line in values[1:])
            out.append(f"<h3>{escape(values[0])}</h3><ul>{rows}</ul>")
    out.append("</section>")
    return "\n".join(out)


def _html(parts: list[Part]) -> str:
    body = "\n<hr>\n".join(_html_part(p) for p in parts)
    head = '<!doctype html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n{body}\n</body></html>\n"
