"""Classifier throughput: texts/s with classify_many (batches) and with single classify calls.

    python bench/bench_classifier.py [--model PATH] [--n 20000]

Uses the held-out texts (hand-written, short), the real-register held-out texts (long letters included,
which also pass through the letter filter) and the training texts (hotline/mini-program registers with
addresses and phone numbers) cycled to --n. Target: ≥ 2,000 texts/s in one process.
Prints wall-clock rates and rates per CPU-second (the latter is what the code costs on a shared machine).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.classify import load_classifier
from intake.classify.training import HELDOUT_REAL_PATH, TEST_PATH, TRAIN_PATH, is_long, read_examples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    start_load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    clf = load_classifier(args.model)
    clf.classify("垃圾桶满了")  # jieba's dictionary loads on first use
    print(f"load + first call: {time.perf_counter() - started:.2f} s")

    base = [e.text for path in (TEST_PATH, HELDOUT_REAL_PATH, TRAIN_PATH) for e in read_examples(path)]
    texts = list(itertools.islice(itertools.cycle(base), args.n))
    print(f"texts: {len(texts)}, mean length {sum(map(len, texts)) / len(texts):.1f} characters")

    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), args.batch):
        clf.classify_many(texts[i:i + args.batch])
    batched = len(texts) / (time.perf_counter() - started)
    batched_cpu = len(texts) / (time.process_time() - cpu)
    print(f"classify_many (batches of {args.batch}): {batched:,.0f} texts/s wall, {batched_cpu:,.0f} per CPU-s")

    singles = texts[: max(len(texts) // 2, 1)]
    started, cpu = time.perf_counter(), time.process_time()
    for text in singles:
        clf.classify(text)
    single = len(singles) / (time.perf_counter() - started)
    single_cpu = len(singles) / (time.process_time() - cpu)
    print(f"classify (one call per text):   {single:,.0f} texts/s wall, {single_cpu:,.0f} per CPU-s")
    # The same, batched, per kind of text: a long letter costs several short messages (jieba and the letter
    # filter grow with the length), so the mix decides the overall rate.
    real = read_examples(HELDOUT_REAL_PATH)
    kinds = {"short (test + generated)": [e.text for p in (TEST_PATH, TRAIN_PATH) for e in read_examples(p)],
             "real registers": [e.text for e in real],
             "real, long letters": [e.text for e in real if is_long(e)]}
    for name, kind in kinds.items():
        sample = list(itertools.islice(itertools.cycle(kind), max(args.n // 4, 1)))
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(sample), args.batch):
            clf.classify_many(sample[i:i + args.batch])
        print(f"  {name:<25} mean {sum(map(len, kind)) / len(kind):5.1f} characters: "
              f"{len(sample) / (time.perf_counter() - started):7,.0f} texts/s wall, "
              f"{len(sample) / (time.process_time() - cpu):7,.0f} per CPU-s")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
          f"(at the start: {start_load})")
    print("target ≥ 2,000 texts/s:", "met" if max(batched, single) >= 2000 else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
