"""Retrain the classifier with the platform's own labels and promote it only when it is not worse. (pure)

The caller (service_api's `flask intake retrain` and the beat job) hands over the labels staff made by
confirming, correcting or rejecting cases, oldest first. The newest of them are held out as the `platform`
slice, so a candidate is judged on the traffic it will meet next; the rest join the base training data.
Candidate and live model are scored on the same slices (real registers, long letters, the fixed test file,
the newest platform labels) and the candidate goes live only when no slice got worse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from intake.classify.model import OOS_LABEL, load_classifier, model_path
from intake.classify.registry import REJECTED, ModelVersion, Registry
from intake.classify.training import TARGETS, Example, evaluate, evaluation_slices, train

# Where a platform label came from (stored with it in service_api's intake_labels).
LABEL_CONFIRMED = "confirmed"  # staff dispatched the case with the matter the classifier gave
LABEL_CORRECTED = "corrected"  # staff changed the matter (the reason is kept)
LABEL_REJECTED = "rejected"  # staff rejected the case as not a city-management matter
LABEL_SOURCES = (LABEL_CONFIRMED, LABEL_CORRECTED, LABEL_REJECTED)
HOLDOUT_SHARE = 0.2  # newest share of platform labels kept for judging, never trained on
MIN_HOLDOUT = 5  # fewer labels than this in the holdout: no platform slice (too few to judge by)
GATE_SLICES = ("real", "real/long", "test", "platform")


@dataclass(frozen=True)
class PlatformLabel:
    text: str
    code: str | None  # None: staff said it is not a city-management matter
    source: str  # LABEL_SOURCES
    created_at: datetime


@dataclass
class RetrainReport:
    candidate: ModelVersion
    previous: ModelVersion | None
    promoted: bool
    reasons: list[str] = field(default_factory=list)  # why not, when not promoted
    trained_labels: int = 0
    held_labels: int = 0

    def lines(self) -> list[str]:
        out = [f"candidate {self.candidate.version}: {self.candidate.examples} training examples, "
               f"{self.trained_labels} platform labels trained on, {self.held_labels} newest held out"]
        slices = sorted(set(self.candidate.scores) | set(self.previous.scores if self.previous else {}),
                        key=lambda s: (s not in GATE_SLICES, s))
        for name in slices:
            cand = self.candidate.scores.get(name, {})
            cur = self.previous.scores.get(name, {}) if self.previous else {}
            out.append(f"  {name:<10} top-1 {_fmt(cur.get('top1'))} → {_fmt(cand.get('top1'))}   "
                       f"top-3 {_fmt(cur.get('top3'))} → {_fmt(cand.get('top3'))}   "
                       f"sent away {_fmt(cur.get('sent_away'))} → {_fmt(cand.get('sent_away'))}")
        if self.promoted:
            out.append(f"promoted {self.candidate.version}"
                       + (f" (was {self.previous.version})" if self.previous else ""))
        else:
            out.append(f"kept {self.previous.version if self.previous else 'the live model'}: "
                       + "; ".join(self.reasons))
        return out

    def to_dict(self) -> dict:
        return {"candidate": self.candidate.version, "previous": self.previous.version if self.previous else None,
                "promoted": self.promoted, "reasons": self.reasons, "created_at": self.candidate.created_at,
                "trained_labels": self.trained_labels, "held_labels": self.held_labels, "lines": self.lines()}


def _fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:.3f}"


def split_labels(labels: list[PlatformLabel]) -> tuple[list[Example], list[Example]]:
    """(train, held): the newest HOLDOUT_SHARE of the labels are held out when there are enough of them."""
    examples = [Example(lab.text, lab.code or OOS_LABEL, f"platform/{lab.source}") for lab in labels
                if lab.text and lab.text.strip()]
    held_n = math.ceil(len(examples) * HOLDOUT_SHARE)
    if held_n < MIN_HOLDOUT:
        return examples, []
    return examples[:-held_n], examples[-held_n:]


def score(path: Path, slices: dict[str, list[Example]]) -> dict[str, dict[str, float]]:
    classifier = load_classifier(path)
    return {name: evaluate(classifier, examples=examples, name=name).scores() for name, examples in slices.items()}


def gate(candidate: dict[str, dict[str, float]], current: dict[str, dict[str, float]]) -> list[str]:
    """Reasons the candidate is worse than the live model (empty: it may go live).

    Worse = lower top-1 on any slice both were scored on, or more in-scope texts sent away than both the live
    model and the target allow."""
    reasons = []
    for name in GATE_SLICES:
        cand, cur = candidate.get(name), current.get(name)
        if cand is None or cur is None:
            continue
        if cand["top1"] < cur["top1"]:
            reasons.append(f"{name} top-1 {cand['top1']:.3f} < {cur['top1']:.3f}")
        allowed = max(cur["sent_away"], TARGETS["sent_away"])
        if cand["sent_away"] > allowed:
            reasons.append(f"{name} sent away {cand['sent_away']:.3f} > {allowed:.3f}")
    return reasons


def retrain(labels: list[PlatformLabel], *, now: datetime, live_path: Path | str | None = None,
            slices: dict[str, list[Example]] | None = None, promote: bool = True) -> RetrainReport:
    """Train a candidate on the base data plus `labels` (oldest first), score it and the live model on the
    same slices, and promote it when the gate passes (and `promote`). The run is recorded in the registry."""
    live = model_path(live_path)
    registry = Registry(live)
    train_labels, held = split_labels(labels)
    slices = dict(slices if slices is not None else evaluation_slices())
    if held:
        slices["platform"] = held
    created = now.isoformat(timespec="seconds")

    current_scores = score(live, slices) if live.exists() else {}
    previous = registry.current()
    if previous is None and live.exists():
        # first run: the live model (from `make model`) becomes the registry's first version
        version, path = registry.next_file()
        previous = registry.add(version, live, created_at=created, note="基线模型（make model）",
                                examples=int(load_classifier(live).info.get("examples", 0)), scores=current_scores)
        previous = registry.promote(previous.version, install=False)

    version, path = registry.next_file()
    result = train(path, extra=train_labels, info={"version": version, "platform_labels": len(train_labels)})
    candidate_scores = score(path, slices)
    candidate = registry.add(version, path, created_at=created, examples=result.examples,
                             platform_labels=len(train_labels), scores=candidate_scores)
    if previous is not None:
        previous.scores = current_scores  # scored now, on the same slices
    reasons = gate(candidate_scores, current_scores)
    promoted = promote and not reasons
    if promoted:
        candidate = registry.promote(version)
    else:
        registry.set_status(version, REJECTED, "; ".join(reasons) or "not promoted (--no-promote)")
        candidate = registry.get(version)
        if not reasons:
            reasons = ["not promoted (--no-promote)"]
    report = RetrainReport(candidate, previous, promoted, reasons, len(train_labels), len(held))
    registry.record_run(report.to_dict())
    return report


__all__ = ["GATE_SLICES", "LABEL_CONFIRMED", "LABEL_CORRECTED", "LABEL_REJECTED", "LABEL_SOURCES", "PlatformLabel",
           "RetrainReport", "gate", "retrain", "split_labels"]
