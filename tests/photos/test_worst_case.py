"""Worst-case pictures through the real processing: the most pixels per byte of file (flat
colours), at and past what each format may decode within the memory budget. Each is accepted
and stored small, or refused with a message that names the limit and what to do."""

from __future__ import annotations

import io
import math
from typing import Any

import pillow_heif
import pytest
from PIL import Image, ImageFile

from app.photos.errors import PhotoRejected
from app.photos.processing import ProcessedPhoto, pixel_limit, process_photo
from tests.photos.images import BLUE, ORIENTATION, RED, encode, exif_with_gps, two_colours

LIMITS: dict[str, Any] = dict(
    max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, max_side=1600, thumb_side=320
)


def process(data: bytes, filename: str = "photo") -> ProcessedPhoto:
    return process_photo(data, filename=filename, **LIMITS)


def limit_of(data: bytes) -> int:
    return pixel_limit(data, max_pixels=LIMITS["max_pixels"], max_side=LIMITS["max_side"])


def size_for(pixels: int, aspect: float = 1.1) -> tuple[int, int]:
    width = int(math.sqrt(pixels / aspect))
    return width, int(width * aspect)


def flat(mode: str, size: tuple[int, int]) -> Image.Image:
    return Image.new(mode, size, (10, 120, 60, 128) if mode == "RGBA" else (10, 120, 60))


def close_to(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


class TestWorstCasePng:
    def test_the_issues_png_is_refused_naming_the_limit(self) -> None:
        # 154 KB that unpack to 6000 x 6600 RGBA (158 MB): more than a PNG may decode here.
        data = encode(flat("RGBA", (6000, 6600)), "PNG")
        assert len(data) < 200 * 1024
        with pytest.raises(PhotoRejected) as info:
            process(data, "screenshot.png")
        error = info.value
        assert (error.status_code, error.reason) == (422, "too_many_pixels")
        limit = limit_of(data) / 1e6
        assert error.message == (
            f'The photo "screenshot.png" has 6000 × 6600 pixels; a PNG picture may have at '
            f"most {limit:.1f} megapixels here. Send it as a JPEG, or take it again at a lower "
            "resolution."
        )
        assert 30 < limit < 39.6

    def test_the_largest_accepted_png_is_stored_small(self) -> None:
        probe = encode(flat("RGBA", (400, 440)), "PNG")
        size = size_for(limit_of(probe) * 99 // 100)
        data = encode(flat("RGBA", size), "PNG")
        photo = process(data)
        assert max(photo.width, photo.height) == 1600
        with Image.open(io.BytesIO(photo.image)) as stored:
            assert stored.size == (photo.width, photo.height) and stored.mode == "RGB"
            # Half-transparent green on white.
            assert close_to(stored.getpixel((100, 100)), (132, 187, 157), tolerance=6)
        assert len(photo.image) < 200 * 1024 and len(photo.thumb) < 30 * 1024


class TestWorstCaseOtherFormats:
    def test_a_40_megapixel_jpeg_is_decoded_at_a_quarter_and_accepted(self) -> None:
        data = encode(flat("RGB", (6000, 6600)), "JPEG", quality=50)
        assert limit_of(data) == LIMITS["max_pixels"]
        photo = process(data)
        assert (photo.width, photo.height) == (1455, 1600)

    def test_a_large_webp_is_refused_naming_webp_and_jpeg(self) -> None:
        data = encode(flat("RGBA", (6000, 6600)), "WEBP", lossless=True)
        with pytest.raises(PhotoRejected) as info:
            process(data, "big.webp")
        message = info.value.message
        assert info.value.reason == "too_many_pixels"
        assert "6000 × 6600" in message and "a WebP picture may have at most" in message
        assert "Send it as a JPEG" in message

    def test_a_webp_at_its_limit_is_accepted(self) -> None:
        probe = encode(flat("RGBA", (400, 440)), "WEBP", lossless=True)
        size = size_for(limit_of(probe) * 99 // 100)
        photo = process(encode(flat("RGBA", size), "WEBP", lossless=True))
        assert max(photo.width, photo.height) == 1600

    @pytest.mark.skipif(
        not pillow_heif.libheif_info().get("HEIF"), reason="this libheif has no HEVC encoder"
    )
    def test_a_12_megapixel_heic_is_reduced_in_strips_and_turned(self) -> None:
        # An iPhone's 4032 x 3024, turned by EXIF: libheif's buffer reduced a strip at a time
        # must give the same picture as a whole reduce (left half red, right half blue).
        data = encode(two_colours((4032, 3024)), "HEIF", quality=90, exif=exif_with_gps())
        photo = process(data, "IMG_0001.HEIC")
        assert (photo.width, photo.height) == (1600, 1200)
        with Image.open(io.BytesIO(photo.image)) as stored:
            assert close_to(stored.getpixel((200, 600)), RED)
            assert close_to(stored.getpixel((1400, 600)), BLUE)
            assert ORIENTATION not in stored.getexif()
        iphone_24mp = 5712 * 4284
        assert limit_of(data) >= iphone_24mp  # the default of recent iPhones is accepted


class TestCutOff:
    def test_a_cut_off_jpeg_is_refused_after_a_report_was_rendered(self) -> None:
        # WeasyPrint, imported for the first report, sets this for the whole process.
        import weasyprint  # noqa: F401

        ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint's import leaves it
        data = encode(two_colours((800, 600)), "JPEG")
        with pytest.raises(PhotoRejected) as info:
            process(data[: len(data) // 2], "cut.jpg")
        assert info.value.reason == "not_an_image" and "damaged" in info.value.message
