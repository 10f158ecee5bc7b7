"""Fails below 95% intent accuracy on the held-out NLU set; with --stories-only, on any failed test story."""
import json
import sys
from pathlib import Path

TARGET = 0.95


def failed_stories(report_dir: str) -> int:
    """Prints the failed end-to-end test stories (rasa marks each wrong prediction in them); returns how many."""
    text = (Path(report_dir) / "failed_test_stories.yml").read_text(encoding="utf-8")
    failed = text.count("- story:")
    print(f"test stories: {failed} failed")
    if failed:
        print(text)
    return failed


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
    folder = next((a for a in sys.argv[1:] if not a.startswith("--")), "results/heldout")
    if "--stories-only" in sys.argv:
        sys.exit(1 if failed_stories(folder) else 0)
    sys.exit(main(folder))
