"""Hostile images through POST /api/v1/photos: truncated, bit-flipped, spliced, polyglot, oversized, decompression
bombs, HEIC with odd boxes, slow-parse files. Each answered with a JSON 4xx (or 201 when it still is a valid
image), never a 5xx, within a bounded time. The corpus is bench/fuzz_photos.py's, a few per category."""

from __future__ import annotations

import importlib.util
import io
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PER_CATEGORY = 5
CPU_BUDGET_S = 5.0


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("bench_fuzz_photos", ROOT / "bench" / "fuzz_photos.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


FUZZ = _fuzz_module()
CASES = list(FUZZ.generate(PER_CATEGORY * len(FUZZ.CATEGORIES), seed=3))


@pytest.fixture(scope="module")
def photo_client(tmp_path_factory, sqlite_template, model_path):
    import shutil

    from service_api import create_app
    from tests.conftest import _settings

    folder = tmp_path_factory.mktemp("photo-fuzz")
    shutil.copy(sqlite_template, folder / "service.db")
    app = create_app({"TESTING": True}, settings=_settings(f"sqlite:///{folder / 'service.db'}", folder, model_path))
    with app.app_context():
        yield app, app.test_client()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}-{i}" for i, c in enumerate(CASES)])
def test_hostile_upload_is_a_json_4xx_never_a_5xx(photo_client, case) -> None:
    app, client = photo_client
    app.extensions["settings"].photo_max_bytes = case.max_bytes
    started = time.process_time()
    response = client.post("/api/v1/photos", data={"file": (io.BytesIO(case.data), "upload.jpg")},
                           content_type="multipart/form-data")
    seconds = time.process_time() - started
    assert response.status_code < 500, f"{case.name}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    assert response.status_code == 201 or 400 <= response.status_code < 500
    body = response.get_json()
    if response.status_code != 201:
        assert body["status"] == response.status_code and body["code"] and body["message"]
    assert seconds < CPU_BUDGET_S, f"{case.name}: {seconds:.1f} s CPU"


def test_corpus_covers_every_category_and_is_mostly_refused(photo_client) -> None:
    """The control: a corpus the pipeline happily accepted would test nothing."""
    from intake.photos import PhotoError, process_photo

    assert {c.category for c in CASES} == set(FUZZ.CATEGORIES)
    refused = 0
    for case in CASES:
        try:
            process_photo(case.data, max_bytes=case.max_bytes)
        except PhotoError:
            refused += 1
    assert refused >= len(CASES) // 2
