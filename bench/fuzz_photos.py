"""Fuzz `intake.photos.process_photo` with hostile uploads; every case must end in a `PhotoError` (or a
clean success) within a time bound. Deterministic: the same --seed gives the same cases.

    .venv/bin/python bench/fuzz_photos.py                 # 2000 cases, seed 1
    .venv/bin/python bench/fuzz_photos.py --cases 20000 --seed 7 --time-limit 2

Categories: truncated, bitflip, bytes (overwrite with boundary values), splice, polyglot, oversized,
bomb (huge declared dimensions in PNG/JPEG/WebP/HEIF headers), heic-box (ISO-BMFF boxes with odd
sizes, swapped types, duplicated or dropped, huge `ispe`) and slow-parse (10 MB of empty JPEG segments,
fill bytes, repeated progressive scans, empty PNG chunks: cheap to send, slow for a naive parser).
Exit status 1 when any case raised something other than `PhotoError`, or took longer than
--time-limit. A hard watchdog (faulthandler) dumps the stack and exits if one case hangs.
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import statistics
import struct
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from intake.photos import PhotoError, process_photo  # noqa: E402

_fixtures_path = REPO / "tests" / "intake" / "fixtures_photos.py"
sys.path.insert(0, str(_fixtures_path.parent))
import fixtures_photos as samples  # noqa: E402

sys.path.remove(str(_fixtures_path.parent))

SMALL_MAX_BYTES = 256 * 1024  # "oversized" cases run with this limit so they stay cheap to build
CATEGORIES = ("truncated", "bitflip", "bytes", "splice", "polyglot", "oversized", "bomb", "heic-box", "slow-parse")


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    data: bytes
    max_bytes: int = 10 * 1024 * 1024


@dataclass
class Outcome:
    case: Case
    result: str  # "ok", a PhotoError code, or "CRASH:<ExceptionType>"
    seconds: float
    error: str = ""


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def crashes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result.startswith("CRASH")]

    def slow(self, limit: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.seconds > limit]


def seed_files() -> dict[str, bytes]:
    """Valid inputs of every accepted format (with EXIF where the format carries it) to mutate."""
    exif = samples.photo_exif(
        orientation=6, gps=((36.0, 4.0, 30.0), "N", (120.0, 22.0, 48.0), "E"), taken="2026:11:20 09:15:30"
    )
    img = samples.photographic(160, 120, seed=3)
    return {
        "jpeg": samples.encode(img, "JPEG", quality=85, exif=exif),
        "jpeg-progressive": samples.encode(img, "JPEG", quality=85, progressive=True),
        "png-alpha": samples.png_with_alpha((96, 64)),
        "png-palette": samples.encode(img.convert("P"), "PNG"),
        "webp": samples.encode(img, "WEBP", quality=70, exif=exif),
        "webp-lossless": samples.encode(img, "WEBP", lossless=True),
        "heic": samples.encode(img, "HEIF", quality=50, exif=exif),
        "jpeg-icc": samples.encode(img, "JPEG", quality=85, icc_profile=samples.icc_rgb_profile(1.0)),
        "png-icc": samples.encode(img, "PNG", icc_profile=samples.icc_rgb_profile(1.8)),
    }


def _boxes(data: bytes, start: int, end: int, depth: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, size, type) of ISO-BMFF boxes, descending into the containers HEIF uses."""
    off = start
    while off + 8 <= end:
        size, kind = struct.unpack(">I4s", data[off : off + 8])
        if size < 8 or off + size > end:
            return
        yield off, size, kind
        if depth < 4:
            if kind == b"meta" or kind == b"iref":
                yield from _boxes(data, off + 12, off + size, depth + 1)
            elif kind in (b"iprp", b"ipco", b"dinf"):
                yield from _boxes(data, off + 8, off + size, depth + 1)
        off += size


