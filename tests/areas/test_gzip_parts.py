"""A gzip body joined from separately compressed parts reads back as the whole text, and a
part is compressed again only when one of its pieces changed."""

from __future__ import annotations

import gzip
import random
import zlib

from app.areas.gzip_parts import GzipParts, deflate_part, gzip_member


def _pieces(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        coordinates = ",".join(f"{rng.random():.6f}" for _ in range(80))
        out.append(f'{{"id":"{n}","coordinates":[{coordinates}]}}')
    return out


class TestGzipParts:
    def test_parts_read_back_as_the_whole_text(self) -> None:
        pieces = _pieces(1, 300)
        kept = GzipParts()
        parts = [(b"[", deflate_part(b"["))]
        for n in range(0, len(pieces), 64):
            parts.append(
                kept.part(("map", n), pieces[n : n + 64], separator=",", lead="," if n else "")
            )
        parts.append((b"]", deflate_part(b"]")))
        raw, member = gzip_member(parts)
        assert raw == ("[" + ",".join(pieces) + "]").encode()
        assert gzip.decompress(member) == raw
        # The standard decoder a browser uses (zlib, gzip wrapper) reads it too.
        assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(member) == raw
        # Not much larger than one stream: deflate looks back 32 KB at most anyway.
        assert len(member) < 1.1 * len(gzip.compress(raw, compresslevel=1))

    def test_only_a_changed_part_is_compressed_again(self) -> None:
        pieces = _pieces(2, 10)
        kept = GzipParts()
        first = kept.part("p", pieces, separator=",")
        assert kept.part("p", list(pieces), separator=",")[1] is first[1]  # same objects
        changed = [*pieces[:3], pieces[3] + " ", *pieces[4:]]
        again = kept.part("p", changed, separator=",")
        assert again[1] is not first[1]
        assert zlib.decompress(again[1] + b"\x03\x00", -15) == ",".join(changed).encode()
