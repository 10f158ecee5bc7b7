"""The trained matter classifier: load the artefact, classify texts."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = PACKAGE_DIR / "model" / "classifier.joblib"
MODEL_ENV = "INTAKE_MODEL_PATH"
OOS_LABEL = "OOS"  # the out-of-scope class (code null in the data)
FORMAT_VERSION = 1
MAX_TEXT_CHARS = 2000  # longer texts (whole call transcripts) are classified by their beginning
# A city problem answered "out of scope" is a problem lost, a stray in-scope answer only costs staff a look:
# below this P(out of scope) the text is kept in scope (with its best matter, at a confidence too low to
# register on its own) and marked scope_unsure, so it goes to manual triage instead of away.
OOS_CONFIDENT = 0.6


class ModelNotTrained(FileNotFoundError):
    """No classifier artefact at the expected path."""


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    confidence: float


@dataclass(frozen=True)
class Classification:
    in_scope: bool
    code: str | None  # None when out of scope
    name: str | None
    confidence: float  # P(code) when in scope, P(out of scope) otherwise
    candidates: tuple[Candidate, ...]  # best matter codes, out of scope or not
    # the model leaned to "out of scope" but not confidently (see OOS_CONFIDENT): kept in scope for a person
    scope_unsure: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_scope": self.in_scope, "code": self.code, "name": self.name, "scope_unsure": self.scope_unsure,
            "confidence": round(self.confidence, 4),
            "candidates": [{**asdict(c), "confidence": round(c.confidence, 4)} for c in self.candidates],
        }


def model_path(path: Path | str | None = None) -> Path:
    """`path`, else $INTAKE_MODEL_PATH, else intake/model/classifier.joblib."""
    if path is not None:
        return Path(path)
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL_PATH


class Classifier:
    """A loaded artefact. Thread-safe for classification."""

    def __init__(self, artefact: dict[str, Any], path: Path | None = None) -> None:
        if artefact.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"classifier artefact {path} has format {artefact.get('format_version')!r}, "
                             f"expected {FORMAT_VERSION}; retrain with `python -m intake train`")
        self.path = path
        self.vectorizer = artefact["vectorizer"]
        self.model = artefact["model"]
        self.labels: list[str] = list(artefact["labels"])
        self.names: dict[str, str] = dict(artefact["names"])
        self.temperature: float = float(artefact.get("temperature", 1.0))
        self.standard_ref: str = artefact.get("standard_ref", "")
        self.info: dict[str, Any] = dict(artefact.get("info", {}))
        self._oos = self.labels.index(OOS_LABEL) if OOS_LABEL in self.labels else -1
        # Inference bypasses sklearn's per-call validation (most of the time for single texts): the same
        # sublinear TF-IDF + L2 norm + linear scores, computed directly (a test checks they agree).
        self._analyzer = self.vectorizer.build_analyzer()
        self._vocab: dict[str, int] = self.vectorizer.vocabulary_
        self._idf = np.asarray(self.vectorizer.idf_, dtype=np.float64)
        # one float32 copy, laid out feature-major for the row gather; the model keeps a view of it
        self._coef = np.ascontiguousarray(np.asarray(self.model.coef_, dtype=np.float32).T)
        self.model.coef_ = self._coef.T
        self._intercept = np.asarray(self.model.intercept_, dtype=np.float64)
        if not self.vectorizer.sublinear_tf or self.vectorizer.norm != "l2" or self._coef.shape[1] != len(
                self.labels):
            raise ValueError("classifier artefact does not match the expected TF-IDF/linear layout")

    def _features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        vocab = self._vocab
        for token in self._analyzer(text[:MAX_TEXT_CHARS]):
            j = vocab.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        w = (1.0 + np.log(tf)) * self._idf[idx]
        norm = np.sqrt(w @ w)
        return idx, (w / norm if norm > 0 else w).astype(np.float32)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Linear decision scores, shape (len(texts), len(self.labels))."""
        if not texts:
            return np.empty((0, len(self.labels)))
        if len(texts) == 1:
            idx, w = self._features(texts[0])
            return (w @ self._coef[idx] + self._intercept)[None, :]
        feats = [self._features(t) for t in texts]
        indptr = np.zeros(len(feats) + 1, dtype=np.intp)
        np.cumsum([len(idx) for idx, _ in feats], out=indptr[1:])
        x = sparse.csr_matrix(
            (np.concatenate([w for _, w in feats]), np.concatenate([idx for idx, _ in feats]), indptr),
            shape=(len(feats), self._coef.shape[0]))
        return np.asarray(x @ self._coef) + self._intercept

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, shape (len(texts), len(self.labels))."""
        scores = self.scores(texts) / self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def _result(self, probs: np.ndarray, k: int) -> Classification:
        k = max(k, 0)
        m = min(k + 1, len(probs))
        top = np.argpartition(-probs, m - 1)[:m] if m < len(probs) else np.arange(len(probs))
        top = top[np.argsort(-probs[top], kind="stable")]
        values = probs[top].tolist()
        labels, names = self.labels, self.names
        candidates = tuple(
            Candidate(labels[i], names.get(labels[i], ""), p) for i, p in zip(top.tolist(), values, strict=True)
            if i != self._oos
        )[:k]
        best = int(top[0])
        if best == self._oos:
            if values[0] < OOS_CONFIDENT and candidates:
                first = candidates[0]
                return Classification(True, first.code, first.name, first.confidence, candidates, scope_unsure=True)
            return Classification(False, None, None, values[0], candidates)
        code = labels[best]
        return Classification(True, code, names.get(code, ""), values[0], candidates)

    def classify(self, text: str, k: int = 5) -> Classification:
        return self.classify_many([text], k)[0]

    def classify_many(self, texts: Iterable[str], k: int = 5) -> list[Classification]:
        texts = list(texts)
        results: list[Classification | None] = [None] * len(texts)
        live = [i for i, t in enumerate(texts) if t and t.strip()]
        if live:
            probs = self.probabilities([texts[i] for i in live])
            for row, i in enumerate(live):
                results[i] = self._result(probs[row], k)
        empty = Classification(False, None, None, 0.0, ())
        return [r if r is not None else empty for r in results]


_cache: dict[tuple[Path, int, int, int], Classifier] = {}
_cache_lock = threading.Lock()


def load_classifier(path: Path | str | None = None) -> Classifier:
    """The classifier at `path` (see `model_path`), cached per path and file version.

    The file is stat'ed on every call (a few µs): when a promoted or rolled-back model replaces it (a new
    inode through an atomic rename, see registry.py), the next call in any process loads the new one, so
    API and Celery workers pick it up without a restart.

    Raises ModelNotTrained when the artefact is missing; it is never trained implicitly.
    """
    resolved = model_path(path).resolve()
    try:
        st = resolved.stat()
    except FileNotFoundError:
        raise ModelNotTrained(
            f"no classifier model at {resolved}; build it with `python -m intake train`"
            + (f" (or point {MODEL_ENV} at one)" if path is None else "")
        ) from None
    key = (resolved, st.st_mtime_ns, st.st_ino, st.st_size)
    with _cache_lock:
        clf = _cache.get(key)
        if clf is None:
            clf = Classifier(joblib.load(resolved), resolved)
            for old in [k for k in _cache if k[0] == resolved]:
                del _cache[old]
            _cache[key] = clf
    return clf
