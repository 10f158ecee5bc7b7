"""The photo pipeline as a resident's upload meets it: accepted formats, EXIF facts, no leaked metadata,
refusals with the right reason, bounded time on hostile input, and the content-addressed store."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from intake.photos import (
    DecompressionBomb,
    NotAnImage,
    PhotoError,
    TooLarge,
    TruncatedImage,
    UnsupportedFormat,
    process_photo,
    save_processed,
    store_path,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import fixtures_photos as samples  # noqa: E402

sys.path.remove(str(HERE))
fuzz = samples.load_module(REPO / "bench" / "fuzz_photos.py", "fuzz_photos")

QINGDAO = ((36.0, 4.0, 30.0), "N", (120.0, 22.0, 48.0), "E")  # 36.075, 120.38
SYDNEY = ((33.0, 52.0, 4.2), "S", (151.0, 12.0, 36.0), "E")
LIMA = ((12.0, 2.0, 36.0), "S", (77.0, 1.0, 48.0), "W")
LEAK_MARKERS = (b"Exif", b"GPS", b"PhotoTestCam", b"secret comment", b"xmpmeta", b"ICC_PROFILE", b"http://ns")


def open_jpeg(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    img.load()
    return img


def assert_no_metadata(data: bytes) -> None:
    img = open_jpeg(data)
    assert not img.getexif(), "EXIF survived"
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop", "mp"):
        assert key not in img.info, f"{key} survived"
    assert not img.applist or all(name == "APP0" for name, _ in img.applist), img.applist
    for marker in LEAK_MARKERS:
        assert marker not in data, f"{marker!r} found in the stored bytes"


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], colour, strict=True))


# --- accepted formats, orientation, metadata ------------------------------------------------------------


def test_jpeg_orientation_applied_before_metadata_is_stripped() -> None:
    data = samples.jpeg_with_metadata((400, 300), orientation=6, gps=QINGDAO, taken="2026:11:20 09:15:30")
    photo = process_photo(data)

    assert (photo.width, photo.height) == (300, 400)
    assert (photo.original_width, photo.original_height) == (300, 400)
    out = open_jpeg(photo.image_bytes)
    assert out.size == (300, 400)
    # Stored top-left marker of an orientation-6 photo is displayed at the top-right.
    assert near(out.getpixel((300 - 10, 10)), samples.MARKER)
    assert near(out.getpixel((10, 10)), samples.GREY)
    assert near(out.getpixel((10, 400 - 10)), samples.GREY)
    assert photo.format == "JPEG" and photo.mime == "image/jpeg"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillows_exif_transpose(orientation) -> None:
    from PIL import ImageOps

    data = samples.jpeg_with_metadata((160, 120), orientation=orientation)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    out = open_jpeg(process_photo(data).image_bytes)
    assert out.size == reference.size
    w, h = out.size
    for corner in ((5, 5), (w - 6, 5), (5, h - 6), (w - 6, h - 6)):
        assert near(out.getpixel(corner), reference.getpixel(corner)), corner


def test_multi_picture_jpeg_from_a_camera_is_a_jpeg() -> None:
    first, second = samples.marked_image((160, 120)), samples.photographic(160, 120)
    data = samples.encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    photo = process_photo(data)
    assert photo.format == "JPEG" and (photo.width, photo.height) == (160, 120)
    assert near(open_jpeg(photo.image_bytes).getpixel((5, 5)), samples.MARKER)


def test_output_and_thumbnail_carry_no_metadata() -> None:
    data = samples.jpeg_with_metadata((400, 300), orientation=6, gps=QINGDAO, taken="2026:11:20 09:15:30")
    for marker in (b"Exif", b"GPS", b"secret comment", b"xmpmeta"):
        assert marker in data  # the upload really had them
    photo = process_photo(data)
    assert_no_metadata(photo.image_bytes)
    assert_no_metadata(photo.thumb_bytes)


def test_icc_profile_is_applied_to_the_pixels_then_dropped() -> None:
    """Without its profile a photo's colours would shift; with the conversion they look the same in sRGB."""
    grey = Image.new("RGB", (64, 48), (128, 128, 128))
    linear = samples.icc_rgb_profile(gamma=1.0)  # linear 0.5 is sRGB ~188
    out = open_jpeg(process_photo(samples.encode(grey, "JPEG", quality=95, icc_profile=linear)).image_bytes)
    assert "icc_profile" not in out.info
    assert near(out.getpixel((10, 10)), (188, 188, 188), tol=4)
    plain = open_jpeg(process_photo(samples.encode(grey, "JPEG", quality=95)).image_bytes)
    assert near(plain.getpixel((10, 10)), (128, 128, 128), tol=4)


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        (QINGDAO, (36.075, 120.38)),
        (SYDNEY, (-33.8678333, 151.21)),
        (LIMA, (-12.0433333, -77.03)),
        (((36.075, 0.0, 0.0), "N", (120.38, 0.0, 0.0), "E"), (36.075, 120.38)),  # decimal degrees only
    ],
)
def test_gps_decoded_with_hemisphere_refs(gps, expected) -> None:
    photo = process_photo(samples.jpeg_with_metadata(gps=gps))
    assert photo.gps is not None
    assert photo.gps == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [
        ((95.0, 0.0, 0.0), "N", (120.0, 0.0, 0.0), "E"),  # latitude out of range
        ((36.0, 75.0, 0.0), "N", (120.0, 0.0, 0.0), "E"),  # 75 minutes
        ((0.0, 0.0, 0.0), "N", (0.0, 0.0, 0.0), "E"),  # no fix
        ((36.0, 4.0, 30.0), "X", (120.0, 22.0, 48.0), "E"),  # bad reference
    ],
)
def test_nonsense_gps_is_none(gps) -> None:
    assert process_photo(samples.jpeg_with_metadata(gps=gps)).gps is None


