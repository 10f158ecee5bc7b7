"""`python -m intake train | evaluate | classify`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from intake.classify.model import ModelNotTrained, load_classifier, model_path
from intake.classify.training import C_DEFAULT, DEV_PATH, TARGETS, TEST_PATH, TRAIN_PATH, evaluate, train


def train_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake train",
                                     description="Train the matter classifier.")
    parser.add_argument("--output", type=Path, help="artefact path (default $INTAKE_MODEL_PATH or "
                                                    "intake/model/classifier.joblib)")
    parser.add_argument("--data", type=Path, default=TRAIN_PATH, help="training JSON Lines")
    parser.add_argument("--local-matters", type=Path, help="local matter extension CSV")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=C_DEFAULT, help="inverse regularisation strength")
    parser.add_argument("--dev", type=Path, default=DEV_PATH,
                        help="hand-written texts for fitting the confidence temperature (if missing: "
                             "grouped out-of-fold scores of the training texts)")
    parser.add_argument("--no-calibrate", action="store_true", help="skip fitting the temperature")
    args = parser.parse_args(argv)
    from intake.taxonomy import load_directory

    result = train(args.output, train_path=args.data, directory=load_directory(args.local_matters),
                   c=args.c, seed=args.seed, calibrate=not args.no_calibrate, calibration_path=args.dev)
    print(f"trained on {result.examples} examples, {result.classes} classes "
          f"(temperature {result.temperature:.3f}, data {result.digest}) in {result.seconds:.1f} s "
          f"→ {result.path}")
    return 0


def evaluate_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m intake evaluate",
                                     description="Score the classifier on the held-out split.")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--test", type=Path, default=TEST_PATH)
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when top-1 < {TARGETS['top1']:.0%} or top-3 < {TARGETS['top3']:.0%}")
    parser.add_argument("--errors", action="store_true", help="list the misclassified texts")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model)
    except ModelNotTrained as exc:
        print(exc, file=sys.stderr)
        return 2
    report = evaluate(classifier, args.test)
    print(f"held-out split: {args.test} ({report.examples} texts)")
    print(f"top-1 accuracy     {report.top1:.3f}  (target {TARGETS['top1']:.2f})")
    print(f"top-3 accuracy     {report.top3:.3f}  (target {TARGETS['top3']:.2f})")
    print(f"macro-F1           {report.macro_f1:.3f}")
    print(f"out-of-scope prec. {report.oos_precision:.3f}")
    print(f"out-of-scope rec.  {report.oos_recall:.3f}")
    print(f"calibration ECE    {report.ece:.3f}  (temperature {classifier.temperature:.3f})")
    print()
    print("confidence ≥  share  top-1 accuracy   (for choosing the auto-register threshold)")
    for t, (share, acc) in report.thresholds.items():
        print(f"{t:>12.2f}  {share:>5.2f}  {acc:>14.3f}")
    print()
    print(f"{'code':<6} {'name':<22} {'n':>4} {'prec':>6} {'rec':>6} {'f1':>6}")
    for row in report.rows:
        name = row.name[:11]
        pad = 22 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in name)
        print(f"{row.code:<6} {name}{' ' * max(pad, 1)} {row.support:>4} {row.precision:>6.2f} "
              f"{row.recall:>6.2f} {row.f1:>6.2f}")
    if args.errors:
        print()
        for text, gold, predicted, conf in report.errors:
            print(f"{gold:>5} → {predicted:<5} {conf:.2f}  {text}")
    if args.check and not report.meets_targets():
        print("below target", file=sys.stderr)
        return 1
    return 0


def classify_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intake classify",
        description='JSON Lines on stdin {"text": "..."} → one classification per line on stdout.')
    parser.add_argument("--model", type=Path)
    parser.add_argument("-k", type=int, default=5, help="number of candidates (default 5)")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model)
    except ModelNotTrained as exc:
        print(exc, file=sys.stderr)
        return 2
    out = sys.stdout
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row.get("text") if isinstance(row, dict) else None
            if not isinstance(text, str):
                raise ValueError('expected an object with a string "text"')
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            result = {"error": str(exc), "line": lineno}
        else:
            result = classifier.classify(text, args.k).to_dict()
        try:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
        except BrokenPipeError:  # the reader went away (e.g. `| head`)
            return 0
    return 0


__all__ = ["classify_main", "evaluate_main", "model_path", "train_main"]
