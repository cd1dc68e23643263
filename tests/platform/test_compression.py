"""Gzip in the request middleware decides as Starlette's GZipMiddleware did.

The same small app behind each: every response kind (small, large, streamed, an excluded
type, already encoded, a partial answer), with and without ``Accept-Encoding: gzip``; the
status, the body bytes and the headers that gzip touches must be the same.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message

from app.platform.compression import MINIMUM_SIZE, Compressor, window_bits
from app.platform.observability.middleware import RequestObservability
from tests.loops import run_in_own_loop

LARGE = b'{"text": "' + b"yard " * 400 + b'"}'


async def small(_request: object) -> Response:
    return Response(b'{"ok": true}', media_type="application/json")


async def large(_request: object) -> Response:
    return Response(LARGE, media_type="application/json")


async def image(_request: object) -> Response:
    return Response(b"\x89PNG" + b"\0" * 4000, media_type="image/png")


async def encoded(_request: object) -> Response:
    return Response(LARGE, media_type="application/json", headers={"Content-Encoding": "x-custom"})


async def partial(_request: object) -> Response:
    return Response(LARGE, status_code=206, media_type="application/json")


async def varied(_request: object) -> Response:
    return Response(LARGE, media_type="text/html", headers={"Vary": "Cookie"})


async def streamed(_request: object) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"chunk " * 200

    return StreamingResponse(chunks(), media_type="text/plain")


async def streamed_small(_request: object) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"tiny"

    return StreamingResponse(chunks(), media_type="text/plain")


ROUTES = [
    Route(f"/{endpoint.__name__}", endpoint)
    for endpoint in (small, large, image, encoded, partial, varied, streamed, streamed_small)
]
TOUCHED = ("content-encoding", "content-length", "vary", "content-type", "transfer-encoding")


def starlettes() -> TestClient:
    return TestClient(GZipMiddleware(Starlette(routes=ROUTES), minimum_size=MINIMUM_SIZE))


def ours() -> TestClient:
    return TestClient(RequestObservability(Starlette(routes=ROUTES)))


@pytest.mark.parametrize("path", [route.path for route in ROUTES])
@pytest.mark.parametrize("accept", ["gzip, deflate, br", "identity", ""])
def test_the_same_answer_as_starlettes_gzip(path: str, accept: str) -> None:
    headers = {"Accept-Encoding": accept}
    expected = starlettes().get(path, headers=headers)
    got = ours().get(path, headers=headers)
    assert got.status_code == expected.status_code
    assert got.content == expected.content  # decoded by the client: the same text
    for name in TOUCHED:
        assert got.headers.get(name) == expected.headers.get(name), name


def test_compressed_bytes_on_the_wire() -> None:
    client = ours()
    with client.stream("GET", "/large", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(raw) < len(LARGE)


def test_the_request_id_goes_on_every_answer() -> None:
    client = ours()
    for route in ROUTES:
        response = client.get(route.path, headers={"Accept-Encoding": "gzip"})
        assert len(response.headers["x-request-id"]) == 32


def raw_start(own: list[tuple[bytes, bytes]], *, gzip: bool) -> list[tuple[bytes, bytes]]:
    """The header list a Compressor sends for a large answer that set ``own``."""
    sent: list[Message] = []

    async def capture(message: Message) -> None:
        sent.append(message)

    async def answer() -> None:
        compressor = Compressor(capture, gzip=gzip)
        await compressor({"type": "http.response.start", "status": 200, "headers": list(own)})
        await compressor({"type": "http.response.body", "body": LARGE})

    run_in_own_loop(answer())
    return list(sent[0]["headers"])


@pytest.mark.parametrize(
    "own",
    [
        [(b"content-type", b"application/json")],
        [(b"vary", b"Cookie"), (b"content-type", b"text/html")],
        [(b"Vary", b"Cookie")],  # not lower case: Starlette's look-up misses it, so do we
    ],
)
def test_vary_in_the_raw_list_as_starlettes_headers_put_it(own: list[tuple[bytes, bytes]]) -> None:
    expected = list(own)
    MutableHeaders(raw=expected).add_vary_header("Accept-Encoding")
    assert raw_start(own, gzip=False) == expected
    assert [h for h in raw_start(own, gzip=True) if h[0] == b"vary"] == [
        h for h in expected if h[0] == b"vary"
    ]


def deflated(body: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + wbits)
    return compressor.compress(body) + compressor.flush()


@given(
    size=st.one_of(
        st.integers(min_value=1, max_value=40_000),
        # Either side of each window's limit (2**bits less zlib's 262 bytes).
        st.sampled_from([2**bits - 262 + d for bits in range(9, 16) for d in (-1, 0, 1)]),
    ),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_a_window_sized_to_the_answer_gives_zlibs_own_bytes(size: int, seed: int) -> None:
    rng = random.Random(seed)
    head = bytes(rng.randrange(256) for _ in range(min(size, 64)))
    # Random words, and the first bytes again at the very end: a match as far back as it goes.
    words = [bytes(rng.choices(b"abcdefgh ", k=rng.randrange(1, 12))) for _ in range(50)]
    middle = b"".join(rng.choice(words) for _ in range(size))[: max(0, size - 2 * len(head))]
    body = (head + middle + head)[:size]
    assert deflated(body, window_bits(len(body))) == deflated(body, zlib.MAX_WBITS)


def test_the_window_grows_with_the_answer() -> None:
    assert window_bits(1) == 9
    assert window_bits(3_700) == 12  # a submission's result
    assert window_bits(2**14 - 262) == 14
    assert window_bits(2**14 - 261) == 15
    assert window_bits(10**6) == zlib.MAX_WBITS
