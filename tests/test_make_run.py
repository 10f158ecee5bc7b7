"""`make run`'s environment: links to residents and QR codes name the port the API is served on.

With `make run API_PORT=5100`, messages ("…/r/R…"), the component pages' QR codes and /m/qr.svg must not point to
port 5000, where nothing listens: PUBLIC_BASE_URL follows API_PORT unless it is set."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _started_with(*args: str, **env: str) -> dict[str, str]:
    """The variables `make run` starts honcho (API, worker, beat, bot) with, read from `make -n` (runs nothing)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "API_PORT", "MAKEFLAGS")}
    environment.update(env)
    out = subprocess.run(["make", "-n", "run", *args], cwd=PROJECT_ROOT, env=environment, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    [line] = [line for line in out.splitlines() if "honcho start" in line]
    words = shlex.split(line)
    return dict(word.split("=", 1) for word in words[:words.index(next(w for w in words if "honcho" in w))])


def test_public_links_follow_the_api_port() -> None:
    started = _started_with("API_PORT=5100")
    assert started["API_PORT"] == "5100"
    assert started["PUBLIC_BASE_URL"] == "http://127.0.0.1:5100"


def test_the_default_port_and_an_environment_port() -> None:
    assert _started_with()["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert _started_with(API_PORT="5200")["PUBLIC_BASE_URL"] == "http://127.0.0.1:5200"


def test_a_public_base_url_that_is_set_wins() -> None:
    started = _started_with("API_PORT=5100", PUBLIC_BASE_URL="https://12345.qdsn.example.cn")
    assert started["PUBLIC_BASE_URL"] == "https://12345.qdsn.example.cn" and started["API_PORT"] == "5100"


def test_the_app_links_to_the_url_it_is_started_with(monkeypatch) -> None:
    from service_api.config import Settings

    monkeypatch.setenv("PUBLIC_BASE_URL", _started_with("API_PORT=5100")["PUBLIC_BASE_URL"])
    assert Settings().public_base_url == "http://127.0.0.1:5100"
