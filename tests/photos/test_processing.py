"""Image processing alone (no database): sniffing, refusals, metadata, orientation, sizes."""

from __future__ import annotations

import io
from typing import Any

import pillow_heif
import pytest
from PIL import Image, PngImagePlugin

from app.photos.errors import PhotoRejected
from app.photos.processing import ProcessedPhoto, display_name, process_photo
from app.platform.errors import AppError
from tests.photos.images import (
    BLUE,
    ORIENTATION,
    RED,
    encode,
    exif_with_gps,
    is_gps_free,
    jpeg_with_gps,
    png,
    two_colours,
)

LIMITS: dict[str, Any] = dict(
    max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, max_side=1600, thumb_side=320
)


def process(data: bytes, filename: str | None = None, **overrides: Any) -> ProcessedPhoto:
    return process_photo(data, filename=filename, **{**LIMITS, **overrides})


def refused(data: bytes, filename: str | None = None, **overrides: Any) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process(data, filename, **overrides)
    return info.value


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def close_to(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def can_write_heic() -> bool:
    return bool(pillow_heif.libheif_info().get("HEIF"))


class TestSniffing:
    def test_jpeg(self) -> None:
        assert process(jpeg_with_gps()).content_type == "image/jpeg"

    def test_a_png_named_jpg_is_a_png(self) -> None:
        assert process(png(), "x.jpg").content_type == "image/png"

    def test_webp(self) -> None:
        data = encode(two_colours(), "WEBP", exif=exif_with_gps())
        photo = process(data, "IMG_0001.webp")
        assert photo.content_type == "image/webp"
        assert is_gps_free(photo.image)

    @pytest.mark.skipif(not can_write_heic(), reason="this libheif has no HEVC encoder")
    def test_heic(self) -> None:
        data = encode(two_colours(), "HEIF", exif=exif_with_gps(), quality=90)
        photo = process(data, "IMG_0002.HEIC")
        assert photo.content_type in ("image/heic", "image/heif")
        assert (photo.width, photo.height) == (400, 200)
        assert is_gps_free(photo.image) and is_gps_free(photo.thumb)

    @pytest.mark.skipif(not can_write_heic(), reason="this libheif has no HEVC encoder")
    def test_heic_is_not_turned_twice(self) -> None:
        # libheif applies the HEIF rotation and pillow-heif resets the EXIF orientation to 1,
        # so exif_transpose must leave the decoded picture as it is.
        data = encode(two_colours(), "HEIF", exif=exif_with_gps(orientation=6), quality=90)
        with Image.open(io.BytesIO(data)) as decoded:
            upright = decoded.size
        photo = process(data)
        assert (photo.width, photo.height) == upright

    def test_text_named_photo_jpg_is_not_an_image(self) -> None:
        error = refused(b"GET /etc/passwd HTTP/1.1\r\n\r\n" * 10, "photo.jpg")
        assert (error.status_code, error.reason) == (415, "not_an_image")
        assert error.code == "not_an_image"  # the API's error code
        assert '"photo.jpg"' in error.message and "JPEG, PNG, WebP or HEIC" in error.message

    def test_empty_file_is_not_an_image(self) -> None:
        assert refused(b"").reason == "not_an_image"

    def test_a_truncated_jpeg_is_refused_as_damaged(self) -> None:
        data = jpeg_with_gps((800, 600))
        error = refused(data[: len(data) // 2], "cut.jpg")
        assert error.reason == "not_an_image" and "damaged" in error.message

    def test_gif_is_unsupported(self) -> None:
        error = refused(encode(Image.new("RGB", (20, 20), RED), "GIF"), "funny.gif")
        assert (error.status_code, error.reason) == (415, "unsupported_type")
        assert "GIF" in error.message and "JPEG, PNG, WebP or HEIC" in error.message

    def test_bmp_named_png_is_unsupported(self) -> None:
        assert refused(encode(Image.new("RGB", (20, 20)), "BMP"), "a.png").reason == (
            "unsupported_type"
        )


class TestLimits:
    def test_too_large(self) -> None:
        error = refused(b"\xff\xd8" + b"\0" * (10 * 1024 * 1024), "big.jpg")
        assert (error.status_code, error.reason) == (413, "too_large")
        assert error.message == (
            'The photo "big.jpg" is larger than 10 MB; take it again at a lower resolution.'
        )

    def test_decompression_bomb_is_refused_before_decoding(self) -> None:
        error = refused(encode(Image.new("1", (30_000, 30_000)), "PNG"), "bomb.png")
        assert (error.status_code, error.reason) == (422, "too_many_pixels")
        assert "40 megapixels" in error.message

    def test_over_the_setting_but_under_pillows_own_limit(self) -> None:
        # 48 Mpx: Pillow alone would decode it; the setting refuses it, naming the size.
        error = refused(encode(Image.new("1", (8000, 6000)), "PNG"))
        assert error.reason == "too_many_pixels"
        assert "8000 × 6000" in error.message

    def test_pixel_limit_is_a_setting(self) -> None:
        assert refused(png((200, 100)), max_pixels=10_000).reason == "too_many_pixels"
        assert process(png((100, 100)), max_pixels=10_000).width == 100

    def test_refusals_are_app_errors(self) -> None:
        assert isinstance(refused(b"nope"), AppError)


class TestMetadata:
    def test_gps_comment_and_profile_are_gone_from_photo_and_thumbnail(self) -> None:
        data = jpeg_with_gps()
        with Image.open(io.BytesIO(data)) as original:  # the test file does carry them
            assert original.getexif().get_ifd(0x8825) and "comment" in original.info
        photo = process(data)
        assert is_gps_free(photo.image)
        assert is_gps_free(photo.thumb)

    def test_png_exif_and_text_are_gone(self) -> None:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "Flat 12, Abay avenue")
        data = encode(two_colours(), "PNG", exif=exif_with_gps(), pnginfo=text)
        assert is_gps_free(process(data).image)


class TestOrientation:
    def test_exif_orientation_is_applied(self) -> None:
        # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
        photo = process(jpeg_with_gps((400, 200), orientation=6))
        assert (photo.width, photo.height) == (200, 400)
        image = opened(photo.image)
        assert close_to(image.getpixel((100, 40)), RED)  # the left half is now on top
        assert close_to(image.getpixel((100, 360)), BLUE)
        assert ORIENTATION not in image.getexif()

    def test_upright_photo_keeps_its_shape(self) -> None:
        image = opened(process(jpeg_with_gps((400, 200))).image)
        assert image.size == (400, 200)
        assert close_to(image.getpixel((40, 100)), RED)


class TestSizes:
    def test_resized_and_thumbnail(self) -> None:
        photo = process(jpeg_with_gps((4032, 3024)))
        assert (photo.width, photo.height) == (1600, 1200)
        assert opened(photo.image).size == (1600, 1200)
        assert opened(photo.thumb).size == (320, 240)

    def test_portrait_longest_side_is_limited(self) -> None:
        photo = process(png((1000, 3000)))
        assert max(photo.width, photo.height) == 1600 and photo.height == 1600
        assert max(opened(photo.thumb).size) <= 320

    def test_small_photos_are_not_enlarged(self) -> None:
        photo = process(png((300, 200)))
        assert (photo.width, photo.height) == (300, 200)
        assert opened(photo.thumb).size == (300, 200)

    def test_sizes_are_settings(self) -> None:
        photo = process(png((1000, 500)), max_side=400, thumb_side=100)
        assert opened(photo.image).size == (400, 200)
        assert opened(photo.thumb).size == (100, 50)

    def test_a_very_thin_picture_keeps_at_least_one_pixel(self) -> None:
        photo = process(png((5000, 2)))
        assert photo.width == 1600 and photo.height >= 1


class TestModes:
    def test_transparency_becomes_white(self) -> None:
        image = opened(process(png((100, 100), mode="RGBA")).image)
        assert close_to(image.getpixel((50, 50)), (255, 255, 255), tolerance=5)

    def test_sixteen_bit_greyscale(self) -> None:
        data = encode(Image.new("I;16", (64, 64), 32768), "PNG")
        image = opened(process(data).image)
        assert close_to(image.getpixel((10, 10)), (128, 128, 128), tolerance=5)

    def test_cmyk_jpeg(self) -> None:
        data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG")
        assert opened(process(data).image).mode == "RGB"


class TestDisplayName:
    @pytest.mark.parametrize(
        ("filename", "shown"),
        [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\me\\IMG_1.HEIC", "IMG_1.HEIC"),
            ("bad\x00\r\nname.jpg", "badname.jpg"),
            (None, ""),
            ("x" * 100, "x" * 60 + "…"),
        ],
    )
    def test_only_a_safe_last_part_is_quoted(self, filename: str | None, shown: str) -> None:
        assert display_name(filename) == shown
