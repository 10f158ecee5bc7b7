"""Chatbot reply latency over Rasa's REST channel, with the action server running.

Starts `rasa run actions` (SERVICE_API_MODE=fake unless --real-api) and `rasa run --enable-api` from
bot/.venv with the current trained model (run `make bot-train` first), plays scripted conversations
(report form with read-back and filing, status queries, FAQ, out of scope) from several residents in
sequence, and prints p50/p95/max of the time from POST to the bot's reply.

    python bench/bench_bot.py [--conversations 20] [--url http://127.0.0.1:5005]  (--url: use a running bot)
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
CONVERSATIONS = [
    ["你好", "香港中路12号有暴露垃圾", "不用", "不是同一个问题", "对", "我上次反映的问题", "谢谢"],
    ["我要反映问题", "路灯不亮了", "在山东路28号", "13912345678", "对"],
    ["查一下C370202-20261124-00017", "处理需要多长时间", "我的社保怎么查", "再见"],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, sender: str, message: str) -> list:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def wait_ready(url: str, process: subprocess.Popen | None, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def start_bot(real_api: bool, workdir: str, processes: list[subprocess.Popen]) -> str:
    """Starts both servers (appending them to `processes`, so the caller stops them even on failure)."""
    rasa_port, actions_port = free_port(), free_port()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
               TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore", ACTIONS_PORT=str(actions_port),
               SANIC_HOST="127.0.0.1", RASA_TRACKER_DIALECT="sqlite", RASA_TRACKER_URL=f"sqlite:///{workdir}/tracker.db")
    if not real_api:
        env["SERVICE_API_MODE"] = "fake"
    log = open(Path(workdir) / "bot.log", "w")
    actions_cmd = [".venv/bin/rasa", "run", "actions", "--actions", "actions", "--port", str(actions_port)]
    rasa_cmd = [".venv/bin/rasa", "run", "--enable-api", "--model", "models/current.tar.gz", "-i", "127.0.0.1",
                "--port", str(rasa_port), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
    for command in (actions_cmd, rasa_cmd):
        processes.append(subprocess.Popen(command, cwd=BOT_DIR, env=env, stdout=log, stderr=log))
    wait_ready(f"http://127.0.0.1:{actions_port}/health", processes[-2])
    wait_ready(f"http://127.0.0.1:{rasa_port}/status", processes[-1])
    return f"http://127.0.0.1:{rasa_port}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--url", help="a running Rasa server; otherwise the bot is started here")
    parser.add_argument("--real-api", action="store_true", help="actions call SERVICE_API_URL instead of fake")
    parser.add_argument("--show", action="store_true", help="print the first conversation of each script")
    args = parser.parse_args()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as workdir:
        try:
            url = args.url
            if not url:
                started = time.perf_counter()
                url = start_bot(args.real_api, workdir, processes)
                print(f"bot started in {time.perf_counter() - started:.1f}s at {url}")
            post(url, f"anon:{uuid.uuid4()}", "你好")  # warm-up (first prediction builds TF graphs)
            latencies: list[float] = []
            empty = 0
            for i in range(args.conversations):
                sender = f"citizen:{i}" if i % 2 else f"anon:{uuid.uuid4()}"
                for message in CONVERSATIONS[i % len(CONVERSATIONS)]:
                    started = time.perf_counter()
                    replies = post(url, sender, message)
                    latencies.append((time.perf_counter() - started) * 1000)
                    if args.show and i < len(CONVERSATIONS):
                        print(f"  > {message}")
                        for reply in replies:
                            buttons = " ".join(f"[{b['title']}]" for b in reply.get("buttons") or [])
                            print(f"    < {reply.get('text') or reply.get('image')} {buttons}".rstrip())
                    empty += not replies
            print(f"messages: {len(latencies)} in {args.conversations} conversations, {empty} without a reply")
            print(f"reply latency ms: p50 {statistics.median(latencies):.0f}  p95 {percentile(latencies, 0.95):.0f}"
                  f"  max {max(latencies):.0f}  mean {statistics.mean(latencies):.0f}")
        except Exception:
            log = Path(workdir) / "bot.log"
            if log.exists():
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
