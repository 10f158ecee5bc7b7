"""The production server settings (gunicorn.conf.py): the app and the intake models load once, in the master.

Workers are recycled every WEB_MAX_REQUESTS requests; each replacement is forked from the preloaded master,
so it serves at once instead of importing the app and loading the classifier again.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def test_recycled_workers_are_forked_ready_from_the_preloaded_master(sqlite_template, model_path, tmp_path):
    database = tmp_path / "service.db"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{database}", INSTANCE_DIR=str(tmp_path), SECRET_KEY="test",
        INTAKE_MODEL_PATH=str(model_path), INTAKE_INLINE="1", RATE_LIMITS_ENABLED="0", CELERY_BROKER_URL="memory://",
        WEB_CONCURRENCY="1", WEB_THREADS="2", WEB_MAX_REQUESTS="8", WEB_MAX_REQUESTS_JITTER="0", API_PORT=str(port),
        WEB_ACCESS_LOG="", WEB_PRELOAD="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=PROJECT_ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(port, proc)
        results = []
        for i in range(30):
            response = requests.post(f"http://127.0.0.1:{port}/api/v1/reports", timeout=30,
                                     json={"description": f"香港中路人行道上的垃圾桶满了，垃圾溢出（{i}）"})
            results.append((response.status_code, response.json()))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    text = log.read_text()
    assert all(status == 201 for status, _ in results), results
    assert all(body["matter"] is not None for _, body in results), "intake ran inline in every worker"
    assert len({body["tracking_no"] for _, body in results}) == 30
    assert text.count("Autorestarting worker") >= 3, text  # every 8 requests
    assert text.count("intake classifier and geocoder loaded") == 1, text  # once, in the master
    assert "exited with code" not in text, text  # each recycled worker left cleanly
