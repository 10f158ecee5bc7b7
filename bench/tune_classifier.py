"""Choose C and the weight of real-register texts by cross-validation *within* train_real.jsonl.

    .venv/bin/python bench/tune_classifier.py [--folds 5] [--c 0.6 1.0] [--weight 1 2 3]

Each fold trains on the generated texts plus the other folds of train_real.jsonl and scores the held fold;
heldout_real.jsonl is never read here, so the choice does not leak into the figures `python -m intake
evaluate` reports. Prints mean top-1 / top-3 / out-of-scope recall / in-scope sent away per setting.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.classify.model import load_classifier
from intake.classify.training import TRAIN_REAL_PATH, evaluate, read_examples, train


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, nargs="+", default=[0.6, 1.0])
    parser.add_argument("--weight", type=float, nargs="+", default=[1.0, 2.0, 3.0])
    args = parser.parse_args()
    real = read_examples(TRAIN_REAL_PATH)
    rng = np.random.default_rng(0)
    fold_of = rng.permutation(len(real)) % args.folds
    with tempfile.TemporaryDirectory() as tmp:
        for c in args.c:
            for weight in args.weight:
                rows = []
                for k in range(args.folds):
                    part = Path(tmp) / "part.jsonl"
                    with part.open("w", encoding="utf-8") as fh:
                        for e, f in zip(real, fold_of, strict=True):
                            if f != k:
                                fh.write(json.dumps({"text": e.text, "code": None if e.label == "OOS" else e.label},
                                                    ensure_ascii=False) + "\n")
                    out = Path(tmp) / f"m{k}.joblib"
                    train(out, c=c, extra_paths=(part,), real_weight=weight)
                    held = [e for e, f in zip(real, fold_of, strict=True) if f == k]
                    r = evaluate(load_classifier(out), examples=held)
                    rows.append((r.top1, r.top3, r.oos_recall, r.sent_away))
                m = np.mean(rows, axis=0)
                print(f"C={c:<4} weight={weight:<4} top-1 {m[0]:.3f}  top-3 {m[1]:.3f}  OOS recall {m[2]:.3f}  "
                      f"sent away {m[3]:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
