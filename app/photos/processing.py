"""Turning an uploaded photo into the two JPEGs we keep. Pure Pillow: no app state, no database.

The type is sniffed from the bytes (JPEG, PNG, WebP, HEIC/HEIF), never taken from the name.
The output is encoded from pixels alone, so nothing the phone wrote beside them survives:
no EXIF (GPS, device, time), XMP, comment or ICC profile (colours are converted to sRGB first).
"""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageFile, JpegImagePlugin, UnidentifiedImageError

from app.photos import decode_memory as memory
from app.photos.errors import PhotoRejected

# Embedded thumbnails may show what an edit cropped away; depth and auxiliary images are unused.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # a JPEG with extra pictures (depth, HDR gain map): many phones
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_NAMES = "JPEG, PNG, WebP or HEIC"
JPEG_QUALITY = 82
THUMB_QUALITY = 80

# Opening only parses the header; the warnings filter that turns Pillow's bomb warning into an
# error is process-wide state, so the few microseconds of opening are serialised.
_OPEN_LOCK = threading.Lock()

# The turn EXIF's orientation asks for (as ImageOps.exif_transpose applies it).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
ORIENTATION = 0x0112
_STRIP_ROWS = 256
# Decoding is CPU-bound: more decodes at once than cores gains no speed.
_DECODE_SLOTS = threading.BoundedSemaphore(max(1, len(os.sched_getaffinity(0))))


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ProcessedPhoto:
    content_type: str  # of the upload, as sniffed
    width: int  # of the stored JPEG, upright
    height: int
    image: bytes  # JPEG, longest side <= max_side
    thumb: bytes  # JPEG, longest side <= thumb_side


def display_name(filename: str | None) -> str:
    """The last part of the client's file name, safe to quote in a message ('' if none)."""
    if not filename:
        return ""
    name = _UNPRINTABLE.sub("", re.split(r"[\\/]", filename)[-1]).strip()
    return name[:60] + ("…" if len(name) > 60 else "")


def _megabytes(n: int) -> str:
    return f"{round(n / (1024 * 1024), 1):g}"


def _the(what: str, name: str) -> str:
    return f'The {what} "{name}"' if name else f"The {what}"


def too_large(max_bytes: int, filename: str | None = None) -> PhotoRejected:
    return PhotoRejected(
        "too_large",
        f"{_the('photo', display_name(filename))} is larger than {_megabytes(max_bytes)} MB; "
        "take it again at a lower resolution.",
    )


def _not_an_image(name: str) -> PhotoRejected:
    return PhotoRejected(
        "not_an_image",
        f"{_the('file', name)} is not a photo or is damaged; "
        f"choose a {ACCEPTED_NAMES} picture, or take the photo again.",
    )


def _unsupported(name: str, kind: str | None) -> PhotoRejected:
    what = f"a {kind} picture" if kind else "a kind of picture that is not accepted"
    return PhotoRejected(
        "unsupported_type",
        f"{_the('file', name)} is {what}; send a {ACCEPTED_NAMES} photo instead.",
    )


def _too_many_pixels(name: str, max_pixels: int, size: tuple[int, int] | None) -> PhotoRejected:
    has = f" has {size[0]} × {size[1]} pixels, more than" if size else " has more than"
    return PhotoRejected(
        "too_many_pixels",
        f"{_the('photo', name)}{has} the {_mpx(max_pixels)} megapixels allowed; "
        "take it again at a lower resolution.",
    )


def _too_heavy(name: str, kind: str, max_pixels: int, size: tuple[int, int]) -> PhotoRejected:
    return PhotoRejected(
        "too_many_pixels",
        f"{_the('photo', name)} has {size[0]} × {size[1]} pixels; a {kind} picture may have at "
        f"most {_mpx(max_pixels)} megapixels here. Send it as a JPEG, or take it again at a "
        "lower resolution.",
    )


def _mpx(pixels: int) -> str:
    return f"{pixels / 1e6:.1f}".removesuffix(".0")


def _other_format(data: bytes) -> str | None:
    """The name of a picture format we do not accept, if Pillow recognises one."""
    try:
        with Image.open(io.BytesIO(data)) as other:
            return other.format
    except Exception:  # unidentified, a bomb, a header no plugin can parse: not a picture to us
        return None


def _open(data: bytes, *, name: str, max_pixels: int) -> ImageFile.ImageFile:
    """Open the header of an accepted picture; refuse other data, formats and bombs."""
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            except UnidentifiedImageError:
                kind = _other_format(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, max_pixels, None) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _not_an_image(name) from exc
    raise _unsupported(name, kind) if kind else _not_an_image(name)


