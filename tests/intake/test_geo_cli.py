"""`python -m intake geocode` as a subprocess, and the demo generator."""

import json
import subprocess
import sys
from pathlib import Path

import intake
from intake.geo.geocoder import CLI_KEYS
from tools.demo_city import generate

ROOT = Path(intake.__file__).resolve().parent.parent
DEMO = ROOT / "intake" / "data" / "demo_city"


def _run(lines: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "intake", "geocode", *args],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )


def test_cli_round_trip_forward_reverse_and_errors():
    proc = _run(
        [
            json.dumps({"address": "香港中路12号东侧50米"}, ensure_ascii=False),
            "this is not json",
            json.dumps({"lat": 36.0646, "lng": 120.3850, "crs": "gcj02"}),
            json.dumps({"lat": 36.0646, "lng": 120.3850, "crs": "utm"}),
            json.dumps({"address": "今天天气不错"}, ensure_ascii=False),
            json.dumps({"text": "missing keys"}),
            "",
            json.dumps({"lat": "36", "lng": 120}),
        ],
        "--gazetteer", str(DEMO),
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 7  # the blank line is skipped, every other line answered in order
    forward, bad_json, reverse, bad_crs, nonsense, missing, bad_type = out
    assert tuple(forward)[: len(CLI_KEYS)] == CLI_KEYS
    assert forward["level"] == "door" and forward["description"] == "香港中路12号东侧50米"
    assert forward["district_code"] == "370202" and len(forward["grid_code"]) == 15
    assert "error" in bad_json and "error" in bad_crs and "error" in missing and "error" in bad_type
    assert reverse["grid_code"].startswith(reverse["street_code"])
    assert reverse["description"] and reverse["lng"] < 120.3850  # GCJ-02 points move back west
    assert nonsense["level"] is None and nonsense["lat"] is None and nonsense["confidence"] == 0


def test_cli_reports_a_broken_gazetteer(tmp_path):
    (tmp_path / "areas.geojson").write_text('{"type":"FeatureCollection","features":[{"type":"Feature"}]}', "utf-8")
    proc = _run([], "--gazetteer", str(tmp_path))
    assert proc.returncode == 1 and "areas.geojson, feature 0" in proc.stderr


def test_demo_generator_is_deterministic_and_matches_shipped_files(tmp_path):
    generate(tmp_path)
    for name in ("areas.geojson", "addresses.geojson"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), f"regenerate {name}"
    total = sum((DEMO / n).stat().st_size for n in ("areas.geojson", "addresses.geojson"))
    assert total < 5 * 1024 * 1024
    assert "DEMO" in (DEMO / "README.md").read_text("utf-8")
