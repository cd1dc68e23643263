"""Reading rendered pages with the standard library's HTML parser: inputs, labels, scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

LABELLED_ELSEWHERE = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Field:
    tag: str
    attrs: dict[str, str | None]
    in_label: bool


@dataclass
class Page(HTMLParser):
    """Collects what the tests check: fields and their labels, scripts, headings, ids."""

    fields: list[Field] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    inline_scripts: int = 0
    handlers: list[str] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    _labels_open: int = 0
    _in_script: bool = False

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if "id" in named and named["id"]:
            self.ids.append(named["id"])
        if tag == "label":
            self._labels_open += 1
            if named.get("for"):
                self.label_for.add(str(named["for"]))
        elif tag in ("input", "textarea", "select"):
            self.fields.append(Field(tag, named, in_label=self._labels_open > 0))
        elif tag == "script":
            self._in_script = True
            if not named.get("src"):
                self.inline_scripts += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels_open -= 1
        elif tag == "script":
            self._in_script = False

    def unlabelled(self) -> list[str]:
        """Fields a screen reader would announce without a name."""
        missing = []
        for f in self.fields:
            if f.tag == "input" and f.attrs.get("type") in LABELLED_ELSEWHERE:
                continue
            if f.in_label or f.attrs.get("id") in self.label_for or f.attrs.get("aria-label"):
                continue
            missing.append(str(f.attrs.get("name") or f.attrs.get("id")))
        return missing

    def values(self, name: str) -> list[str | None]:
        return [f.attrs.get("value") for f in self.fields if f.attrs.get("name") == name]

    def checked(self) -> dict[str, str]:
        return {
            str(f.attrs["name"]): str(f.attrs.get("value"))
            for f in self.fields
            if f.attrs.get("type") == "radio" and "checked" in f.attrs
        }


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def main_text(html: str) -> str:
    """The visible text of <main>, tags removed and whitespace collapsed."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())
