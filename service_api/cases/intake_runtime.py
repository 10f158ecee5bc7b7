"""The intake library's long-lived objects in this process: classifier, geocoder, routing, directory.

Built lazily on first use and kept for the life of the process; the geocoder is rebuilt when
`flask gazetteer import` bumps the gazetteer version.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

from flask import current_app
from shapely.geometry import shape

from intake.geo import AddressRecord, AreaRecord, Gazetteer, Geocoder, load_gazetteer
from intake.routing import RoutingTable, load_routing
from intake.taxonomy import MatterDirectory, load_directory
from service_api.extensions import db
from service_api.models import GazetteerAddress, GazetteerArea, NumberSequence

log = logging.getLogger(__name__)
_lock = threading.Lock()
_geocoder: tuple[int, Geocoder] | None = None
GAZETTEER_VERSION_KEY = "gazetteer_version"


def classifier() -> Any:
    """The trained matter classifier (intake.classify.Classifier), loaded once per model path."""
    from intake.classify import load_classifier

    return load_classifier(current_app.extensions["settings"].intake_model_path)


def routing() -> RoutingTable:
    return load_routing()


def directory() -> MatterDirectory:
    return load_directory()


def gazetteer_version() -> int:
    row = db.session.get(NumberSequence, GAZETTEER_VERSION_KEY)
    return row.last_value if row else 0


def geocoder() -> Geocoder:
    """The geocoder over the imported gazetteer; the shipped demo city when nothing was imported."""
    global _geocoder
    version = gazetteer_version()
    with _lock:
        if _geocoder is None or _geocoder[0] != version:
            _geocoder = (version, Geocoder(_load_gazetteer(version)))
        return _geocoder[1]


def _load_gazetteer(version: int) -> Gazetteer:
    if version == 0:
        return load_gazetteer(current_app.extensions["settings"].gazetteer_dir)
    areas = [
        AreaRecord(level=a.level, code=a.code, name=a.name, geometry=shape(json.loads(a.geometry)))
        for a in db.session.query(GazetteerArea).yield_per(5000)
    ]
    addresses = [
        AddressRecord(kind=a.kind, name=a.name, road=a.road, number=a.number or "",
                      aliases=tuple(a.aliases or ()), lat=a.lat, lng=a.lng)
        for a in db.session.query(GazetteerAddress).yield_per(20000)
    ]
    return Gazetteer.from_records(areas, addresses)


def reset() -> None:
    """Forget cached objects (tests)."""
    global _geocoder
    with _lock:
        _geocoder = None


def warm_up(app: Any) -> None:
    """Build the long-lived intake objects now (gunicorn calls this as each worker starts)."""
    from service_api.extensions import db as _db

    with app.app_context():
        try:
            classifier()
            geocoder()
            log.info("intake classifier and geocoder loaded (pid %s)", os.getpid())
        finally:
            _db.session.remove()
