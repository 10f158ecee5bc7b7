"""Mixed peak-day load on the full stack (PostgreSQL, Redis, gunicorn, 2 Celery workers, beat, fake Twilio).

    .venv/bin/python bench/load/run_load.py                      # 10 reports/s for 60 s (100× Qingdao's average)
    .venv/bin/python bench/load/run_load.py --steps 5,10,20,30,40 --seconds 45   # step up to find the knee

Per step: throughput and p50/p99 per endpoint, failures (must be 0), and afterwards that every report answered
2xx is in the database and every SMS it should cause went out exactly once (counted at the fake Twilio).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.loadgen import LoadGen, make_photos, print_table
from bench.load.stack import Stack
from service_api.vocab import UNSENT_STATES


def rasa_up(url: str = "http://127.0.0.1:5005") -> bool:
    import requests

    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def check_delivery(stack: Stack, accepted: list[dict], wait: float = 120, photos: list[str] | None = None
                   ) -> dict[str, int]:
    """Every accepted report (and photo) stored; every SMS row for those reports sent exactly once.

    Waits up to `wait` seconds for the outbox to drain. Duplicates are counted at the fake Twilio server as the
    same body sent to the same number more than once (every report has its own number). Rows deferred to later
    (quiet hours, backoff) are not delivered: they count in `sms_missing` and `outbox_left`.
    """
    ids = [r["id"] for r in accepted]
    stored = stack.sql("SELECT count(*) FROM reports WHERE id = ANY(:ids)", ids=ids)[0][0] if ids else 0
    photos = photos or []
    photos_stored = stack.sql("SELECT count(*) FROM photos WHERE id = ANY(:ids)", ids=photos)[0][0] if photos else 0
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and stack.queue_lengths()["outbox_pending"] > 0:
        time.sleep(1)
    time.sleep(2)  # a send in flight when the queue emptied
    expected = {r[0]: r[1] for r in stack.sql(
        "SELECT recipient, count(*) FROM notifications WHERE channel = 'sms' AND report_id = ANY(:ids) "
        "GROUP BY recipient", ids=ids)} if ids else {}
    assert stack.fake is not None
    with stack.fake.lock:
        sent: dict[tuple[str, str], int] = {}
        for m in stack.fake.messages:
            if m["to"] in expected:
                sent[(m["to"], m["body"])] = sent.get((m["to"], m["body"]), 0) + 1
    per_phone: dict[str, int] = {}
    for (to, _), n in sent.items():
        per_phone[to] = per_phone.get(to, 0) + n
    return {
        "accepted": len(ids), "stored": int(stored), "lost": len(ids) - int(stored),
        "photos_accepted": len(photos), "photos_lost": len(photos) - int(photos_stored),
        "sms_expected": sum(expected.values()),
        "sms_sent": sum(per_phone.values()),
        "sms_missing": sum(max(0, n - per_phone.get(p, 0)) for p, n in expected.items()),
        "duplicate_sends": sum(n - 1 for n in sent.values() if n > 1),
        "outbox_left": unsent_sms(stack, ids),
    }


def unsent_sms(stack: Stack, report_ids: list[int]) -> int:
    """SMS rows of these reports not yet out, whether due, in flight or deferred to later."""
    if not report_ids:
        return 0
    return int(stack.sql("SELECT count(*) FROM notifications WHERE channel = 'sms' AND report_id = ANY(:ids) "
                         "AND status = ANY(:unsent)", ids=report_ids, unsent=list(UNSENT_STATES))[0][0])


def delivery_failures(delivery: dict[str, int]) -> int:
    """What a delivery check counts against a run: lost reports or photos, SMS not sent or sent twice."""
    return (delivery["lost"] + delivery["photos_lost"] + delivery["duplicate_sends"] + delivery["sms_missing"]
            + delivery["outbox_left"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="10", help="report submissions per second, comma list (default 10)")
    parser.add_argument("--seconds", type=float, default=60, help="duration of each step")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    rates = [float(r) for r in args.steps.split(",")]

    chat = rasa_up()
    total_photos = int(sum(rates) * args.seconds * 0.55) + 50
    print(f"generating {total_photos} distinct photos ...", flush=True)
    photos = make_photos(total_photos)
    stack = Stack(web_workers=args.web_workers, web_threads=args.web_threads)
    failures = 0
    try:
        stack.start()
        print(f"stack up: gunicorn {args.web_workers}×{args.web_threads} threads on {stack.base_url}, "
              f"2 Celery workers, db {stack.db_name}; chatbot turns: {'on' if chat else 'SKIPPED (no Rasa on :5005)'}")
        gen = LoadGen(stack.base_url, staff_token=stack.staff_token, open311_key=stack.open311_key, photos=photos,
                      chat=chat)
        asyncio.run(gen.run(1, 5))  # warm-up: first requests per worker, connection pools
        summary = []
        for rate in rates:
            gen.results = type(gen.results)()
            gen.results.accepted = []
            asyncio.run(gen.run(rate, args.seconds))
            rows = gen.results.table()
            print_table(rows, f"step: {rate:g} reports/s for {args.seconds:g} s")
            failed = sum(r["failed"] for r in rows)
            for name, errors in gen.results.failures.items():
                if errors:
                    print(f"  {name}: {len(errors)} failed, e.g. {errors[:3]}")
            delivery = check_delivery(stack, gen.results.accepted, photos=gen.results.photos)
            print(f"  after the step: {delivery}")
            total = sum(r["rate"] for r in rows)  # ok/s over the real elapsed time (with the tail)
            submit = next((r for r in rows if r["endpoint"] == "report_submit"), None)
            summary.append((rate, total, submit, failed, delivery))
            failures += failed + delivery_failures(delivery)
        print("\n| target reports/s | reports ok/s | all requests ok/s | report p50 ms | report p99 ms | failed | "
              "lost | duplicate SMS |")
        print("|---|---|---|---|---|---|---|---|")
        for rate, total, submit, failed, delivery in summary:
            print(f"| {rate:g} | {submit['rate'] if submit else 0:.1f} | {total:.1f} | "
                  f"{submit['p50_ms'] if submit else float('nan'):.0f} | "
                  f"{submit['p99_ms'] if submit else float('nan'):.0f} | {failed} | {delivery['lost']} | "
                  f"{delivery['duplicate_sends']} |")
    finally:
        stack.stop(drop=not args.keep)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
