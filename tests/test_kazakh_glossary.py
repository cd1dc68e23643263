"""The Kazakh texts keep to the glossary of ../shared/KAZAKH.md: a retired term that comes back
(чек-парақ, қауіп индексі, сауалнама, ...) or a wrong ending after a number fails here.

Checked: every msgstr of the kk catalogs, every ``kk`` field of the checklist files, the
responsible-party labels and the app's Kazakh name. A rule bans only what is unambiguous;
where a banned word has an honest other meaning, the rule says so or looks at the English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import yaml
from babel.messages.pofile import read_po

from app.channels.pwa.app_shell import NAMES as PWA_NAMES
from app.channels.web.formatting import Formatter
from app.checklists.vocabulary import NOT_APPLICABLE_LABEL, RESPONSIBLE_LABELS
from app.platform.config import PROJECT_ROOT
from app.platform.kazakh import Case, with_suffix

KK_CATALOGS = PROJECT_ROOT / "app" / "platform" / "translations" / "kk" / "LC_MESSAGES"
CHECKLISTS = PROJECT_ROOT / "app" / "checklists" / "data"


@dataclass(frozen=True)
class Text:
    where: str  # "reports.po: Checklist version" or "almaty-yard-2026.1.yaml: items[3].why"
    kk: str
    en: str  # the English it translates: some rules ban a word only for one meaning
    field: str = ""  # the checklist field ("why", "remedy", "label", ...); "" for catalogs


@dataclass(frozen=True)
class Rule:
    pattern: str  # a regular expression on the Kazakh text
    use: str  # what to write instead
    why: str
    english: str = ""  # only when the English matches this (case-insensitive)
    long_only: bool = False  # only in running text: catalog strings over 80 characters and
    # the checklist's question, why, remedy, note and description fields (not labels)


RULES = [
    Rule(r"(?i)чек-?пара[қғ]", "тексеру парағы", "one name for the checklist"),
    Rule(
        r"(?i)(?<!\w)қауіп(?!сіз|ті)\w*",
        "тәуекел (risk), қаупі (danger)",
        "the noun қауіп was used for risk; its possessive is spelt қаупі. The adjectives "
        "қауіпсіз (safe) and қауіпті (dangerous) stay",
    ),
    Rule(r"(?i)сауалнама", "тексеру", "a submission is a check, not a survey"),
    Rule(r"(?i)проблемал", "түйткілді аумақ", "Russianism"),
    Rule(r"(?i)критикал", "сыни", "Russianism"),
    Rule(r"(?i)иесіз\s+ғимарат", "қараусыз қалған (тастанды) ғимарат", "иесіз is 'ownerless'"),
    Rule(r"ПИК(?!/МИБ)", "ПИК/МИБ", "most houses are МИБ since 2020"),
    Rule(r"(?i)подъезд", "кіреберіс", "Russian word"),
    Rule(r"(?i)z-баға", "z-мәні", "a z-score is a value, not a grade"),
    Rule(r"(?<!\w)\d{4}\s*ж\.", "2026 жылғы 5 желтоқсан", "the official date form"),
    Rule(r"(?i)күнгі\s+жағдай", "%(date)s бойынша жағдай", "'…желтоқсан күнгі' is ungrammatical"),
    Rule(r"(?i)жуан\s+сызық", "қалың сызық", "a line is қалың"),
    Rule(r"(?i)^бояу:", "Түсі:", "the legend names a colour"),
    Rule(r"(?i)есептік\s+жазба", "тіркелгі", "one word for an account"),
    Rule(r"(?i)қалаға\s+көрсет", "қала әкімдігіне көрсетеді", "the city means its akimat"),
    Rule(r"(?i)жүктеу(?!\w)", "жүктеп алу", "жүктеу is also load/upload", english=r"download"),
    Rule(r"(?i)(?<!\w)пікір", "түсініктеме", "the comment field", english=r"comment"),
    Rule(r"(?i)(?<!\w)пішін", "форма", "one word for a web form", english=r"\bform\b"),
    Rule(r"(?i)жасырын", "анонимді", "anonymous answers", english=r"anonymous"),
    Rule(r"(?i)негізгі\s+сұрақ", "шешуші сұрақ", "these are the critical items"),
    Rule(r"(?i)өтпе(й|ге)", "талапқа сай емес", "calque of 'fails an exam'", english=r"fail"),
    Rule(
        r"(?i)учаскелік\s+инспектор",
        "учаскелік полиция инспекторы",
        "the full form in running text; the short one only in tight labels",
        long_only=True,
    ),
]

# A placeholder with a fixed ending is right only where every value reads the same way.
PLACEHOLDER_ENDING = re.compile(r"(%\((\w+)\)s|\{(\w+)\})-(\w+)")
ALLOWED_PLACEHOLDER_ENDINGS = {
    # A percentage is read "… пайыз": its possessive is always -ы, -ының.
    ("percent", "ы"),
    ("percent", "ының"),
    # "5-беті": an ordinal page number, written with a hyphen whatever the number.
    ("page", "беті"),
}

# A number written in digits with a case ending: the ending must be the one it is read with.
NUMBER_ENDING = re.compile(r"(?<![\w.,%(-])(\d[\d\u00a0\u202f]*(?:[.,]\d+)?%?)-([а-яәғқңөұүһі]+)")
# Endings that can only be a case ending after a number. The accusative and the bare
# possessive (-ы, -і, -ны, -ды ...) are left out: too short to tell from other hyphenated words.
_CASE_FORMS: dict[Case, str] = {
    "abl": "дан ден тан тен нан нен",
    "gen": "дың дің тың тің ның нің",
    "dat": "ға ге қа ке",
    "loc": "да де та те",
    "poss_gen": "ының інің сының сінің",
}
ENDING_CASES = {form: case for case, forms in _CASE_FORMS.items() for form in forms.split()}

LONG_FIELDS = {"question", "why", "remedy", "note", "description", "intro"}


def problems(text: Text) -> list[str]:
    """What is wrong with one Kazakh text; an empty list when it keeps to the glossary."""
    found = []
    running = len(text.kk) > 80 if not text.field else text.field in LONG_FIELDS
    for rule in RULES:
        if rule.english and not re.search(rule.english, text.en, re.IGNORECASE):
            continue
        if rule.long_only and not running:
            continue
        for match in re.finditer(rule.pattern, text.kk):
            found.append(f"{text.where}: «{match.group(0)}» -> {rule.use} ({rule.why})")
    for match in PLACEHOLDER_ENDING.finditer(text.kk):
        name = match.group(2) or match.group(3)
        if (name, match.group(4)) not in ALLOWED_PLACEHOLDER_ENDINGS:
            found.append(
                f"{text.where}: «{match.group(0)}»: a fixed ending after a number is wrong for "
                "some numbers; rephrase without it (see KAZAKH.md #5)"
            )
    for match in NUMBER_ENDING.finditer(text.kk):
        number, ending = match.groups()
        case = ENDING_CASES.get(ending)
        if case is not None and with_suffix(number, case) != match.group(0):
            found.append(f"{text.where}: «{match.group(0)}» -> {with_suffix(number, case)}")
    return found


def catalog_texts() -> Iterator[Text]:
    for path in sorted(KK_CATALOGS.glob("*.po")):
        with path.open("rb") as source:
            for message in read_po(source, locale="kk"):
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for string in strings:
                    yield Text(f"{path.name}: {ids[0][:60]}", string, " ".join(ids))


def _walk(node: object, where: str, field: str) -> Iterator[Text]:
    if isinstance(node, dict):
        if isinstance(node.get("kk"), str):
            yield Text(where, node["kk"], str(node.get("en", "")), field)
            return
        base = node["id"] if isinstance(node.get("id"), str) else where
        for key, value in node.items():
            yield from _walk(value, f"{base}.{key}", str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]", field)


def checklist_texts() -> Iterator[Text]:
    for path in sorted(CHECKLISTS.glob("*.yaml")):
        yield from _walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name, "")
    for party, label in RESPONSIBLE_LABELS.items():
        yield Text(f"responsible: {party}", label.kk, label.en, "label")
    yield Text("not applicable", NOT_APPLICABLE_LABEL.kk, NOT_APPLICABLE_LABEL.en, "label")


def app_names() -> Iterator[Text]:
    yield Text("pwa app name", PWA_NAMES["kk"], PWA_NAMES["en"], "label")


def all_texts() -> list[Text]:
    return [*catalog_texts(), *checklist_texts(), *app_names()]


class TestTheTexts:
    def test_there_is_something_to_check(self) -> None:
        texts = all_texts()
        assert sum(1 for t in texts if t.field) > 250  # the checklist's kk fields
        assert sum(1 for t in texts if not t.field) > 400  # the catalogs

    @pytest.mark.parametrize("source", ["catalogs", "checklist"])
    def test_no_retired_term_comes_back(self, source: str) -> None:
        texts = catalog_texts() if source == "catalogs" else checklist_texts()
        found = [p for text in texts for p in problems(text)]
        assert found == [], "\n".join(found)

    def test_app_name(self) -> None:
        assert [p for t in app_names() for p in problems(t)] == []

    @pytest.mark.parametrize("day", [date(2026, 12, 5), date(2027, 1, 1), date(2030, 5, 31)])
    def test_dates_and_months_as_formatted(self, day: date) -> None:
        # The formatter is helper-owned code; here only its Kazakh output is held to the glossary.
        fmt = Formatter("kk")
        written = [fmt.date(day), fmt.month(day)]
        assert all(f"{day.year} жылғы " in text for text in written), written
        assert [p for text in written for p in problems(Text("date", text, ""))] == []

    @pytest.mark.parametrize("fraction", [0.1, 0.4, 0.92, 1.0])
    def test_percent_possessive_is_always_y(self, fraction: float) -> None:
        # Why "%(percent)s-ы" may stay fixed in the catalogs: a percentage is read "… пайыз".
        written = Formatter("kk").percent(fraction)
        assert written.endswith("%")
        assert with_suffix(written, "poss") == f"{written}-ы"
        assert with_suffix(written, "poss_gen") == f"{written}-ының"


class TestTheChecker:
    """The checker itself: it must be able to fail."""

    @pytest.mark.parametrize(
        ("kk", "en", "caught"),
        [
            ("Чек-парақ нұсқасы", "Checklist version", "Чек-парақ"),
            ("Қауіп индексі", "Risk index", "Қауіп"),
            ("сұрақ қауіпінің жартысы", "half of the question's risk", "қауіпінің"),
            ("Төмен қауіп", "Low risk", "қауіп"),
            ("Соңғы сауалнама", "Latest submission", "сауалнама"),
            ("Проблемалы аумақ", "Problem area", "Проблемал"),
            ("Критикалық қауіп", "Critical risk", "Критикал"),
            ("иесіз ғимарат бар ма?", "an abandoned building?", "иесіз ғимарат"),
            ("ПИК (пәтер иелерінің кооперативі)", "Housing cooperative", "ПИК"),
            ("Аула нөмірлері (ПИК)", "Yard numbers (cooperatives)", "ПИК"),
            ("подъезд алдына ілу", "post at the entrance", "подъезд"),
            ("2026 ж. 5 желтоқсан", "5 December 2026", "2026 ж."),
            ("Нәтижені PDF түрінде жүктеу", "Download this result as a PDF", "жүктеу"),
            ("Пікір", "Comment", "Пікір"),
            ("Gi* z-бағасы", "Gi* z-score", "z-баға"),
            ("Бояу: тәуекел", "Fill: risk", "Бояу:"),
            ("Тексерілген аулалары %(needed)s-тен аз", "fewer than %(needed)s", "%(needed)s-тен"),
            ("%(percent)s-ның индексі", "%(percent)s of the yards", "%(percent)s-ның"),
            ("Кезең — 1-ден 120-ге дейін", "from 1 to 120", "120-ге"),
            ("10-тен көп", "more than 10", "10-тен"),
            ("75-тан бастап", "from 75", "75-тан"),
            ("{n}-ден аз", "fewer than {n}", "{n}-ден"),
        ],
    )
    def test_catches(self, kk: str, en: str, caught: str) -> None:
        found = problems(Text("test", kk, en))
        assert found, kk
        assert any(caught in p for p in found), found

    def test_long_only_rule(self) -> None:
        short = Text("t", "Учаскелік инспектор", "District inspector")
        long = Text("t", "Учаскелік инспекторға хабарлау.", "Tell the inspector.", "remedy")
        label = Text("t", "учаскелік инспектор", "the inspector", "label")
        assert problems(short) == [] and problems(label) == []
        assert problems(long)

    @pytest.mark.parametrize(
        ("kk", "en"),
        [
            ("Тәуекел индексі", "Risk index"),
            ("0 — ең қауіпсіз, 100 — ең қауіпті.", "0 is the safest, 100 the most dangerous."),
            ("өрт қаупін тудырады", "a fire hazard"),
            ("Тексеру парағының %(percent)s-ы бойынша", "Based on %(percent)s of the checklist"),
            ("%(pages)s беттің %(page)s-беті", "Page %(page)s of %(pages)s"),
            ("Кезең — 1-ден 120-ға дейінгі ай саны.", "from 1 to 120"),
            ("төмен — 25-ке дейін, сыни — 75-тен бастап, 100-ге көбейтілген", "bands"),
            ("мысалы 2026-12-01", "for example 2026-12-01"),
            ("№ 94-V Заңы (12-бап)", "Law No. 94-V (Article 12)"),
            ("адам жасырына алады", "a person can hide"),  # жасырын = hide, not anonymous
            ("жүктелуде…", "Loading…"),
            ("Негізгі қабат", "Base layer"),
            ("ПИК/МИБ-ке хабарлау", "tell the cooperative"),
            ("бұл сурет пішімі қабылданбайды", "this picture format is not accepted"),
            ("2026 жылғы 5 желтоқсан бойынша жағдай", "As of 5 December 2026"),
        ],
    )
    def test_lets_good_text_pass(self, kk: str, en: str) -> None:
        assert problems(Text("test", kk, en)) == []
