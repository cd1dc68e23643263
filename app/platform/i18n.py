"""The interface language: Russian by default, Kazakh and English on request."""

from typing import Annotated, cast

from babel import negotiate_locale
from fastapi import Depends, Query, Request

from app.platform.languages import LANGS, Lang

DEFAULT_LANG: Lang = "ru"


# negotiate_lang's answers: a few browsers' Accept-Language values cover nearly every request
# (Babel's negotiation was ~3% of a submission's CPU on the event loop).
_negotiated: dict[str, Lang] = {}
_MAX_NEGOTIATED = 1024


def negotiate_lang(requested: str | None, accept_language: str | None) -> Lang:
    """An explicit ``lang`` wins; then the browser's Accept-Language; then Russian."""
    if requested in LANGS:
        return cast(Lang, requested)
    if not accept_language:
        return DEFAULT_LANG
    lang = _negotiated.get(accept_language)
    if lang is None:
        lang = _negotiate(accept_language)
        if len(accept_language) <= 256:  # no client's novel
            if len(_negotiated) >= _MAX_NEGOTIATED:
                _negotiated.clear()
            _negotiated[accept_language] = lang
    return lang


def _negotiate(accept_language: str) -> Lang:
    preferred = [
        part.split(";")[0].strip().replace("-", "_")
        for part in accept_language.split(",")
        if part.strip()
    ]
    found = negotiate_locale(preferred, list(LANGS), sep="_")
    if found:
        return cast(Lang, found.split("_")[0])
    return DEFAULT_LANG


# The ``?lang=`` parameter, for a route that negotiates the language itself.
LangQuery = Annotated[
    Lang | None, Query(description="Language of the texts: ru (default), kk or en.")
]


async def get_lang(request: Request, lang: LangQuery = None) -> Lang:
    # async: pure, so no worker thread (a sync dependency costs a thread-pool hop).
    return negotiate_lang(lang, request.headers.get("accept-language"))


LangDep = Annotated[Lang, Depends(get_lang)]
