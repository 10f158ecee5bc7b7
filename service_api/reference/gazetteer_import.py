"""`flask gazetteer import DIR`: stream the GeoJSON files into the database in batches."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import mapping
from tqdm import tqdm

from intake.geo.gazetteer import iter_addresses, iter_areas
from service_api.cases import intake_runtime
from service_api.extensions import db
from service_api.models import GazetteerAddress, GazetteerArea
from service_api.numbers import next_value

BATCH = 10_000


def _geometry_json(geometry: object) -> str:
    return json.dumps(geometry if isinstance(geometry, dict) else mapping(geometry), separators=(",", ":"))


def import_gazetteer(directory: Path, progress: bool = False) -> tuple[int, int]:
    """Replace the gazetteer in one transaction; API processes pick the new version up on next use."""
    db.session.query(GazetteerAddress).delete()
    db.session.query(GazetteerArea).delete()
    areas = 0
    batch: list[dict[str, object]] = []
    for area in iter_areas(directory):
        batch.append({"code": area.code, "level": area.level, "name": area.name,
                      "geometry": _geometry_json(area.geometry)})
        areas += 1
        if len(batch) >= BATCH:
            db.session.execute(GazetteerArea.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(GazetteerArea.__table__.insert(), batch)
    addresses = 0
    batch = []
    bar = tqdm(desc="addresses", unit=" pts", disable=not progress)
    for address in iter_addresses(directory):
        batch.append({"kind": address.kind, "name": address.name, "road": address.road, "number": address.number,
                      "aliases": list(address.aliases or []), "lat": address.lat, "lng": address.lng})
        addresses += 1
        if len(batch) >= BATCH:
            db.session.execute(GazetteerAddress.__table__.insert(), batch)
            bar.update(len(batch))
            batch = []
    if batch:
        db.session.execute(GazetteerAddress.__table__.insert(), batch)
        bar.update(len(batch))
    bar.close()
    next_value(intake_runtime.GAZETTEER_VERSION_KEY)
    db.session.commit()
    return areas, addresses
