"""Real pictures made with Pillow for the photo tests: EXIF with GPS, other formats, bombs."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageCms

RED = (220, 30, 30)
BLUE = (30, 30, 220)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def two_colours(size: tuple[int, int] = (400, 200)) -> Image.Image:
    """Left half red, right half blue: shows which way a photo was turned."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:20 21:15:00"  # DateTime
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (43.0, 14.0, 59.0)
    gps[3] = "E"
    gps[4] = (76.0, 54.0, 36.0)
    return exif


def jpeg_with_gps(size: tuple[int, int] = (400, 200), orientation: int = 1) -> bytes:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        two_colours(size),
        "JPEG",
        exif=exif_with_gps(orientation),
        comment=b"Flat 12, Abay avenue",
        icc_profile=srgb,
    )


def png(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    return encode(Image.new(mode, size, (10, 120, 60) if mode == "RGB" else 0), "PNG")


def bomb_png(side: int = 30_000) -> bytes:
    """A file of about 100 KB whose header promises side x side pixels."""
    return encode(Image.new("1", (side, side)), "PNG")


def is_gps_free(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return (
            not image.getexif()
            and not image.getexif().get_ifd(GPS_IFD)
            and "exif" not in image.info
            and "comment" not in image.info
            and "icc_profile" not in image.info
            and b"Exif" not in data
            and b"Abay" not in data
        )
