"""Finding a street, micro-district or stop by name, with no outside geocoder.

Pure: reads the OpenStreetMap-derived files in ``data/geo/names/`` (ODbL; see its
SOURCES.md). The names are Russian as mapped (287 street ways carry the Kazakh form), so a
query and every name are reduced to the same *key* before they are compared:

* lower case; ``ё`` → ``е``, ``э`` → ``е``; the Kazakh letters folded to their nearest
  Russian ones (ә→а ө→о ү→у ұ→у қ→к ғ→г ң→н і→и һ→х); a plain Latin transliteration
  (``Abaya`` → ``абая``) for typing without a Cyrillic keyboard;
* punctuation and hyphens become spaces, and letters and digits are split (``Аксай-4`` =
  ``аксай 4`` = ``аксай4``); ordinal endings after a number are dropped (``2-й`` = ``2``);
* the kind words are dropped wherever they stand (``ул.``, ``улица``, ``көшесі``, ``пр.``,
  ``даңғылы``, ``мкр.``, ``шағын аудан``, ``переулок``, ``бульвар``, ``тупик``...);
* each word loses one Russian case ending (``-ого -его -ой -ей -ая -а -я -й -ь``) when at
  least three letters stay, so the Kazakh nominative meets the Russian genitive of a
  street name: ``Абай даңғылы`` and ``пр. Абая`` both key to ``аба``, ``Әуезов көшесі`` and
  ``ул. Ауэзова`` to ``ауезов``.

A name matches when its key equals the query's (rank 0), starts with it (1), has a word
starting with each query word (2), holds the query anywhere (3), or, for query words of
four letters or more, has a word one typing error away (4: ``Сатбаев`` finds ``Сатпаева``).
A house number that matches nothing is dropped (the data has none): ``Тимирязева 42``.
Within a rank micro-districts come first, then streets by their length, then stops.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from app.geo.names import DEFAULT_NAMES_DIR, STOPS_FILE, STREETS_FILE

MICRO_DISTRICTS_FILE = "almaty_microdistrict_points_osm.geojson"
DEFAULT_LIMIT = 10
Kind = Literal["micro-district", "street", "stop"]
_KIND_ORDER: dict[str, int] = {"micro-district": 0, "street": 1, "stop": 2}

_FOLD = str.maketrans(
    {
        "ё": "е",
        "э": "е",
        "ә": "а",
        "ө": "о",
        "ү": "у",
        "ұ": "у",
        "қ": "к",
        "ғ": "г",
        "ң": "н",
        "і": "и",
        "һ": "х",
        "ъ": "",
    }
)
# Latin to Cyrillic, longest first; "y" is handled apart (й before a vowel or at the end).
_LATIN = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "е"),
)
_LATIN_LETTERS = {
    **dict(zip("abvgdezijklmnoprstufhcqw", "абвгдезийклмнопрстуфхцкв", strict=True)),
    "x": "кс",
}
_VOWELS = set("аеиоуыэюяaeiouy")
# Kind words, already folded: they say what a place is, not which one.
_KIND_WORDS = frozenset(
    (
        *("ул", "улица", "улицы", "кошеси", "кош"),
        *("пр", "просп", "проспект", "дангылы", "данг"),
        *("мкр", "мкрн", "микрорайон", "микрорайона", "шагын", "аудан", "ауданы", "ыкшам"),
        *("пер", "переулок", "переулка", "бульвар", "бул", "тупик", "туп", "проезд"),
        *("пл", "площадь", "аланы", "ост", "остановка", "аялдамасы", "аялдама"),
        *("street", "st", "avenue", "ave", "microdistrict", "mkr"),
        *("дом", "д", "уй", "кв", "квартира"),  # a house or flat: the data has no numbers
    )
)
_ORDINAL_ENDINGS = frozenset(
    {"й", "я", "е", "ый", "ий", "ой", "ая", "ое", "го", "ши", "шы", "инши"}
)
_CASE_ENDINGS = ("ого", "его", "ой", "ей", "ая", "а", "я", "й", "ь")
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# Abbreviations with a hyphen or slash inside, dropped before the text is cut into words.
_SPLIT_KIND_WORDS = re.compile(r"\b(?:м-н|пр-т|пр-кт|б-р|пр-д|ш/а)(?=\W|$)")


def _latin_to_cyrillic(word: str) -> str:
    for latin, cyrillic in _LATIN:
        word = word.replace(latin, cyrillic)
    out = []
    for i, char in enumerate(word):
        if char == "y":
            after = word[i + 1] if i + 1 < len(word) else ""
            out.append("й" if not after or after in _VOWELS else "ы")
        else:
            out.append(_LATIN_LETTERS.get(char, char))
    return "".join(out)


def fold_words(text: str) -> list[str]:
    """The words of ``text`` folded (case, Kazakh letters, Latin), with the kind words and
    ordinal endings dropped: ``"ул. Төле би"`` → ``["толе", "би"]``."""
    text = _SPLIT_KIND_WORDS.sub(" ", text.lower().translate(_FOLD))
    words: list[str] = []
    for token in _TOKEN.findall(text):
        if token in _KIND_WORDS:
            continue
        if token.isascii() and token.isalpha():
            token = _latin_to_cyrillic(token)
        if token in _ORDINAL_ENDINGS and words and words[-1].isdigit():
            continue
        words.append(token)
    return words


def stem(word: str) -> str:
    """``word`` without one Russian case ending, when three letters or more stay."""
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one inserted, deleted or changed letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


@dataclass(frozen=True, slots=True)
class PlaceFound:
    """A named place: its name as mapped in OpenStreetMap (Russian), what it is, its
    district's id, a point to centre on and, for a street, the box of all its segments
    (west, south, east, north, in degrees)."""

    name: str
    kind: Kind
    district_id: str
    lat: float
    lon: float
    bbox: tuple[float, float, float, float] | None


@dataclass(frozen=True, slots=True)
class _Entry:
    place: PlaceFound
    words: tuple[str, ...]  # folded
    stems: tuple[str, ...]
    key: str  # the stems joined by spaces
    text: str  # the folded words joined by spaces
    weight: float  # longer streets first within a rank


class PlaceSearch:
    """The searchable names, built once; ``search`` is a scan of a few thousand keys."""

    def __init__(self, places: Iterable[tuple[PlaceFound, float]]) -> None:
        self._entries: list[_Entry] = []
        for place, weight in places:
            words = tuple(fold_words(place.name))
            if not words:
                continue
            stems = tuple(stem(w) for w in words)
            self._entries.append(
                _Entry(place, words, stems, " ".join(stems), " ".join(words), weight)
            )
        # One-edit neighbours through deletions (each word and each word less one letter).
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for entry in self._entries:
            for word in entry.stems:
                if len(word) >= 4:
                    for variant in _deletions(word):
                        self._by_deletion[variant].add(word)

    def __len__(self) -> int:
        return len(self._entries)

    def _near_words(self, word: str) -> set[str]:
        candidates: set[str] = set()
        for variant in _deletions(word):
            candidates |= self._by_deletion.get(variant, set())
        return {c for c in candidates if _within_one_edit(c, word)}

    def search(self, query: str, *, limit: int = DEFAULT_LIMIT) -> list[PlaceFound]:
        """Up to ``limit`` places whose name matches ``query``, best first (see the module);
        [] when the query holds no word once the kind words are dropped."""
        words = fold_words(query)
        found = self._search(words, limit)
        # "Тимирязева 42": the data holds no house numbers, so a trailing number that matched
        # nothing is dropped and the street looked up alone.
        while not found and len(words) > 1 and words[-1].isdigit():
            words = words[:-1]
            found = self._search(words, limit)
        return found

    def _search(self, words: list[str], limit: int) -> list[PlaceFound]:
        if not words:
            return []
        stems = [stem(w) for w in words]
        key = " ".join(stems)
        text = " ".join(words)
        fuzzy = [self._near_words(s) if len(s) >= 4 else set() for s in stems]
        ranked: list[tuple[int, int, float, str, PlaceFound]] = []
        for entry in self._entries:
            rank = _rank(entry, words, stems, key, text, fuzzy)
            if rank is not None:
                place = entry.place
                ranked.append((rank, _KIND_ORDER[place.kind], -entry.weight, place.name, place))
        ranked.sort(key=lambda r: r[:4])
        return [r[4] for r in ranked[:limit]]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _word_starts(entry: _Entry, word: str, word_stem: str) -> bool:
    return any(
        w.startswith(word) or s.startswith(word_stem)
        for w, s in zip(entry.words, entry.stems, strict=True)
    )


def _rank(
    entry: _Entry,
    words: list[str],
    stems: list[str],
    key: str,
    text: str,
    fuzzy: list[set[str]],
) -> int | None:
    if entry.key == key or entry.text == text:
        return 0
    if entry.key.startswith(key) or entry.text.startswith(text):
        return 1
    starts = [_word_starts(entry, w, s) for w, s in zip(words, stems, strict=True)]
    if all(starts):
        return 2
    if len(text) >= 3 and text in entry.text:
        return 3
    if any(fuzzy) and all(
        started or bool(near.intersection(entry.stems))
        for started, near in zip(starts, fuzzy, strict=True)
    ):
        return 4
    return None


def _street_places(features: list[dict]) -> Iterable[tuple[PlaceFound, float]]:
    """Streets merged by name and district: one result per street per district."""
    groups: dict[tuple[str, str], list[BaseGeometry]] = defaultdict(list)
    for feature in features:
        props = feature["properties"]
        name = props.get("label_ru") or props.get("name")
        if name:
            groups[(str(name), str(props["district_id"]))].append(shape(feature["geometry"]))
    for (name, district_id), parts in groups.items():
        merged = shapely.union_all(parts)
        west, south, east, north = merged.bounds
        # The point of the street nearest the middle of its box: on the street, not beside it.
        centre = nearest_points(merged, shapely.Point((west + east) / 2, (south + north) / 2))[0]
        place = PlaceFound(
            name, "street", district_id, centre.y, centre.x, (west, south, east, north)
        )
        yield place, float(merged.length)


def _point_places(
    features: list[dict], *, kind: Kind, name_key: str
) -> Iterable[tuple[PlaceFound, float]]:
    """Points merged by name and district (a stop on both sides of a road is one place)."""
    groups: dict[tuple[str, str], list[BaseGeometry]] = defaultdict(list)
    for feature in features:
        props = feature["properties"]
        name = str(props.get(name_key) or "")
        # Stops named only by their route numbers ("20~131") are not places one searches.
        if any(char.isalpha() for char in name):
            groups[(name, str(props["district_id"]))].append(shape(feature["geometry"]))
    for (name, district_id), points in groups.items():
        centre = shapely.MultiPoint(points).centroid
        yield PlaceFound(name, kind, district_id, centre.y, centre.x, None), 0.0


def read_place_search(directory: Path) -> PlaceSearch:
    """Streets, micro-district points and stops of ``directory`` (its SOURCES.md says what
    each file holds); a missing micro-district file leaves streets and stops."""

    def features(name: str) -> list[dict]:
        path = directory / name
        if not path.exists():
            return []
        return list(json.loads(path.read_text(encoding="utf-8"))["features"])

    places = [
        *_point_places(features(MICRO_DISTRICTS_FILE), kind="micro-district", name_key="label_ru"),
        *_street_places(features(STREETS_FILE)),
        *_point_places(features(STOPS_FILE), kind="stop", name_key="name"),
    ]
    return PlaceSearch(places)


@functools.cache
def load_place_search(directory: Path = DEFAULT_NAMES_DIR) -> PlaceSearch:
    """The index of ``directory``, read once per process."""
    return read_place_search(directory)
