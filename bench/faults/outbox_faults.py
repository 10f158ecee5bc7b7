"""Outbox fault scripts: every notification that should go out goes out exactly once, and the service
recovers by itself.

    .venv/bin/python bench/faults/outbox_faults.py [twilio|redis|all] [--rows 400]

twilio  the fake Twilio answers 500 / 429 / times out (before and after creating the message) at random
redis   the broker (a private redis-server on port 6391, no persistence) is stopped for --down seconds while
        rows keep being committed, then started again empty (queued messages are lost)
(a worker SIGKILLed mid-batch is in bench/bench_outbox.py)

Prints: fault, rows committed ("requests accepted"), sent once, lost (must be 0), duplicate sends (must be 0).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outbox_stack import Stack

PRIVATE_REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "6391"))


def twilio_errors(rows: int) -> dict[str, object]:
    stack = Stack(http_timeout=2.0)
    try:
        stack.start()
        assert stack.fake is not None
        stack.fake.slow_seconds = 3.0
        stack.fake.chaos = {"500": 0.15, "429": 0.15, "timeout": 0.05, "timeout_after_create": 0.05}
        started = time.time()
        recipients = stack.insert(rows)
        complete = stack.wait_sent(recipients, timeout=300)
        time.sleep(5)
        result = stack.outcome(recipients)
        return {"fault": "Twilio 500/429/timeouts (40% of sends)", "rows": rows, "accepted": rows,
                "sent_once": result["sent_once"], "lost": result["lost"], "duplicates": result["duplicates"],
                "complete": complete, "seconds": round(time.time() - started, 1),
                "twilio_posts": stack.fake.creates()}
    finally:
        stack.stop()


def _start_redis(workdir: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["redis-server", "--port", str(PRIVATE_REDIS_PORT), "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc


def redis_down(rows: int, down_seconds: float) -> dict[str, object]:
    workdir = tempfile.mkdtemp(prefix="fault-redis-")
    redis_proc = _start_redis(workdir)
    stack = Stack(broker_url=f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0")
    try:
        stack.start()
        assert stack.fake is not None
        recipients = stack.insert(rows)
        while len({m["to"] for m in stack.fake.messages} & set(recipients)) < rows // 4:
            time.sleep(0.05)
        redis_proc.terminate()  # the broker goes away mid-batch
        redis_proc.wait()
        stopped = time.time()
        # The API keeps committing changes (the outbox is in PostgreSQL, not the broker).
        during = []
        while time.time() - stopped < down_seconds:
            during += stack.insert(max(1, rows // 20))
            time.sleep(down_seconds / 10)
        redis_proc = _start_redis(workdir)  # back, and empty: every queued message was lost
        restarted = time.time()
        everything = recipients + during
        complete = stack.wait_sent(everything, timeout=300)
        time.sleep(5)
        result = stack.outcome(everything)
        return {"fault": f"Redis broker stopped {down_seconds:g}s (restarted empty)", "rows": len(everything),
                "accepted": len(everything), "sent_once": result["sent_once"], "lost": result["lost"],
                "duplicates": result["duplicates"], "complete": complete,
                "all_sent_after_restart_s": round((result["last_received"] or time.time()) - restarted, 1)}
    finally:
        stack.stop()
        if redis_proc.poll() is None:
            redis_proc.terminate()
            redis_proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", default="all", choices=["twilio", "redis", "all"])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--down", type=float, default=60.0)
    args = parser.parse_args()
    results = []
    if args.which in ("twilio", "all"):
        results.append(twilio_errors(args.rows))
    if args.which in ("redis", "all"):
        results.append(redis_down(args.rows, args.down))
    print()
    print(f"{'fault':45} {'accepted':>9} {'sent once':>10} {'lost':>5} {'dup sends':>10}")
    for r in results:
        print(f"{r['fault']:45} {r['accepted']:>9} {r['sent_once']:>10} {r['lost']:>5} {r['duplicates']:>10}")
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