def _draft_box(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    scale = max_side / max(size)
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def pixel_limit(data: bytes, *, max_pixels: int, max_side: int) -> int:
    """The most pixels a picture like ``data`` (its format, mode and, for a JPEG, whether it
    is progressive) may have: ``max_pixels``, or fewer where its decode needs more memory.
    For benchmarks and documentation; raises PhotoRejected for data that is no picture."""
    with _open(data, name="", max_pixels=max_pixels) as image:
        original = image.size
        if isinstance(image, JpegImagePlugin.JpegImageFile):
            image.draft(None, _draft_box(image.size, max_side))
        return min(max_pixels, memory.plan(image, original=original, max_side=max_side).max_pixels)


def _reducible(image: Image.Image) -> Image.Image:
    return image.convert(memory.REDUCIBLE[image.mode]) if image.mode in memory.REDUCIBLE else image


def _shrink(image: Image.Image, factor: int) -> Image.Image:
    """A whole-factor box reduce (no copy in another mode first, unlike Image.reduce for
    RGBA: averaging unpremultiplied colours only tints the edge of a transparent area)."""
    if factor == 1:
        return image
    return image._new(image.im.reduce((factor, factor), (0, 0, *image.size)))


def _heif_reduced(data: bytes, image: ImageFile.ImageFile, max_side: int) -> Image.Image:
    """libheif's decoded buffer, reduced a strip of rows at a time: Pillow never holds a
    full-size copy beside it (an iPhone's 24 Mpx photo would need ~170 MB otherwise)."""
    frame = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    width, height = frame.size
    factor = memory.reduce_factor(frame.size, max_side)
    pixels = memoryview(frame.data)
    rows = factor * max(1, _STRIP_ROWS // factor)  # whole blocks: the same as one reduce
    out = Image.new(frame.mode, memory.reduced_size(frame.size, factor))
    for top in range(0, height, rows):
        count = min(rows, height - top)
        chunk = pixels[top * frame.stride : (top + count) * frame.stride].tobytes()  # a strip
        strip = Image.frombytes(frame.mode, (width, count), chunk, "raw", frame.mode, frame.stride)
        out.paste(_shrink(strip, factor), (0, top // factor))
    out.info = dict(image.info)  # the colour profile; EXIF was read from the header
    return out


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels on white (a JPEG has no alpha; black would hide dark drawings)."""
    if image.mode not in ("RGBA", "LA"):
        image = image.convert("RGBA")
    background = Image.new("RGB", image.size, "white")
    background.paste(image.convert("RGB") if image.mode == "LA" else image, mask=image)
    return background


def _to_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB in sRGB, whatever the mode and colour profile of the upload."""
    icc = image.info.get("icc_profile")
    if image.mode == "I":  # 16-bit greyscale PNG (made reducible)
        image = image.point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        image = _flatten(image)
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile: keep the pixels as they are
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow copies some metadata (the JPEG comment) from .info into the file: empty it.
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _decode(data: bytes, image: ImageFile.ImageFile, max_side: int) -> Image.Image:
    """Load the pixels and bring them down to the stored size in sRGB, upright; the full-size
    pixels are dropped as soon as the reduced copy exists."""
    # WeasyPrint turns this on for the whole process when it is first imported (a report):
    # a cut-off upload would then be stored half grey instead of refused.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if image.format == "HEIF":
        turn = _TURNS.get(image.getexif().get(ORIENTATION, 1))
        small = _heif_reduced(data, image, max_side)
    else:
        image.load()
        turn = _TURNS.get(image.getexif().get(ORIENTATION, 1))
        small = _shrink(_reducible(image), memory.reduce_factor(image.size, max_side))
    if small is not image:
        image.close()  # frees the full-size pixels now, not when the request ends
    small = _to_srgb(small)
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return small.transpose(turn) if turn is not None else small


def process_photo(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    max_side: int,
    thumb_side: int,
    filename: str | None = None,
) -> ProcessedPhoto:
    """Check, upright, shrink and re-encode an upload; return the photo and its thumbnail.

    Raises PhotoRejected: too_large, not_an_image (no picture, or a damaged one),
    unsupported_type (a picture of another format) or too_many_pixels (checked from the header,
    before the pixels are decoded: over ``max_pixels``, or more than this format can decode
    within the process's memory budget). ``filename`` is only quoted in messages.
    Decodes wait for room in the budget, so many uploads at once never add up beyond it.
    """
    name = display_name(filename)
    if len(data) > max_bytes:
        raise too_large(max_bytes, filename)
    if not data:
        raise _not_an_image(name)
    with _open(data, name=name, max_pixels=max_pixels) as image:
        original = image.size
        if image.width * image.height > max_pixels:
            raise _too_many_pixels(name, max_pixels, original)
        assert image.format is not None
        content_type = CONTENT_TYPES[image.format]
        if image.format == "HEIF":
            content_type = image.get_format_mimetype() or content_type
        if isinstance(image, JpegImagePlugin.JpegImageFile):
            # Decode a 12 Mpx JPEG at 1/2, 1/4 or 1/8 scale when that is still large enough.
            image.draft(None, _draft_box(image.size, max_side))
        plan = memory.plan(image, original=original, max_side=max_side)
        if plan.peak_bytes > memory.DECODE_BUDGET_BYTES:
            raise _too_heavy(name, plan.kind, min(plan.max_pixels, max_pixels), original)
        if image.format == "WEBP":
            image.close()  # libwebp made full-size canvases on opening: again within the budget
        try:
            # Encoding too: the stored sizes' copies count in the plan's reduced copies.
            with memory.BUDGET.reserve(plan.peak_bytes), _DECODE_SLOTS:
                if image.format == "WEBP":
                    with _open(data, name=name, max_pixels=max_pixels) as webp:
                        photo = _decode(data, webp, max_side)
                else:
                    photo = _decode(data, image, max_side)
                return _encoded(photo, content_type, thumb_side)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(name, max_pixels, None) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _not_an_image(name) from exc


def _encoded(photo: Image.Image, content_type: str, thumb_side: int) -> ProcessedPhoto:
    thumb = photo.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        content_type=content_type,
        width=photo.width,
        height=photo.height,
        image=_jpeg(photo, JPEG_QUALITY),
        thumb=_jpeg(thumb, THUMB_QUALITY),
    )
