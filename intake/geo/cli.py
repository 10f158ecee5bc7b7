"""`python -m intake geocode --gazetteer DIR`: JSON Lines in, one JSON line out per line in.

Input lines: ``{"address": "..."}`` (forward) or ``{"lat": .., "lng": .., "crs": "gcj02"}`` (reverse; crs
defaults to wgs84). Output: :meth:`GeocodeResult.to_dict`, or ``{"error": "..."}`` for a line that cannot be
handled; the command never stops on a bad line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from intake.geo.gazetteer import GazetteerError, load_gazetteer
from intake.geo.geocoder import Geocoder, is_number

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "demo_city"


def handle(geocoder: Geocoder, line: str) -> dict[str, Any]:
    """Answer one input line."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"invalid JSON: {exc.msg}"}
    if not isinstance(request, dict):
        return {"error": "each line must be a JSON object"}
    if "address" in request:
        address = request["address"]
        if not isinstance(address, str):
            return {"error": "'address' must be a string"}
        return geocoder.forward(address).to_dict()
    if "lat" in request or "lng" in request:
        lat, lng = request.get("lat"), request.get("lng")
        if not (is_number(lat) and is_number(lng)):
            return {"error": "'lat' and 'lng' must both be numbers"}
        try:
            return geocoder.reverse(lat, lng, request.get("crs") or "wgs84").to_dict()
        except ValueError as exc:
            return {"error": str(exc)}
    return {"error": "expected {\"address\": ...} or {\"lat\": ..., \"lng\": ..., \"crs\": ...}"}


def run(geocoder: Geocoder, stdin: TextIO, stdout: TextIO) -> int:
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(json.dumps(handle(geocoder, line), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def geocode_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake geocode", description=__doc__.splitlines()[0])
    parser.add_argument("--gazetteer", default=str(DEFAULT_GAZETTEER),
                        help="gazetteer directory with areas.geojson and addresses.geojson (default: demo city)")
    args = parser.parse_args(argv)
    try:
        gazetteer = load_gazetteer(args.gazetteer)
    except GazetteerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return run(Geocoder(gazetteer), sys.stdin, sys.stdout)
