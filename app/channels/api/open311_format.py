"""Open311 GeoReport v2 answers as the spec writes them: XML (``xml.etree``) or JSON.

The spec's shapes: a bare JSON list of services or requests (one element for a single
request); XML roots ``<services>``/``<service>``, ``<service_requests>``/``<request>``,
``<errors>``/``<error>``, ``<discovery>`` with ``<endpoints>``/``<endpoint>`` and
``<formats>``/``<format>`` (the tags FixMyStreet's client reads). Every Open311 answer is
public open data: any origin may read it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import Response

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# Characters XML 1.0 cannot carry at all (escaping does not help): dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Parent tag -> the tag of each element of its list.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
PUBLIC_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Vary": "Accept-Language",
}
CACHE_OK = "public, max-age=60"
CACHE_ERROR = "no-store"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ET.SubElement(parent, key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        tag = ITEM_TAGS.get(parent.tag, "item")
        for child in value:
            _fill(ET.SubElement(parent, tag), child)
    else:
        parent.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` under ``<root>``, with the XML declaration the spec asks for."""
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def answer(
    fmt: str,
    root: str,
    value: Any,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The response in ``fmt`` ("xml" or "json"): for JSON ``value`` itself, for XML
    ``value`` under ``root``; public, cacheable for a minute when it is a 200."""
    if fmt == "json":
        body = json.dumps(_clean(value), ensure_ascii=False).encode()
    else:
        body = to_xml(root, value)
    return Response(
        body,
        status_code=status_code,
        media_type=FORMATS.get(fmt, FORMATS["xml"]),
        headers={
            **PUBLIC_HEADERS,
            "Cache-Control": CACHE_OK if status_code == 200 else CACHE_ERROR,
            **(headers or {}),
        },
    )


def error(fmt: str, status_code: int, description: str) -> Response:
    """The spec's error answer: a list of ``{code, description}`` (``<errors><error>``)."""
    return answer(
        fmt if fmt in FORMATS else "xml",
        "errors",
        [{"code": status_code, "description": description}],
        status_code=status_code,
    )
