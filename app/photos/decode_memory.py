"""How much memory decoding a picture takes, and a per-process budget that bounds it.

A decode's peak is known from the header (pixels x bytes per pixel of the mode x what the
format's decoder adds), so each decode reserves its peak from the budget before it starts and
a picture whose peak alone exceeds the budget is refused. 8 worst-case uploads at once then
cost one budget, not 8 x 800 MB (bench/photo_memory.py, docs/PERFORMANCE.md). Pure Pillow.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import ImageFile, JpegImagePlugin

from app.platform.errors import Unavailable

DECODE_BUDGET_BYTES = 150 * 1024 * 1024
# Bytes per pixel Pillow keeps for a decoded image of each mode (RGB is stored as RGBX).
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Modes Pillow cannot reduce: converted to these first, at full size (their cost counts).
REDUCIBLE = {
    "1": "L",
    "P": "RGBA",
    "PA": "RGBA",
    "I;16": "I",
    "I;16B": "I",
    "I;16L": "I",
    "I;16N": "I",
}
# What a format's decoder holds beside Pillow's image, in bytes per pixel at full size,
# measured on the worst case of each with bench/photo_memory.py: libwebp's animation decoder
# (its canvases, made when the file is opened, and the copy Pillow is handed); a progressive
# JPEG's whole-image DCT coefficients (2 bytes x 3 full components), kept by a draft decode.
DECODER_BYTES = {"WEBP": 20, "PROGRESSIVE_JPEG": 6}
# libheif: its planes and the buffer pillow-heif hands over, per band of the picture.
HEIF_PLANE_FACTOR = 1.5
KIND_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}


# Uploads waiting for room each hold a thread of the worker's pool (40): past this many, more
# are answered 503 at once, so that a burst of large photos never starves other requests.
MAX_WAITING = 16


class DecodesBusy(Unavailable):
    """503 with Retry-After: too many photos already wait for their turn to be decoded."""

    code = "photos_busy"
    retry_after_s = 10

    def __init__(self) -> None:
        super().__init__(
            "Many photos are being processed right now; this one was not stored. "
            f"Send it again in {self.retry_after_s} seconds."
        )


class MemoryBudget:
    """Admits work while the bytes it reserves fit in ``limit`` together; others wait, at
    most ``max_waiting`` of them (DecodesBusy past that)."""

    def __init__(self, limit: int, *, max_waiting: int = MAX_WAITING) -> None:
        self.limit = limit
        self.max_waiting = max_waiting
        self.used = 0
        self.waiting = 0
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, cost: int) -> Iterator[None]:
        cost = min(cost, self.limit)  # the caller refuses anything larger beforehand
        with self._changed:
            if self.used + cost > self.limit:
                if self.waiting >= self.max_waiting:
                    raise DecodesBusy()
                self.waiting += 1
                try:
                    self._changed.wait_for(lambda: self.used + cost <= self.limit)
                finally:
                    self.waiting -= 1
            self.used += cost
        try:
            yield
        finally:
            with self._changed:
                self.used -= cost
                self._changed.notify_all()


BUDGET = MemoryBudget(DECODE_BUDGET_BYTES)


def return_large_blocks_to_the_system() -> None:
    """Pillow keeps pixels in 16 MB blocks from malloc. glibc raises its mmap threshold after
    the first such block is freed, so later ones come from the heap of the thread's arena and
    stay resident when freed: after 8 decodes on 8 pool threads, 8 x 160 MB. A fixed 1 MB
    threshold maps large blocks on their own and unmaps them when freed."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)  # not glibc (musl): nothing to do


_M_MMAP_THRESHOLD = -3
return_large_blocks_to_the_system()


def reduce_factor(size: tuple[int, int], max_side: int) -> int:
    """The largest whole factor that keeps the longest side at least ``max_side``."""
    return max(1, max(size) // max_side)


def reduced_size(size: tuple[int, int], factor: int) -> tuple[int, int]:
    return -(-size[0] // factor), -(-size[1] // factor)


@dataclass(frozen=True)
class Plan:
    peak_bytes: int  # the decode's estimated peak
    kind: str  # the format's name, for the refusal
    max_pixels: int  # the most pixels this kind of picture may have within the budget


def plan(image: ImageFile.ImageFile, *, original: tuple[int, int], max_side: int) -> Plan:
    """The decode's peak memory, from the header (after a JPEG draft): the decoded image, a
    conversion Pillow needs before reducing and the decoder's own buffers, with the reduced
    copy beside them; afterwards at most three reduced copies (flattened, converted, resized)."""
    full = original[0] * original[1]
    kind = KIND_NAMES[str(image.format)]
    if image.format == "HEIF":  # libheif's planes and its buffer, no Pillow copy (strips)
        per_pixel = len(image.mode) * HEIF_PLANE_FACTOR + 1
    else:
        mode_bytes = MODE_BYTES.get(image.mode, 4)
        if image.mode in REDUCIBLE:
            mode_bytes += MODE_BYTES.get(REDUCIBLE[image.mode], 4)
        decoder_bytes = DECODER_BYTES.get(str(image.format), 0)
        # A JPEG's draft scale is kept; a progressive one's coefficients are full size.
        per_pixel = (mode_bytes + decoder_bytes) * image.width * image.height / full
        if isinstance(image, JpegImagePlugin.JpegImageFile) and "progressive" in image.info:
            kind, per_pixel = "progressive JPEG", per_pixel + DECODER_BYTES["PROGRESSIVE_JPEG"]
    reduced = reduced_size(image.size, reduce_factor(image.size, max_side))
    copy = 4 * reduced[0] * reduced[1]
    # Beside the full-size pixels, a reduced copy: at most 2 x max_side² pixels for a picture
    # reduced 3 times or more (the bound, so that the limit is the same for every size).
    beside = 8 * max_side * max_side
    peak = max(int(per_pixel * full) + beside, 3 * copy)
    return Plan(peak, kind, int(max(0, DECODE_BUDGET_BYTES - beside) / per_pixel))