def _heic_box_case(rng: random.Random, heic: bytes) -> tuple[str, bytes]:
    boxes = list(_boxes(heic, 0, len(heic)))
    off, size, kind = rng.choice(boxes)
    data = bytearray(heic)
    how = rng.choice(("size0", "size1-huge", "size-max", "size-small", "size-plus", "type", "dup", "drop", "ispe"))
    label = kind.decode("latin-1")
    if how == "size0":
        data[off : off + 4] = (0).to_bytes(4, "big")
    elif how == "size1-huge":  # 64-bit largesize pointing far past the end
        data[off : off + 4] = (1).to_bytes(4, "big")
        data[off + 8 : off + 8] = (2**63 - 1).to_bytes(8, "big")
    elif how == "size-max":
        data[off : off + 4] = (0xFFFFFFFF).to_bytes(4, "big")
    elif how == "size-small":
        data[off : off + 4] = rng.randint(1, 7).to_bytes(4, "big")
    elif how == "size-plus":
        data[off : off + 4] = (size + rng.randint(1, 4096)).to_bytes(4, "big")
    elif how == "type":
        other = rng.choice(boxes)[2]
        data[off + 4 : off + 8] = other
        label += f"->{other.decode('latin-1')}"
    elif how == "dup":
        data[off + size : off + size] = heic[off : off + size]
    elif how == "drop":
        del data[off : off + size]
    else:
        ispe = next((o for o, _, k in boxes if k == b"ispe"), None)
        if ispe is not None:
            w, h = rng.choice(((65535, 65535), (0, 0), (1, 2**31), (2**32 - 1, 2**32 - 1), (30000, 30000)))
            data[ispe + 12 : ispe + 20] = struct.pack(">II", w, h)
            label = f"{w}x{h}"
    return f"{how}:{label}", bytes(data)


def _polyglots(rng: random.Random, seeds: dict[str, bytes]) -> list[tuple[str, bytes]]:
    jpeg, png = seeds["jpeg"], seeds["png-alpha"]
    zip_payload = b"PK\x03\x04" + bytes(26) + b"evil.php<?php system($_GET['c']); ?>" + b"PK\x05\x06" + bytes(18)
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    return [
        ("jpeg+zip", jpeg + zip_payload),
        ("zip+jpeg", zip_payload + jpeg),
        ("gif-header+jpeg-body", b"GIF89a" + jpeg[2:]),
        ("gif-header+png-body", b"GIF89a" + png[6:]),
        ("html", html),
        ("html+jpeg", html + jpeg),
        ("jpeg+html", jpeg + html),
        ("png+html", png + html),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("pdf+jpeg", b"%PDF-1.4\n" + jpeg),
        ("bmp-header+jpeg", b"BM" + jpeg),
        ("riff-avi", b"RIFF" + struct.pack("<I", 100) + b"AVI " + bytes(100)),
        ("mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)),
        ("avif", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64)),
        ("empty", b""),
        ("soi-only", b"\xff\xd8\xff"),
        ("png-sig-only", b"\x89PNG\r\n\x1a\n"),
        ("riff-webp-empty", b"RIFF\x04\x00\x00\x00WEBP"),
        ("random", rng.randbytes(rng.randint(1, 4096))),
        ("jpeg-comment-script", jpeg[:2] + b"\xff\xfe\x00\x12<script>x</script>" + jpeg[2:]),
        ("jpeg+motion-photo-trailer", jpeg + b"\x00\x00\x00\x18ftypmp42" + b"\xff\xda\x00\x08" * 5000),
    ]


def _bombs(rng: random.Random) -> list[tuple[str, bytes]]:
    webp_vp8x = bytearray(samples.encode(samples.marked_image((32, 32)), "WEBP", quality=50, exif=b"Exif\x00\x00"))
    cases = [
        ("png-30000x30000", samples.png_bomb(30000, 30000)),
        ("png-2^31x1", samples.png_bomb(2**31 - 1, 1)),
        ("png-1x2^31", samples.png_bomb(1, 2**31 - 1)),
        ("png-7000x7000", samples.png_bomb(7000, 7000)),
        ("png-0x0", samples.png_bomb(0, 0)),
        ("jpeg-65535x65535", samples.jpeg_with_dimensions(65535, 65535)),
        ("jpeg-65535x1", samples.jpeg_with_dimensions(65535, 1)),
        ("jpeg-8000x8000", samples.jpeg_with_dimensions(8000, 8000)),
        ("jpeg-0x0", samples.jpeg_with_dimensions(0, 0)),
        ("png-random-dims", samples.png_bomb(rng.randint(1, 2**31 - 1), rng.randint(1, 2**31 - 1))),
    ]
    if webp_vp8x[12:16] == b"VP8X":
        webp_vp8x[24:30] = (16383).to_bytes(3, "little") * 2
        cases.append(("webp-vp8x-16384x16384", bytes(webp_vp8x)))
    return cases


