"""`python -m intake train | evaluate | classify`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from intake.classify.model import ModelNotTrained, load_classifier, model_path
from intake.classify.training import (
    C_DEFAULT,
    DEV_PATH,
    HELDOUT_REAL_PATH,
    TARGETS,
    TEST_PATH,
    TRAIN_PATH,
    evaluate,
    evaluation_slices,
    read_examples,
    train,
)


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
    parser = argparse.ArgumentParser(
        prog="python -m intake evaluate",
        description="Score the classifier on the held-out texts: real registers (all, long letters, short "
                    "messages) and the fixed hand-written test file.")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--test", type=Path, help="score only this JSON Lines file")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 when the real-register slice (or --test) misses a target: top-1 ≥ "
                             f"{TARGETS['top1']:.0%}, top-3 ≥ {TARGETS['top3']:.0%}, out-of-scope recall ≥ "
                             f"{TARGETS['oos_recall']:.0%}, in-scope sent away ≤ {TARGETS['sent_away']:.0%}")
    parser.add_argument("--errors", action="store_true", help="list the misclassified texts")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model)
    except ModelNotTrained as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.test is not None:
        slices = {args.test.stem: read_examples(args.test)}
    else:
        slices = evaluation_slices()
    reports = {name: evaluate(classifier, examples=examples, name=name) for name, examples in slices.items()}
    print(f"{'slice':<11} {'texts':>5} {'codes':>5} {'top-1':>6} {'top-3':>6} {'mF1':>6} {'OOS P':>6} "
          f"{'OOS R':>6} {'sent away':>9} {'unsure':>6}")
    for name, r in reports.items():
        print(f"{name:<11} {r.examples:>5} {r.codes:>5} {r.top1:>6.3f} {r.top3:>6.3f} {r.macro_f1:>6.3f} "
              f"{r.oos_precision:>6.3f} {r.oos_recall:>6.3f} {r.sent_away:>9.3f} {r.unsure:>6.3f}")
    if args.test is None:
        # which texts each slice holds: the real-register ones are the measure, the template-style ones the baseline
        print(f"real*: held-out texts in residents' registers ({HELDOUT_REAL_PATH.name}: letters, message-board posts, "
              "SMS, voice transcripts, work orders); real/long = letters or ≥ 80 characters")
        print(f"test:  held-out texts in the generated hotline/mini-program style ({TEST_PATH.name}); the generated "
              f"{TRAIN_PATH.name} is training augmentation only")
    print(f"targets (real): top-1 ≥ {TARGETS['top1']:.2f}, top-3 ≥ {TARGETS['top3']:.2f}, out-of-scope recall "
          f"≥ {TARGETS['oos_recall']:.2f}, in-scope sent away ≤ {TARGETS['sent_away']:.2f}")
    main = reports.get("real") or next(iter(reports.values()))
    print()
    print(f"slice {main.name}: {main.examples} texts")
    print(f"top-1 accuracy     {main.top1:.3f}  (target {TARGETS['top1']:.2f})")
    print(f"top-3 accuracy     {main.top3:.3f}  (target {TARGETS['top3']:.2f})")
    print(f"macro-F1           {main.macro_f1:.3f}")
    print(f"out-of-scope prec. {main.oos_precision:.3f}")
    print(f"out-of-scope rec.  {main.oos_recall:.3f}  (target {TARGETS['oos_recall']:.2f})")
    print(f"in-scope sent away {main.sent_away:.3f}  (target ≤ {TARGETS['sent_away']:.2f}; unsure ones go to "
          f"manual triage: {main.unsure:.3f})")
    print(f"calibration ECE    {main.ece:.3f}  (temperature {classifier.temperature:.3f})")
    print()
    print("confidence ≥  share  top-1 accuracy   (for choosing the auto-register threshold)")
    for t, (share, acc) in main.thresholds.items():
        print(f"{t:>12.2f}  {share:>5.2f}  {acc:>14.3f}")
    print()
    print(f"{'code':<6} {'name':<22} {'n':>4} {'prec':>6} {'rec':>6} {'f1':>6}")
    for row in main.rows:
        name = row.name[:11]
        pad = 22 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in name)
        print(f"{row.code:<6} {name}{' ' * max(pad, 1)} {row.support:>4} {row.precision:>6.2f} "
              f"{row.recall:>6.2f} {row.f1:>6.2f}")
    if args.errors:
        for r in reports.values():
            print()
            print(f"errors in {r.name}:")
            for text, gold, predicted, conf in r.errors:
                print(f"{gold:>5} → {predicted:<5} {conf:.2f}  {text}")
    if args.check and not main.meets_targets():
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
