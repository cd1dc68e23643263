"""The Criminal Code article of an offence as the map writes it ("188", "188 ч.2", "ст.190",
"Ст. 188-1 ч.3 п.1") reduced to the article's number ("188", "190", "188-1").

Parts (ч.) and paragraphs (п.) are dropped: rates and the validation count by article. The
Code of the Republic of Kazakhstan numbers inserted articles with a hyphen (188-1 is its own
article, not part 1 of 188), so the hyphen is kept.
"""

from __future__ import annotations

import re

# An optional "ст"/"статья"/"бап" (kk)/"art"/"article", then the number and an optional
# "-N" (hyphen, en or em dash) of an inserted article.
_ARTICLE = re.compile(
    r"^\s*(?:(?:ст(?:атья)?|бап|art(?:icle)?)\.?\s*)?(\d{1,3})(?:\s*[-‐‑–—]\s*(\d{1,2}))?(?!\d)",
    re.IGNORECASE,
)


def normalize_article(value: object) -> str | None:
    """The article number of ``value`` ("190", "188-1"); None when it names none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if 0 < value < 1000 else None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and 0 < value < 1000 else None
    match = _ARTICLE.match(str(value))
    if match is None:
        return None
    number, inserted = match.groups()
    number = str(int(number))  # "052" -> "52"
    if number == "0":
        return None
    return f"{number}-{int(inserted)}" if inserted else number
