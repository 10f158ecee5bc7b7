"""Outbox benchmark: notifications/s from committed rows to the (fake) Twilio API with 2 Celery workers on
Redis and PostgreSQL, the end-to-end delay p50/p99, and a worker SIGKILLed mid-batch (no duplicate sends).

    .venv/bin/python bench/bench_outbox.py [--burst 2000] [--rate 80] [--seconds 15] [--kill-batch 1500]

Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 (db 13 by default, BENCH_BROKER_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from outbox_stack import Stack, percentile


def burst(stack: Stack, n: int) -> dict[str, object]:
    started = time.time()
    recipients = stack.insert(n)
    ok = stack.wait_sent(recipients, timeout=max(120, n / 5))
    result = stack.outcome(recipients)
    elapsed = (result["last_received"] or time.time()) - started
    return {"phase": "burst", "rows": n, "complete": ok, "seconds": round(elapsed, 2),
            "per_second": round(n / elapsed, 1), "lost": result["lost"], "duplicates": result["duplicates"],
            "p50_delay_s": round(percentile(result["delays"], 50), 2),
            "p99_delay_s": round(percentile(result["delays"], 99), 2)}


def steady(stack: Stack, rate: float, seconds: float) -> dict[str, object]:
    recipients: list[str] = []
    tick = 0.5
    per_tick = max(1, round(rate * tick))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        recipients += stack.insert(per_tick)
        time.sleep(max(0.0, tick - (time.monotonic() - t0)))
    ok = stack.wait_sent(recipients, timeout=120)
    result = stack.outcome(recipients)
    return {"phase": f"steady {rate:g}/s for {seconds:g}s", "rows": len(recipients), "complete": ok,
            "lost": result["lost"], "duplicates": result["duplicates"],
            "p50_delay_s": round(percentile(result["delays"], 50), 2),
            "p99_delay_s": round(percentile(result["delays"], 99), 2),
            "max_delay_s": round(max(result["delays"] or [0]), 2)}


def kill_mid_batch(stack: Stack, n: int) -> dict[str, object]:
    assert stack.fake is not None
    posts_before = stack.fake.creates()
    started = time.time()
    recipients = stack.insert(n)
    target = set(recipients)
    while True:  # let a part of the batch go out, then kill a worker while it is sending
        with stack.fake.lock:
            done = sum(1 for m in stack.fake.messages if m["to"] in target)
        if done >= n // 5:
            break
        time.sleep(0.05)
    stack.kill("worker0")
    killed_at = time.time()
    ok = stack.wait_sent(recipients, timeout=240)
    time.sleep(3)  # anything still in flight would show up as a duplicate now
    result = stack.outcome(recipients)
    return {"phase": "SIGKILL worker0 mid-batch", "rows": n, "sent_before_kill": done, "complete": ok,
            "lost": result["lost"], "duplicates": result["duplicates"], "states": result["states"],
            "seconds_to_all_sent": round((result["last_received"] or time.time()) - started, 1),
            "recovery_after_kill_s": round((result["last_received"] or time.time()) - killed_at, 1),
            "twilio_posts": stack.fake.creates() - posts_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=80)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--kill-batch", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    stack = Stack(broker_url=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"), workers=args.workers,
                  concurrency=args.concurrency)
    results = []
    try:
        stack.start()
        results.append(burst(stack, args.burst))
        results.append(steady(stack, args.rate, args.seconds))
        results.append(kill_mid_batch(stack, args.kill_batch))
    finally:
        stack.stop()
    print(f"\noutbox: {args.workers} Celery workers × concurrency {args.concurrency} (prefork), Redis broker, "
          f"PostgreSQL, beat every {stack.dispatch_seconds:g}s, fake Twilio over HTTP")
    for r in results:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
