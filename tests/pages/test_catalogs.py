"""The interface catalogs are complete: every message in the code and templates has a Russian
and a Kazakh translation, with the same placeholders."""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.platform.config import PROJECT_ROOT
from app.platform.translations import CATALOGS, read_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


@cache
def source_messages() -> frozenset[str]:
    """The msgids (singular) in the code and templates now, as `pybabel extract` finds them."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return frozenset(found)


def catalog(lang: str) -> Catalog:
    merged = read_catalog(lang)
    assert merged is not None, f"no catalog for {lang}"
    return merged


def names(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


@pytest.mark.parametrize("lang", ["ru", "kk"])
class TestCatalog:
    def test_every_message_is_translated(self, lang: str) -> None:
        translated = {
            key(m): m
            for m in catalog(lang)
            if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
        missing = sorted(source_messages() - set(translated))
        assert missing == [], (
            f"untranslated in {lang} (run pybabel extract/update, then translate): {missing[:10]}"
        )

    def test_placeholders_match(self, lang: str) -> None:
        for m in catalog(lang):
            if not m.id or not m.string:
                continue
            if isinstance(m.id, tuple):
                wanted = names(m.id[1]) - {"num"}
                for form in m.string:
                    assert wanted <= names(form) <= names(m.id[0]) | names(m.id[1]), (lang, m.id)
            else:
                assert names(m.string) == names(m.id), (lang, m.id)


class TestKazakh:
    def test_is_written_with_kazakh_letters(self) -> None:
        texts = [m.string for m in catalog("kk") if m.id and isinstance(m.string, str)]
        kazakh = [t for t in texts if any(ch in t for ch in "әғқңөұүһі")]
        assert len(kazakh) > len(texts) * 0.7


class TestTemplate:
    def test_pot_is_up_to_date(self) -> None:
        with (CATALOGS / "messages.pot").open("rb") as file:
            pot = {key(m) for m in read_po(file) if m.id}
        assert source_messages() <= pot
