"""Versions of the matter classifier next to the live artefact, and which one is live. (pure: files only)

    intake/model/classifier.joblib          the live model every process loads (load_classifier)
    intake/model/versions/v0003.joblib      every model trained by `retrain`, promoted or not
    intake/model/versions/registry.json     their scores and the order in which they went live

Promoting copies a version over the live path through a temporary file and an atomic rename, so a process
that loads the model at that moment reads either the old file or the new one, never half of one; the new
file has a new inode and mtime, which is how running API and Celery processes notice it (load_classifier
keys its cache on them). Rolling back promotes the version that was live before the current one.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REGISTRY_FILE = "registry.json"
VERSIONS_DIR = "versions"

# What became of a version
CANDIDATE = "candidate"  # trained and scored, not (yet) live
LIVE = "live"
RETIRED = "retired"  # was live, replaced by a newer one
REJECTED = "rejected"  # failed the promotion gate
ROLLED_BACK = "rolled_back"  # was live, taken back by a rollback

_lock = threading.Lock()


class RegistryError(RuntimeError):
    """A registry operation that cannot be done (nothing to roll back to, unknown version)."""


@dataclass
class ModelVersion:
    version: str  # v0001, v0002, …
    created_at: str  # ISO 8601, UTC
    file: str  # name inside versions/
    status: str
    examples: int = 0  # training examples
    platform_labels: int = 0  # of which came from staff decisions on the platform
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # slice → top1, top3, …
    note: str = ""


@dataclass
class Registry:
    """The registry of the live model at `live_path`."""

    live_path: Path

    @property
    def directory(self) -> Path:
        return self.live_path.parent / VERSIONS_DIR

    @property
    def index_path(self) -> Path:
        return self.directory / REGISTRY_FILE

    # -- reading --------------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"versions": [], "history": [], "runs": []}

    def versions(self) -> list[ModelVersion]:
        return [ModelVersion(**v) for v in self._read()["versions"]]

    def get(self, version: str) -> ModelVersion:
        for v in self.versions():
            if v.version == version:
                return v
        raise RegistryError(f"no model version {version!r}")

    def current(self) -> ModelVersion | None:
        history = self._read()["history"]
        return self.get(history[-1]) if history else None

    def runs(self) -> list[dict[str, Any]]:
        """Reports of past retrain runs, newest last."""
        return list(self._read().get("runs", []))

    def path_of(self, version: ModelVersion) -> Path:
        return self.directory / version.file

    # -- writing --------------------------------------------------------------------------------------
    def _write(self, data: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.index_path)

    def next_file(self) -> tuple[str, Path]:
        """The name and path the next version's artefact should be written to."""
        numbers = [int(v.version[1:]) for v in self.versions()]
        version = f"v{max(numbers, default=0) + 1:04d}"
        self.directory.mkdir(parents=True, exist_ok=True)
        return version, self.directory / f"{version}.joblib"

    def add(self, version: str, artefact: Path, *, created_at: str, examples: int = 0, platform_labels: int = 0,
            scores: dict[str, dict[str, float]] | None = None, note: str = "") -> ModelVersion:
        """Record a trained artefact (already written to versions/, or copied there) as a candidate."""
        with _lock:
            data = self._read()
            target = self.directory / f"{version}.joblib"
            if artefact.resolve() != target.resolve():
                self.directory.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(artefact, target)
            entry = ModelVersion(version, created_at, target.name, CANDIDATE, examples, platform_labels,
                                 scores or {}, note)
            data["versions"].append(asdict(entry))
            self._write(data)
            return entry

    def set_status(self, version: str, status: str, note: str | None = None) -> None:
        with _lock:
            data = self._read()
            for v in data["versions"]:
                if v["version"] == version:
                    v["status"] = status
                    if note is not None:
                        v["note"] = note
            self._write(data)

    def promote(self, version: str, *, install: bool = True) -> ModelVersion:
        """Make `version` the live model (`install=False`: it already is the live file, only record it)."""
        entry = self.get(version)
        if install:
            self._install(self.path_of(entry))
        with _lock:
            data = self._read()
            for v in data["versions"]:
                if data["history"] and v["version"] == data["history"][-1] and v["status"] == LIVE:
                    v["status"] = RETIRED
                if v["version"] == version:
                    v["status"] = LIVE
            data["history"].append(version)
            self._write(data)
        return self.get(version)

    def rollback(self) -> ModelVersion:
        """Return to the version that was live before the current one."""
        with _lock:
            data = self._read()
            if len(data["history"]) < 2:
                raise RegistryError("没有可回退的上一版本（no earlier live version to return to）")
            current, previous = data["history"][-1], data["history"][-2]
        entry = self.get(previous)
        self._install(self.path_of(entry))
        with _lock:
            data = self._read()
            data["history"].pop()
            for v in data["versions"]:
                if v["version"] == current:
                    v["status"] = ROLLED_BACK
                if v["version"] == previous:
                    v["status"] = LIVE
            self._write(data)
        return self.get(previous)

    def record_run(self, report: dict[str, Any], keep: int = 50) -> None:
        with _lock:
            data = self._read()
            data.setdefault("runs", []).append(report)
            data["runs"] = data["runs"][-keep:]
            self._write(data)

    def _install(self, source: Path) -> None:
        if not source.exists():
            raise RegistryError(f"model file {source} is missing")
        self.live_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.live_path.with_name(f".{self.live_path.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(self.live_path)


__all__ = ["CANDIDATE", "LIVE", "REJECTED", "RETIRED", "ROLLED_BACK", "ModelVersion", "Registry", "RegistryError"]
