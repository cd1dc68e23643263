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


def _body(kept: GzipParts, pieces: list[str], size: int, head: bytes = b"[") -> tuple:
    """As the map builds it: each part compressed with the text before it as dictionary."""
    parts = [(head, deflate_part(head))]
    for n in range(0, len(pieces), size):
        parts.append(
            kept.part(
                n,
                pieces[n : n + size],
                separator=",",
                lead="," if n else "",
                before=parts[-1][0],
            )
        )
    parts.append((b"]", deflate_part(b"]")))
    return parts, kept.member("body", parts)


class TestChainedParts:
    def test_small_parts_compress_as_one_stream(self) -> None:
        pieces = _pieces(3, 300)
        parts, (raw, member) = _body(GzipParts(), pieces, 16)
        assert raw == ("[" + ",".join(pieces) + "]").encode()
        assert gzip.decompress(member) == raw
        assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(member) == raw
        # The dictionary gives back what separate parts lose.
        alone = sum(len(deflate_part(text)) for text, _ in parts)
        assert len(member) < 0.97 * alone
        assert len(member) < 1.05 * len(gzip.compress(raw, compresslevel=1))

    def test_random_changes_read_back_with_the_full_crc(self) -> None:
        rng = random.Random(4)
        pieces, kept = _pieces(5, 120), GzipParts()
        before, _ = _body(kept, pieces, 8)
        for _ in range(40):
            for _ in range(rng.choice([0, 1, 1, 3])):
                n = rng.randrange(len(pieces))
                pieces[n] = pieces[n] + rng.choice(["", " ", "x" * rng.randrange(50)])
            head = rng.choice([b"[", b"[ "])  # the opening part changes too, sometimes
            parts, (raw, member) = _body(kept, pieces, 8, head)
            assert raw == (head.decode() + ",".join(pieces) + "]").encode()
            assert gzip.decompress(member) == raw
            assert (raw, member) == gzip_member(parts)  # the CRC run over the whole text
            # A part is compressed again only after a change in it or in the part before.
            for n in range(1, len(parts) - 1):
                if parts[n][0] == before[n][0] and parts[n - 1][0] == before[n - 1][0]:
                    assert parts[n][1] is before[n][1]
            before = parts