def test_no_exif_means_no_gps_and_no_time() -> None:
    photo = process_photo(samples.encode(samples.marked_image((64, 48)), "JPEG"))
    assert photo.gps is None and photo.taken_at is None


@pytest.mark.parametrize(
    ("exif_args", "expected"),
    [
        ({"taken": "2026:11:20 09:15:30"}, datetime(2026, 11, 20, 1, 15, 30, tzinfo=UTC)),  # naive = Shanghai
        ({"taken": "2026:11:20 09:15:30", "offset": "+02:00"}, datetime(2026, 11, 20, 7, 15, 30, tzinfo=UTC)),
        ({"taken": "2026:01:01 00:30:00", "offset": "-05:00"}, datetime(2026, 1, 1, 5, 30, tzinfo=UTC)),
        ({"datetime_ifd0": "2025:06:01 12:00:00"}, datetime(2025, 6, 1, 4, 0, tzinfo=UTC)),  # fallback tag
        ({"taken": "0000:00:00 00:00:00"}, None),
        ({"taken": "    :  :     :  :  "}, None),
        ({"taken": "2026:13:45 99:99:99"}, None),
    ],
)
def test_taken_at_is_aware_utc(exif_args, expected) -> None:
    taken = process_photo(samples.jpeg_with_metadata(**exif_args)).taken_at
    assert taken == expected
    if taken is not None:
        assert taken.utcoffset() is not None and taken.utcoffset().total_seconds() == 0


def test_png_alpha_is_composited_on_white() -> None:
    photo = process_photo(samples.png_with_alpha((200, 100)))
    out = open_jpeg(photo.image_bytes)
    assert out.mode == "RGB" and photo.format == "PNG"
    assert near(out.getpixel((20, 50)), (255, 255, 255), tol=8)  # transparent -> white, not black
    assert near(out.getpixel((180, 50)), (0, 0, 255), tol=20)


@pytest.mark.parametrize(
    "build",
    [
        lambda: samples.encode(samples.marked_image((80, 60)).convert("CMYK"), "JPEG"),
        lambda: samples.encode(samples.marked_image((80, 60)).convert("L"), "JPEG"),
        lambda: samples.encode(samples.marked_image((80, 60)).convert("P"), "PNG", transparency=0),
        lambda: samples.encode(samples.marked_image((80, 60)).convert("LA"), "PNG"),
        lambda: samples.encode(samples.marked_image((80, 60)).convert("1"), "PNG"),
    ],
    ids=["cmyk-jpeg", "grey-jpeg", "palette-png-transparency", "la-png", "bilevel-png"],
)
def test_odd_modes_become_rgb(build) -> None:
    out = open_jpeg(process_photo(build()).image_bytes)
    assert out.mode == "RGB" and out.size == (80, 60)


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    import numpy as np

    pixels = np.zeros((32, 64), dtype=np.uint16)
    pixels[:, 32:] = 32768
    img = Image.fromarray(pixels)
    assert img.mode.startswith("I;16")
    out = open_jpeg(process_photo(samples.encode(img, "PNG")).image_bytes)
    assert near(out.getpixel((10, 16)), (0, 0, 0), tol=4)
    assert near(out.getpixel((50, 16)), (128, 128, 128), tol=4)


