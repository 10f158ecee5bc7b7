"""A steady-rate soak on the full stack: memory of every process and the queues sampled over time.

    .venv/bin/python bench/load/soak.py                    # 5 reports/s (+ the peak-day mix) for 30 minutes
    .venv/bin/python bench/load/soak.py --minutes 5 --rate 5

Every --every seconds: RSS of each role (gunicorn master, gunicorn workers, Celery workers with their pool
children, beat), the outbox rows not yet sent and the Celery queue length in Redis. At the end: the latency table,
and per role the RSS over the first and the last fifth of the run (flat = no leak), and the largest queue seen.
gunicorn recycles each worker after WEB_MAX_REQUESTS (5000 ± 500) requests, which shows as drops in its RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psutil

from bench.load.loadgen import LoadGen, make_photos, print_table
from bench.load.run_load import check_delivery, delivery_failures
from bench.load.stack import Stack


def sample(stack: Stack) -> dict[str, Any]:
    rss: dict[str, float] = {}
    for name, pids in stack.pids().items():
        total = 0
        for pid in pids:
            try:
                total += psutil.Process(pid).memory_info().rss
            except psutil.NoSuchProcess:
                continue
        role = "web" if name == "web" else name
        rss[role] = rss.get(role, 0.0) + total / 2**20
        if name == "web":
            rss["web (master)"] = psutil.Process(pids[0]).memory_info().rss / 2**20
    return {"rss_mb": rss, **stack.queue_lengths()}


async def soak(stack: Stack, gen: LoadGen, rate: float, seconds: float, every: float) -> list[dict[str, Any]]:
    samples: list[dict[str, Any]] = []
    started = time.perf_counter()
    load = asyncio.create_task(gen.run(rate, seconds))
    while not load.done():
        point = await asyncio.to_thread(sample, stack)
        point["t"] = time.perf_counter() - started
        point["ok"] = sum(len(v) for v in gen.results.latencies.values())
        point["failed"] = sum(len(v) for v in gen.results.failures.values())
        samples.append(point)
        rss = ", ".join(f"{k} {v:.0f}" for k, v in sorted(point["rss_mb"].items()))
        print(f"t={point['t']:6.0f}s ok={point['ok']:6d} failed={point['failed']:3d} "
              f"outbox={point['outbox_pending']:4d} deferred={point['outbox_deferred']:4d} "
              f"celery={point['celery_queue']:3d} RSS MB: {rss}", flush=True)
        try:
            await asyncio.wait_for(asyncio.shield(load), timeout=every)
        except TimeoutError:
            pass
    await load
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=5.0, help="report submissions per second")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    args = parser.parse_args()
    seconds = args.minutes * 60
    photos = make_photos(min(3000, int(args.rate * seconds * 0.5) + 50), seed=5)
    stack = Stack()
    try:
        stack.start()
        gen = LoadGen(stack.base_url, staff_token=stack.staff_token, open311_key=stack.open311_key, photos=photos)
        asyncio.run(gen.run(1, 5))
        gen.results = type(gen.results)()
        samples = asyncio.run(soak(stack, gen, args.rate, seconds, args.every))
        print_table(gen.results.table(), f"soak: {args.rate:g} reports/s for {args.minutes:g} min")
        delivery = check_delivery(stack, gen.results.accepted, photos=gen.results.photos)
        print(f"after the soak: {delivery}")
        fifth = max(1, len(samples) // 5)
        first, last = samples[1:fifth + 1] or samples[:1], samples[-fifth:]
        print("\n| process | RSS MB, first fifth (median) | RSS MB, last fifth (median) | change |")
        print("|---|---|---|---|")
        for role in sorted(samples[-1]["rss_mb"]):
            a = statistics.median(s["rss_mb"].get(role, 0.0) for s in first)
            b = statistics.median(s["rss_mb"].get(role, 0.0) for s in last)
            print(f"| {role} | {a:.0f} | {b:.0f} | {(b - a) / a * 100 if a else 0:+.1f} % |")
        print(f"\nlargest outbox backlog {max(s['outbox_pending'] for s in samples)}, largest Celery queue "
              f"{max(s['celery_queue'] for s in samples)}; last: outbox {samples[-1]['outbox_pending']}, "
              f"Celery {samples[-1]['celery_queue']}")
        failed = sum(len(v) for v in gen.results.failures.values())
        return 1 if failed or delivery_failures(delivery) else 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
