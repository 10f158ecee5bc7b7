"""Matter classification: complaint text → GB/T 47678.5-2026 matter codes with calibrated confidences.

    from intake.classify import load_classifier
    result = load_classifier().classify("垃圾桶满了没人清")
    result.in_scope, result.code, result.confidence, result.candidates

Build the model with `python -m intake train` (or `intake.classify.train()`).
"""

from intake.classify.model import (
    DEFAULT_MODEL_PATH,
    MODEL_ENV,
    Candidate,
    Classification,
    Classifier,
    ModelNotTrained,
    load_classifier,
    model_path,
)
from intake.classify.training import EvalReport, TrainResult, evaluate, train

# Suggested default for auto-registration (立案); service_api makes it configurable. On the held-out
# split 85% of texts reach it, at 96% top-1 accuracy (see the table `python -m intake evaluate` prints).
DEFAULT_AUTO_REGISTER_THRESHOLD = 0.9

__all__ = [
    "DEFAULT_AUTO_REGISTER_THRESHOLD", "DEFAULT_MODEL_PATH", "MODEL_ENV", "Candidate", "Classification",
    "Classifier", "EvalReport", "ModelNotTrained", "TrainResult", "evaluate", "load_classifier", "model_path",
    "train",
]