def test_webp_accepted_with_exif() -> None:
    exif = samples.photo_exif(gps=QINGDAO, taken="2026:11:20 09:15:30")
    photo = process_photo(samples.webp_sample((320, 240), exif=exif))
    assert photo.format == "WEBP" and (photo.width, photo.height) == (320, 240)
    assert photo.gps == pytest.approx((36.075, 120.38))
    assert_no_metadata(photo.image_bytes)


def test_heic_accepted_with_orientation_and_exif() -> None:
    exif = samples.photo_exif(orientation=6, gps=LIMA, taken="2026:11:20 09:15:30", offset="+08:00")
    photo = process_photo(samples.heic_sample((320, 240), exif=exif))
    assert photo.format == "HEIF"
    assert (photo.width, photo.height) == (240, 320)  # libheif applied the rotation; not applied twice
    assert near(open_jpeg(photo.image_bytes).getpixel((240 - 10, 10)), samples.MARKER)
    assert photo.gps == pytest.approx((-12.0433333, -77.03))
    assert photo.taken_at == datetime(2026, 11, 20, 1, 15, 30, tzinfo=UTC)
    assert_no_metadata(photo.image_bytes)


# --- sizes ----------------------------------------------------------------------------------------------


def test_large_photo_downscaled_to_max_side_and_thumbnail() -> None:
    photo = process_photo(samples.encode(samples.marked_image((3000, 1500)), "PNG"))
    assert (photo.width, photo.height) == (2048, 1024)
    assert (photo.original_width, photo.original_height) == (3000, 1500)
    assert open_jpeg(photo.image_bytes).size == (2048, 1024)
    assert open_jpeg(photo.thumb_bytes).size == (320, 160)


def test_12mp_jpeg_uses_a_reduced_decode_within_the_size_slack() -> None:
    data = samples.encode(samples.marked_image((4000, 3000)), "JPEG", exif=samples.photo_exif(orientation=6))
    photo = process_photo(data)
    assert (photo.original_width, photo.original_height) == (3000, 4000)
    assert 0.9 * 2048 <= photo.height <= 2048 and photo.width * 4 == photo.height * 3
    assert open_jpeg(photo.thumb_bytes).size == (240, 320)


def test_custom_sides_and_small_images_are_not_upscaled() -> None:
    photo = process_photo(samples.encode(samples.marked_image((1000, 500)), "PNG"), max_side=500, thumb_side=100)
    assert (photo.width, photo.height) == (500, 250)
    assert open_jpeg(photo.thumb_bytes).size == (100, 50)
    small = process_photo(samples.encode(samples.marked_image((50, 40)), "PNG"))
    assert (small.width, small.height) == (50, 40)
    assert open_jpeg(small.thumb_bytes).size == (50, 40)


def test_same_bytes_same_sha_of_the_original() -> None:
    data = samples.jpeg_with_metadata(gps=QINGDAO)
    first, second = process_photo(data), process_photo(data)
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    other = process_photo(samples.jpeg_with_metadata(gps=SYDNEY))
    assert other.sha256 != first.sha256


def test_bytearray_and_memoryview_uploads_are_accepted() -> None:
    data = samples.jpeg_with_metadata(gps=QINGDAO)
    expected = process_photo(data)
    assert process_photo(bytearray(data)) == expected
    assert process_photo(memoryview(data)) == expected


def test_concurrent_calls_give_the_same_results_as_sequential_ones() -> None:
    from concurrent.futures import ThreadPoolExecutor

    exif = samples.photo_exif(orientation=6, gps=SYDNEY, taken="2026:11:20 09:15:30")
    uploads = [
        samples.jpeg_with_metadata(orientation=6, gps=QINGDAO),
        samples.png_with_alpha(),
        samples.webp_sample(exif=exif),
        samples.heic_sample(exif=exif),
        samples.gif_sample(),
        samples.png_bomb(),
    ] * 3

    def outcome(data: bytes) -> object:
        try:
            return process_photo(data, max_pixels=1_000_000)
        except PhotoError as exc:
            return exc.code

    sequential = [outcome(d) for d in uploads]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(outcome, uploads)) == sequential
    assert sequential[4:6] == ["unsupported_format", "decompression_bomb"]


def test_result_is_frozen() -> None:
    photo = process_photo(samples.png_with_alpha())
    with pytest.raises(FrozenInstanceError):
        photo.width = 1  # type: ignore[misc]


# --- refusals -------------------------------------------------------------------------------------------


def refusal(data: bytes, **kwargs) -> PhotoError:
    with pytest.raises(PhotoError) as info:
        process_photo(data, **kwargs)
    return info.value


