"""Photo memory benchmark: server RSS while 8 worst-case photos are uploaded at once.

    python -m bench.photo_memory [--concurrency 8]

Starts the service (one uvicorn worker, SQLite with Almaty's districts), stores one
checklist and, for each format, uploads ``--concurrency`` copies of its worst case at once
through the real endpoint (POST /api/v1/submissions/{id}/photos with the upload token): the
largest picture of that kind the service accepts, whose pixels cost the most memory per
byte of file (flat colours: a 150 KB PNG can hold 40 megapixels). The server's RSS is read
from /proc every 5 ms; reported: its peak and what stays resident 2 s later, both above the
RSS before the first upload. The floor, measured in the same run: a bare FastAPI endpoint in
its own process that receives the same uploads (multipart parsed, file read) and discards
them. Results go to bench/results/photo-memory.json; the worst-case files are kept under
var/bench/photos/ (HEIC encoding takes a minute).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import pillow_heif
from fastapi import FastAPI, File, UploadFile
from PIL import Image

from app.photos.processing import pixel_limit
from app.platform.config import PROJECT_ROOT, Settings
from bench.ingest import RESULTS, bodies, prepare_database, server_env, wait_until_up

PORT, FLOOR_PORT = 8766, 8767
FILES = PROJECT_ROOT / "var" / "bench" / "photos"
ASPECT = 1.1  # height / width, as the 6000 x 6600 picture
TARGET_MB = 200


def floor_app() -> FastAPI:
    """The floor: receive the multipart upload, read the file, discard it."""
    app = FastAPI()

    @app.post("/floor/photos", status_code=201)
    def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"bytes": len(file.file.read())}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str
    mode: str
    params: dict[str, Any]
    size: tuple[int, int] | None = None  # fixed; None: the largest the service accepts
    expect: int = 201


CASES = [
    Case("issue-png-rgba-6000x6600", "PNG", "RGBA", {}, size=(6000, 6600), expect=422),
    Case("png-rgba", "PNG", "RGBA", {}),
    Case("png-palette-transparent", "PNG", "P", {"transparency": 3}),
    Case("png-16bit-grey", "PNG", "I;16", {}),
    Case("jpeg-baseline", "JPEG", "RGB", {"quality": 50}),
    Case("jpeg-progressive-444", "JPEG", "RGB", {"progressive": True, "subsampling": 0}),
    Case("webp-lossless-rgba", "WEBP", "RGBA", {"lossless": True}),
    Case("heic-rgb", "HEIF", "RGB", {"quality": 30}),
    Case("heic-rgba", "HEIF", "RGBA", {"quality": 30}),
]


def _picture(mode: str, size: tuple[int, int]) -> Image.Image:
    colour: Any = {"RGBA": (10, 120, 60, 128), "RGB": (10, 120, 60), "P": 3, "I;16": 300}[mode]
    return Image.new(mode, size, colour)


def _encode(case: Case, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    _picture(case.mode, size).save(out, case.fmt, **case.params)
    return out.getvalue()


def _size_for(pixels: int) -> tuple[int, int]:
    width = int(math.sqrt(pixels / ASPECT))
    return width, int(width * ASPECT)


def worst_case(case: Case, settings: Settings) -> bytes:
    """The largest picture of the case's kind the service accepts (cached on disk)."""
    path = FILES / f"{case.name}.{case.fmt.lower()}"
    if path.exists():
        return path.read_bytes()
    limits = dict(max_pixels=settings.photo_max_pixels, max_side=settings.photo_max_side_px)
    size = case.size
    if size is None:
        # The limit depends on the decode (a large JPEG is decoded at 1/4 or 1/8 scale):
        # probe small, then ask again of a picture of the size found.
        size = _size_for(pixel_limit(_encode(case, (400, 440)), **limits))
        for _ in range(4):
            size = _size_for(pixel_limit(_encode(case, size), **limits) * 995 // 1000)
        while size[0] * size[1] > pixel_limit(_encode(case, size), **limits):
            size = (size[0] * 98 // 100, size[1] * 98 // 100)
    data = _encode(case, size)
    FILES.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Sampler:
    """The peak RSS of a process while a block runs, read every 5 ms."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def upload_all(concurrency: int, send: Callable[[int], httpx.Response]) -> list[int]:
    with ThreadPoolExecutor(concurrency) as pool:
        return [r.status_code for r in pool.map(send, range(concurrency))]


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", *args, "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    wait_until_up(f"http://127.0.0.1:{port}", process)
    return process


def measure(
    pid: int, concurrency: int, send: Callable[[int], httpx.Response], base: float
) -> dict[str, Any]:
    with Sampler(pid) as sampler:
        statuses = upload_all(concurrency, send)
    time.sleep(2)
    return {
        "statuses": sorted(set(statuses)),
        "peak_growth_mb": round(sampler.peak - base, 1),
        "resident_after_mb": round(rss_mb(pid) - base, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    settings = Settings()
    files = {case.name: worst_case(case, settings) for case in CASES}
    item_id = next(iter(bodies(1)[0]["answers"]))

    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = prepare_database("sqlite", Path(tmp))
        env = {
            **os.environ,
            **server_env(url),
            "SAFEYARD_DATA_DIR": tmp,
            "SAFEYARD_RATE_LIMIT_PHOTOS": "0",
            "SAFEYARD_PHOTO_MAX_PER_SUBMISSION": "100000",
        }
        real = start(["app.main:create_app", "--factory"], env, PORT)
        floor = start(["bench.photo_memory:floor_app", "--factory"], env, FLOOR_PORT)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=600) as client:
                answer = client.post("/api/v1/submissions", json=bodies(1, seed=11)[0])
                answer.raise_for_status()
                submission = answer.json()
                headers = {"X-Upload-Token": submission.get("photo_upload_token") or ""}
                path = f"/api/v1/submissions/{submission['id']}/photos"

                def real_upload(data: bytes, name: str) -> Callable[[int], httpx.Response]:
                    def send(_: int) -> httpx.Response:
                        return client.post(
                            path,
                            headers=headers,
                            data={"item_id": item_id, "photo_id": str(uuid.uuid4())},
                            files={"file": (name, data)},
                        )

                    return send

                def floor_upload(data: bytes, name: str) -> Callable[[int], httpx.Response]:
                    def send(_: int) -> httpx.Response:
                        return httpx.post(
                            f"http://127.0.0.1:{FLOOR_PORT}/floor/photos",
                            files={"file": (name, data)},
                            timeout=600,
                        )

                    return send

                # Warm both (imports, codecs, first allocations) with one small photo each.
                for case in CASES:
                    warm = _encode(case, (64, 64))
                    real_upload(warm, "warm")(0).raise_for_status()
                    floor_upload(warm, "warm")(0).raise_for_status()
                time.sleep(1)
                real_base, floor_base = rss_mb(real.pid), rss_mb(floor.pid)
                rows = []
                for case in CASES:
                    data, name = files[case.name], f"{case.name}.{case.fmt.lower()}"
                    with Image.open(io.BytesIO(data)) as image:
                        size = image.size
                    row = {
                        "case": case.name,
                        "pixels": f"{size[0]}x{size[1]}",
                        "megapixels": round(size[0] * size[1] / 1e6, 1),
                        "file_kb": round(len(data) / 1024),
                        "expect": case.expect,
                        "real": measure(
                            real.pid, args.concurrency, real_upload(data, name), real_base
                        ),
                        "floor": measure(
                            floor.pid, args.concurrency, floor_upload(data, name), floor_base
                        ),
                    }
                    rows.append(row)
                    print(_line(row), flush=True)
        finally:
            for process in (real, floor):
                process.terminate()
                process.wait(timeout=30)
            cleanup()

    worst = max(row["real"]["peak_growth_mb"] for row in rows)
    worst_floor = max(row["floor"]["peak_growth_mb"] for row in rows)
    after = rows[-1]["real"]["resident_after_mb"]
    wrong = [row["case"] for row in rows if row["real"]["statuses"] != [row["expect"]]]
    report = {
        "concurrency": args.concurrency,
        "rows": rows,
        "worst_peak_growth_mb": worst,
        "resident_after_all_mb": after,
        "floor_worst_peak_growth_mb": worst_floor,
        "ratio_to_floor": round(worst / max(worst_floor, 1.0), 1),
        "target_mb": TARGET_MB,
        "unexpected_status": wrong,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "photo-memory.json").write_text(json.dumps(report, indent=2))
    print(
        f"worst peak RSS growth {worst:.0f} MB (target <= {TARGET_MB} MB), resident after all "
        f"{after:.0f} MB; floor {worst_floor:.0f} MB, ratio {report['ratio_to_floor']}"
    )
    if wrong:
        print(f"unexpected answers: {', '.join(wrong)}")
    if worst > TARGET_MB or after > TARGET_MB or wrong:
        raise SystemExit(1)


def _line(row: dict[str, Any]) -> str:
    real, floor = row["real"], row["floor"]
    return (
        f"{row['case']:<26} {row['pixels']:>10} {row['file_kb']:>7} KB  "
        f"status {real['statuses']}  peak +{real['peak_growth_mb']:>6.1f} MB  "
        f"after +{real['resident_after_mb']:>6.1f} MB  floor peak +{floor['peak_growth_mb']:.1f} MB"
    )


pillow_heif.register_heif_opener()

if __name__ == "__main__":
    main()