def _jpeg_scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every SOS segment plus its entropy-coded data."""
    scans, i = [], 2
    while i < len(data) - 1:
        marker = data[i + 1]
        if marker == 0xD9:
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker != 0xDA:
            i += 2 + length
            continue
        j = i + 2 + length
        while True:
            j = data.index(b"\xff", j)
            if data[j + 1] == 0 or 0xD0 <= data[j + 1] <= 0xD7:
                j += 2
                continue
            break
        scans.append((i, j))
        i = j
    return scans


def _slow_parse(budget: int = 10 * 1024 * 1024 - 4096) -> list[tuple[str, bytes]]:
    """Inputs that are cheap to send and expensive to parse, each just under the 10 MB limit."""
    jpeg = samples.encode(samples.marked_image((64, 64)), "JPEG")
    png = samples.encode(samples.marked_image((64, 64)), "PNG")
    progressive = samples.encode(samples.photographic(2000, 1500, seed=5), "JPEG", quality=85, progressive=True)
    start, end = min(_jpeg_scans(progressive), key=lambda s: s[1] - s[0])
    eoi = progressive.rindex(b"\xff\xd9")
    tiny_scan = progressive[start:end]
    n = (budget - len(progressive)) // len(tiny_scan)
    empty_chunk = samples.png_chunk(b"abCd", b"")
    text_chunk = samples.png_chunk(b"tEXt", b"k\x00v")
    after_ihdr = 8 + 25
    before_iend = png.rindex(b"IEND") - 4
    return [
        ("jpeg-10MB-of-COM-segments", jpeg[:2] + b"\xff\xfe\x00\x02" * (budget // 4) + jpeg[2:]),
        ("jpeg-10MB-of-APP5-segments", jpeg[:2] + b"\xff\xe5\x00\x02" * (budget // 4) + jpeg[2:]),
        ("jpeg-10MB-of-fill-bytes", jpeg[:2] + b"\xff" * budget + jpeg[2:]),
        ("jpeg-10MB-of-junk", jpeg[:2] + b"\x00" * budget + jpeg[2:]),
        (f"jpeg-{n}-repeated-scans", progressive[:eoi] + tiny_scan * n + progressive[eoi:]),
        ("jpeg-100-scans", progressive[:eoi] + tiny_scan * (100 - len(_jpeg_scans(progressive))) + progressive[eoi:]),
        ("png-empty-chunks-before-idat", png[:after_ihdr] + empty_chunk * (budget // 12) + png[after_ihdr:]),
        ("png-empty-chunks-after-idat", png[:before_iend] + empty_chunk * (budget // 12) + png[before_iend:]),
        ("png-text-chunks", png[:after_ihdr] + text_chunk * (budget // len(text_chunk)) + png[after_ihdr:]),
    ]


def generate(count: int, seed: int = 1) -> Iterator[Case]:
    """`count` cases, cycling through the categories."""
    rng = random.Random(seed)
    seeds = seed_files()
    names = sorted(seeds)
    polyglots = _polyglots(rng, seeds)
    bombs = _bombs(rng)
    slow: list[tuple[str, bytes]] = []
    for i in range(count):
        category = CATEGORIES[i % len(CATEGORIES)]
        src_name = rng.choice(names)
        src = seeds[src_name]
        if category == "truncated":
            cut = rng.randint(1, len(src) - 1)
            yield Case(category, f"{src_name}[:{cut}]", src[:cut])
        elif category == "bitflip":
            data = bytearray(src)
            flips = rng.choice((1, 2, 4, 16, 64))
            for _ in range(flips):
                pos = rng.randrange(len(data))
                data[pos] ^= 1 << rng.randrange(8)
            yield Case(category, f"{src_name}~{flips}bits", bytes(data))
        elif category == "bytes":
            data = bytearray(src)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(len(data))
                width = rng.choice((1, 2, 4))
                value = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0xFE, 0x01))
                data[pos : pos + width] = bytes([value]) * width
            yield Case(category, f"{src_name}~bytes", bytes(data))
        elif category == "splice":
            a, b = sorted(rng.sample(range(len(src)), 2))
            at = rng.randrange(len(src))
            yield Case(category, f"{src_name}~splice", src[:at] + src[a:b] + src[at:])
        elif category == "polyglot":
            name, data = polyglots[(i // len(CATEGORIES)) % len(polyglots)]
            yield Case(category, name, data)
        elif category == "oversized":
            size = SMALL_MAX_BYTES + rng.randint(1, 4096)
            yield Case(category, f"{src_name}+pad{size}", src + rng.randbytes(size - len(src)), SMALL_MAX_BYTES)
        elif category == "bomb":
            name, data = bombs[(i // len(CATEGORIES)) % len(bombs)]
            yield Case(category, name, data)
        elif category == "heic-box":
            name, data = _heic_box_case(rng, seeds["heic"])
            yield Case(category, name, data)
        else:
            slow = slow or _slow_parse()
            name, data = slow[(i // len(CATEGORIES)) % len(slow)]
            yield Case(category, name, data)


def run_case(case: Case) -> Outcome:
    start = time.perf_counter()
    try:
        process_photo(case.data, max_bytes=case.max_bytes)
        result, error = "ok", ""
    except PhotoError as exc:
        result, error = exc.code, exc.detail or ""
    except BaseException as exc:  # exactly what the fuzzer is looking for
        result, error = f"CRASH:{type(exc).__name__}", repr(exc)
    return Outcome(case, result, time.perf_counter() - start, error)


def run(cases: Iterator[Case], watchdog_seconds: float = 30.0) -> Summary:
    summary = Summary()
    for case in cases:
        faulthandler.dump_traceback_later(watchdog_seconds, exit=True)
        try:
            summary.outcomes.append(run_case(case))
        finally:
            faulthandler.cancel_dump_traceback_later()
    return summary


def report(summary: Summary, time_limit: float) -> str:
    by_category: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in summary.outcomes:
        by_category[outcome.case.category].append(outcome)
    header = (
        f"{'category':<10} {'cases':>6} {'ok':>5} {'refused':>8} {'crash':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8}  results"
    )
    lines = [header]
    for category in CATEGORIES:
        outcomes = by_category.get(category, [])
        if not outcomes:
            continue
        times = sorted(o.seconds * 1000 for o in outcomes)
        counts = Counter(o.result for o in outcomes)
        ok = counts.get("ok", 0)
        crash = sum(v for k, v in counts.items() if k.startswith("CRASH"))
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        detail = ", ".join(f"{k}={v}" for k, v in counts.most_common())
        lines.append(
            f"{category:<10} {len(outcomes):>6} {ok:>5} {len(outcomes) - ok - crash:>8} {crash:>6} "
            f"{statistics.median(times):>8.1f} {p95:>8.1f} {times[-1]:>8.1f}  {detail}"
        )
    slow = summary.slow(time_limit)
    lines.append(f"total {len(summary.outcomes)} cases, {len(summary.crashes)} crashes, "
                 f"{len(slow)} over {time_limit:.1f} s")
    for outcome in summary.crashes[:20] + slow[:20]:
        lines.append(f"  {outcome.result} {outcome.seconds * 1000:.0f} ms {outcome.case.category}/"
                     f"{outcome.case.name}: {outcome.error[:200]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=2.0, help="seconds allowed per case")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    summary = run(generate(args.cases, args.seed), watchdog_seconds=max(30.0, 10 * args.time_limit))
    print(report(summary, args.time_limit))
    print(f"seed {args.seed}, {time.perf_counter() - start:.1f} s wall")
    return 1 if summary.crashes or summary.slow(args.time_limit) else 0


if __name__ == "__main__":
    raise SystemExit(main())
