"""Reads rasa's intent report for the held-out NLU set and fails below the accuracy target."""
import json
import sys
from pathlib import Path

TARGET = 0.92


def main(report_dir: str) -> int:
    report = json.loads((Path(report_dir) / "intent_report.json").read_text(encoding="utf-8"))
    accuracy = float(report["accuracy"])
    total = int(report["weighted avg"]["support"])
    print(f"held-out NLU set: {total} messages, intent accuracy {accuracy:.1%} (target {TARGET:.0%})")
    for intent, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and intent not in ("macro avg", "weighted avg", "micro avg"):
            print(f"  {intent:28s} f1 {row['f1-score']:.2f}  support {int(row['support'])}")
    errors = Path(report_dir) / "intent_errors.json"
    if errors.exists():
        for error in json.loads(errors.read_text(encoding="utf-8"))[:20]:
            predicted = error["intent_prediction"]["name"]
            print(f"  MISS {error['text']!r}: expected {error['intent']}, got {predicted}")
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/heldout"))