def test_gif_refused_as_unsupported() -> None:
    err = refusal(samples.gif_sample())
    assert isinstance(err, UnsupportedFormat) and err.code == "unsupported_format"
    assert err.to_dict() == {"code": "unsupported_format", "message": err.message}  # no HTTP here: the API maps it


@pytest.mark.parametrize(
    "data",
    [
        b"this is a text file someone named photo.jpg\n",
        b"<!DOCTYPE html><html><body>hi</body></html>",
        b"PK\x03\x04" + bytes(100),
    ],
    ids=["text", "html", "zip"],
)
def test_non_images_refused_whatever_their_name(data) -> None:
    err = refusal(data)
    assert isinstance(err, NotAnImage) and err.code == "not_an_image"
    assert "图片" in err.message


@pytest.mark.parametrize(
    "data",
    [
        b"BM" + bytes(60),
        b"II*\x00" + bytes(60),
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(40),
        b"GIF89a" + bytes(40),
    ],
    ids=["bmp", "tiff", "svg", "avif", "gif-header-only"],
)
def test_other_image_formats_refused(data) -> None:
    assert isinstance(refusal(data), UnsupportedFormat)


def test_gif_header_with_jpeg_body_is_not_decoded_as_jpeg() -> None:
    jpeg = samples.jpeg_with_metadata()
    assert isinstance(refusal(b"GIF89a" + jpeg[2:]), UnsupportedFormat)


def test_jpeg_with_appended_zip_is_cleaned() -> None:
    payload = b"PK\x03\x04payload.php<?php system($_GET['c']); ?>"
    photo = process_photo(samples.jpeg_with_metadata() + payload)
    assert b"PK\x03\x04" not in photo.image_bytes and b"<?php" not in photo.image_bytes


