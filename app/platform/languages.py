"""The interface's languages: Russian (the default), Kazakh and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ru", "kk", "en"]
LANGS: tuple[Lang, ...] = ("ru", "kk", "en")
