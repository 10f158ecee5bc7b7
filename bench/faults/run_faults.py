"""The fault table: each fault injected into the full stack under load, then checked for loss and duplicates.

    .venv/bin/python bench/faults/run_faults.py                  # all faults
    .venv/bin/python bench/faults/run_faults.py pg_restart twilio_errors --rate 4 --seconds 40

Faults (each in the middle of a `--seconds` load window of `--rate` reports/s with the peak-day mix):
  pg_restart     PostgreSQL restarted (pg_ctlcluster --skip-systemctl-redirect 15 main restart)
  redis_stop     the broker and rate-limit Redis stopped for --redis-down seconds (redis-cli shutdown nosave),
                 then started again empty. A private redis-server on --redis-port (default 6392) unless
                 --system-redis, which stops the shared one on 6379 with the same commands.
  worker_kill    a Celery worker (main process and pool) SIGKILLed; the other carries on; restarted after the check
  twilio_errors  the fake Twilio answers 500 / 429 / times out (before and after creating the message) for 40 % of
                 sends during the window
  disk_full      the photo filesystem (a tmpfs mounted for the run) filled up for 15 s, then freed

For each: requests sent, accepted (2xx), lost (accepted but not in the database, must be 0), SMS that should go
out and did, duplicate sends at the fake Twilio (must be 0), and how long until the service answered again by
itself. PostgreSQL and Redis are always left running when the script ends.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.loadgen import LoadGen, make_photos  # noqa: E402
from bench.load.run_load import check_delivery, delivery_failures  # noqa: E402
from bench.load.stack import Stack  # noqa: E402

RUN_DIR = Path("/tmp/bench_faults")
PHOTO_MOUNT = RUN_DIR / "photos"
PG_VERSION, PG_CLUSTER = "15", "main"


# --- PostgreSQL and Redis control (always restored) ----------------------------------------------------
def pg_ctl(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, action], check=False,
                   capture_output=True, timeout=120)


def pg_online() -> bool:
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    return any(line.split()[:2] == [PG_VERSION, PG_CLUSTER] and "online" in line for line in out.splitlines())


def redis_up(port: int) -> bool:
    return subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() \
        == "PONG"


def redis_start(port: int, system: bool) -> None:
    if redis_up(port):
        return
    if system:
        args = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
                "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]
    else:
        (RUN_DIR / "redis").mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                "--appendonly", "no", "--dir", str(RUN_DIR / "redis"), "--logfile", str(RUN_DIR / "redis.log")]
    subprocess.run(args, check=True, capture_output=True)
    for _ in range(50):
        if redis_up(port):
            return
        time.sleep(0.1)


def redis_stop(port: int) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


# --- the photo filesystem ---------------------------------------------------------------------------------
def mount_photo_fs(size: str = "512m") -> bool:
    PHOTO_MOUNT.mkdir(parents=True, exist_ok=True)
    if os.path.ismount(PHOTO_MOUNT):
        return True
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(PHOTO_MOUNT)],
                          capture_output=True).returncode == 0


def fill_disk(path: Path) -> int:
    """Write one file until the filesystem is full; return the bytes written."""
    written = 0
    chunk = b"\0" * (1 << 20)
    with open(path, "wb", buffering=0) as filler:
        try:
            while True:
                written += filler.write(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return written


# --- one fault --------------------------------------------------------------------------------------------
class FaultRun:
    def __init__(self, stack: Stack, photos: list[bytes], args: argparse.Namespace) -> None:
        self.stack, self.photos, self.args = stack, photos, args
        self.healed_at = 0.0
        self.photo_offset = 0

    def run(self, name: str, inject: Callable[[], None], heal: Callable[[], None], hold: float) -> dict[str, Any]:
        stack, args = self.stack, self.args
        assert stack.fake is not None
        stack.fake.reset()
        # Photos never uploaded before: a photo stored earlier is not written again (content-addressed).
        gen = LoadGen(stack.base_url, staff_token=stack.staff_token, open311_key=stack.open311_key,
                      photos=self.photos[self.photo_offset:], timeout=15)

        def fault() -> None:
            time.sleep(args.inject_at)
            print(f"  [{name}] inject at t={args.inject_at:g}s", flush=True)
            try:
                inject()
                time.sleep(hold)
            finally:
                heal()
                self.healed_at = time.perf_counter()
                print(f"  [{name}] healed after {hold:g}s", flush=True)

        thread = threading.Thread(target=fault, daemon=True)
        thread.start()
        asyncio.run(gen.run(args.rate, args.seconds))
        thread.join()
        self.photo_offset += gen.photo_i
        up_again = self._recover(gen)
        delivery = check_delivery(stack, gen.results.accepted, wait=args.drain, photos=gen.results.photos)
        sent = sum(gen.results.sent.values())
        failed = sum(len(v) for v in gen.results.failures.values())
        reasons: dict[str, int] = {}
        for errors in gen.results.failures.values():
            for error in errors:
                key = error.split(" ")[0].rstrip(":")
                reasons[key] = reasons.get(key, 0) + 1
        # Recovered: how long after the fault was healed the last request failed (0: none failed after it).
        late = [t - self.healed_at for t in gen.results.failed_at if t > self.healed_at]
        recovered = (max(late) if late else 0.0) if up_again is not None else None
        return {"fault": name, "sent": sent, "ok": sent - failed, "refused": failed, "reasons": reasons,
                "recovered_s": recovered, "hold_s": hold, **delivery}

    def _recover(self, gen: LoadGen) -> float | None:
        """After the load: seconds until 5 report submissions in a row succeed (None: not within the limit)."""
        ok_in_row, first_ok = 0, None
        started = time.perf_counter()
        deadline = started + self.args.recover_limit
        session = requests.Session()
        while time.perf_counter() < deadline:
            try:
                response = session.post(self.stack.base_url + "/api/v1/reports", timeout=10, json={
                    "description": "恢复探测：香港中路12号门口的污水井盖丢了", "address": "香港中路12号",
                    "contact": {"phone": f"+86137{int(time.time() * 1000) % 10**8:08d}"}},
                    headers={"X-Forwarded-For": f"10.250.{ok_in_row}.1"})
                good = response.status_code == 201
            except requests.RequestException:
                good = False
            if good:
                body = response.json()
                gen.results.accepted.append({"id": body["id"], "tracking_no": body["tracking_no"],
                                             "case_no": body.get("case_no"), "token": body.get("access_token")})
                first_ok = first_ok or time.perf_counter()
                ok_in_row += 1
                if ok_in_row >= 5:
                    return first_ok - started
            else:
                ok_in_row, first_ok = 0, None
                time.sleep(0.5)
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("faults", nargs="*", default=["pg_restart", "redis_stop", "worker_kill", "twilio_errors",
                                                      "disk_full"])
    parser.add_argument("--rate", type=float, default=4.0, help="report submissions per second during each fault")
    parser.add_argument("--seconds", type=float, default=40.0, help="load window per fault")
    parser.add_argument("--inject-at", type=float, default=10.0)
    parser.add_argument("--redis-down", type=float, default=60.0)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--system-redis", action="store_true", help="stop the shared Redis on 6379 instead")
    parser.add_argument("--drain", type=float, default=240.0, help="seconds to wait for the outbox to drain")
    parser.add_argument("--recover-limit", type=float, default=120.0)
    args = parser.parse_args()
    if "redis_stop" in args.faults:
        args.seconds = max(args.seconds, args.inject_at + args.redis_down + 10)
    redis_port = 6379 if args.system_redis else args.redis_port

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    have_fs = mount_photo_fs()
    if not have_fs and "disk_full" in args.faults:
        print("could not mount a tmpfs for photos: disk_full skipped")
        args.faults.remove("disk_full")
    photos = make_photos(int(args.rate * args.seconds * 0.6 * len(args.faults)) + 200, seed=11)
    stack = Stack(redis_port=redis_port, run_dir=RUN_DIR, photo_dir=PHOTO_MOUNT, port=5078)
    rows: list[dict[str, Any]] = []
    try:
        redis_start(redis_port, args.system_redis)
        stack.start()
        runner = FaultRun(stack, photos, args)
        filler = PHOTO_MOUNT / "filler.bin"
        plans: dict[str, tuple[Callable[[], None], Callable[[], None], float]] = {
            "pg_restart": (lambda: pg_ctl("restart"), lambda: None if pg_online() else pg_ctl("start"), 0.0),
            "redis_stop": (lambda: redis_stop(redis_port), lambda: redis_start(redis_port, args.system_redis),
                           args.redis_down),
            "worker_kill": (lambda: stack.kill("worker0"), lambda: None, 0.0),
            "twilio_errors": (
                lambda: setattr(stack.fake, "chaos", {"500": 0.15, "429": 0.15, "timeout": 0.05,
                                                      "timeout_after_create": 0.05}),
                lambda: setattr(stack.fake, "chaos", {}), 20.0),
            "disk_full": (lambda: print(f"  filled {fill_disk(filler) >> 20} MB"),
                          lambda: filler.unlink(missing_ok=True), 15.0),
        }
        for name in args.faults:
            inject, heal, hold = plans[name]
            print(f"\n== {name}: {args.rate:g} reports/s for {args.seconds:g}s", flush=True)
            row = runner.run(name, inject, heal, hold)
            print(f"  {row}", flush=True)
            rows.append(row)
            if name == "worker_kill":
                stack.start_worker(0)
    finally:
        if not pg_online():
            pg_ctl("start")
        redis_start(redis_port, args.system_redis)
        if redis_port != 6379:
            redis_start(6379, True)  # the shared one was never touched, but make sure
        stack.stop()
        if redis_port != 6379:
            redis_stop(redis_port)
        if os.path.ismount(PHOTO_MOUNT):
            subprocess.run(["umount", str(PHOTO_MOUNT)], capture_output=True)
        print(f"\nPostgreSQL online: {pg_online()}, Redis 6379 up: {redis_up(6379)}")

    print("\n| fault | requests sent | answered 2xx | refused (why) | reports accepted | lost | photos accepted | "
          "photos lost | SMS due | SMS sent once | duplicate sends | last failure after healing |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    for r in rows:
        recovered = "NOT RECOVERED" if r["recovered_s"] is None else f"{r['recovered_s']:.1f} s"
        refused = f"{r['refused']} ({', '.join(f'{k}×{v}' for k, v in sorted(r['reasons'].items()))})" \
            if r["refused"] else "0"
        print(f"| {r['fault']} | {r['sent']} | {r['ok']} | {refused} | {r['accepted']} | {r['lost']} | "
              f"{r['photos_accepted']} | {r['photos_lost']} | {r['sms_expected']} | "
              f"{r['sms_sent'] - r['duplicate_sends']} | {r['duplicate_sends']} | {recovered} |")
        bad += delivery_failures(r) + (r["recovered_s"] is None)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