@pytest.mark.parametrize(
    "build",
    [
        lambda: samples.encode(samples.photographic(320, 240), "JPEG", quality=90),
        lambda: samples.encode(samples.photographic(320, 240), "JPEG", quality=90, progressive=True),
        lambda: samples.encode(samples.photographic(320, 240), "PNG"),
        lambda: samples.encode(samples.photographic(320, 240), "WEBP"),
        lambda: samples.encode(samples.photographic(320, 240), "HEIF"),
    ],
    ids=["jpeg", "progressive-jpeg", "png", "webp", "heic"],
)
def test_truncated_upload_refused_not_padded(build) -> None:
    data = build()
    process_photo(data)  # the complete file is fine
    err = refusal(data[: len(data) * 2 // 3])
    assert isinstance(err, TruncatedImage) and err.code == "truncated_image"


def test_truncated_jpeg_refused_even_if_someone_enabled_truncated_loading(monkeypatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = samples.encode(samples.photographic(320, 240), "JPEG", quality=90)
    assert isinstance(refusal(data[: len(data) // 2]), TruncatedImage)


def test_camera_trailer_after_the_image_is_ignored() -> None:
    """Motion photos append a video whose bytes contain 0xFF 0xDA by chance; those are not JPEG scans."""
    jpeg = samples.jpeg_with_metadata()
    trailer = b"\x00\x00\x00\x18ftypmp42" + b"\xff\xda\x00\x08" * 2000
    photo = process_photo(jpeg + trailer)
    assert (photo.width, photo.height) == (400, 300)
    assert b"ftypmp42" not in photo.image_bytes


def test_progressive_jpeg_with_hundreds_of_scans_is_refused_fast() -> None:
    progressive = samples.encode(samples.photographic(320, 240), "JPEG", quality=85, progressive=True)
    scans = fuzz._jpeg_scans(progressive)
    start, end = scans[-1]
    eoi = progressive.rindex(b"\xff\xd9")
    bomb = progressive[:eoi] + progressive[start:end] * 500 + progressive[eoi:]
    began = time.perf_counter()
    err = refusal(bomb)
    assert time.perf_counter() - began < 0.5
    assert err.code == "corrupt_image"
    process_photo(progressive[:eoi] + progressive[start:end] * (100 - len(scans)) + progressive[eoi:])


@pytest.mark.parametrize(
    "data",
    [
        samples.png_bomb(30000, 30000),
        samples.png_bomb(2**31 - 1, 1),
        samples.jpeg_with_dimensions(65000, 65000),
        samples.jpeg_with_dimensions(8000, 8000),
    ],
    ids=["png-30000x30000", "png-2^31x1", "jpeg-65000x65000", "jpeg-8000x8000"],
)
def test_decompression_bomb_refused_quickly(data) -> None:
    start = time.perf_counter()
    err = refusal(data)
    assert time.perf_counter() - start < 0.5
    assert isinstance(err, DecompressionBomb) and err.code == "decompression_bomb"
    assert len(data) < 2000


def test_pixel_limit_is_per_call() -> None:
    data = samples.encode(samples.marked_image((400, 300)), "PNG")
    assert isinstance(refusal(data, max_pixels=100_000), DecompressionBomb)
    assert process_photo(data, max_pixels=120_000).width == 400
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS > 40_000_000  # global untouched


def test_oversize_refused() -> None:
    data = samples.jpeg_with_metadata()
    err = refusal(data + bytes(1000), max_bytes=len(data) + 999)
    assert isinstance(err, TooLarge) and err.code == "too_large"
    assert process_photo(data, max_bytes=len(data)).width == 400


def test_empty_upload_refused() -> None:
    assert isinstance(refusal(b""), PhotoError)


# --- hostile input: a short deterministic run of the fuzzer --------------------------------------------


@pytest.mark.filterwarnings("ignore:.*:UserWarning:PIL.TiffImagePlugin")  # Pillow's notes on corrupt EXIF
def test_fuzzed_uploads_only_raise_photo_error_in_bounded_time() -> None:
    summary = fuzz.run(fuzz.generate(len(fuzz.CATEGORIES) * 12, seed=11))
    assert len(summary.outcomes) == len(fuzz.CATEGORIES) * 12
    assert not summary.crashes, fuzz.report(summary, 2.0)
    assert not summary.slow(2.0), fuzz.report(summary, 2.0)
    results = {o.result for o in summary.outcomes}
    assert {"ok", "truncated_image", "decompression_bomb", "too_large"} <= results


# --- storage --------------------------------------------------------------------------------------------


def test_store_path_is_content_addressed_and_sharded(tmp_path) -> None:
    sha = hashlib.sha256(b"x").hexdigest()
    assert store_path(sha, tmp_path, "full") == tmp_path / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert store_path(sha, tmp_path, "thumb") == tmp_path / sha[:2] / sha[2:4] / f"{sha}.thumb.jpg"
    for bad in ("../../etc/passwd", sha.upper(), sha[:-1], sha + "0", ""):
        with pytest.raises(ValueError):
            store_path(bad, tmp_path, "full")
    with pytest.raises(ValueError):
        store_path(sha, tmp_path, "original")  # type: ignore[arg-type]


def test_save_writes_both_files_once(tmp_path) -> None:
    photo = process_photo(samples.jpeg_with_metadata(gps=QINGDAO))
    full, thumb = save_processed(photo, tmp_path)
    assert full.read_bytes() == photo.image_bytes and thumb.read_bytes() == photo.thumb_bytes
    assert full == store_path(photo.sha256, tmp_path, "full")
    before = (full.stat().st_mtime_ns, full.stat().st_ino, thumb.stat().st_ino)

    again = save_processed(photo, tmp_path)
    assert again == (full, thumb)
    assert (full.stat().st_mtime_ns, full.stat().st_ino, thumb.stat().st_ino) == before
    assert sorted(p.name for p in full.parent.iterdir()) == sorted([full.name, thumb.name])  # no temp files


def test_full_disk_raises_oserror_and_leaves_nothing_behind(tmp_path) -> None:
    """A file-size limit makes the write fail like ENOSPC would: the error must reach the caller."""
    photo = process_photo(samples.encode(samples.photographic(640, 480), "JPEG", quality=95))
    assert len(photo.image_bytes) > 4096
    script = textwrap.dedent(
        f"""
        import pickle, resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from intake.photos import save_processed
        photo = pickle.loads(sys.stdin.buffer.read())
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            save_processed(photo, Path({str(tmp_path)!r}))
        except OSError as exc:
            print("OSError", exc.errno)
            sys.exit(0)
        print("no error")
        """
    )
    import pickle

    proc = subprocess.run(
        [sys.executable, "-c", script], input=pickle.dumps(photo), capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().startswith("OSError"), proc.stdout.decode()
    full = store_path(photo.sha256, tmp_path, "full")
    assert not full.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != full.name]
    assert all(p.name.endswith(".thumb.jpg") for p in leftovers), leftovers  # only the complete thumbnail
    for p in leftovers:
        assert p.read_bytes() == photo.thumb_bytes


def test_saved_photo_reads_back_without_metadata(tmp_path) -> None:
    photo = process_photo(samples.heic_sample(exif=samples.photo_exif(gps=QINGDAO)))
    full, thumb = save_processed(photo, tmp_path)
    assert_no_metadata(full.read_bytes())
    assert os.stat(full).st_mode & 0o777 == 0o644
