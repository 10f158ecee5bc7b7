"""`python -m intake <command>`: train, evaluate, classify, geocode."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "train": "intake.classify.cli:train_main",
        "evaluate": "intake.classify.cli:evaluate_main",
        "classify": "intake.classify.cli:classify_main",
        "geocode": "intake.geo.cli:geocode_main",
    }
    if not argv or argv[0] not in commands:
        print("usage: python -m intake {" + ",".join(commands) + "} [options]", file=sys.stderr)
        return 2
    module_name, func_name = commands[argv[0]].split(":")
    module = __import__(module_name, fromlist=[func_name])
    return int(getattr(module, func_name)(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
