"""Secrets come from the environment only: none written into the code, the generated key kept out of git."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("service_api/", "intake/", "notifications/", "bot/actions/", "wsgi.py", "gunicorn.conf.py")
SUSPICIOUS = [
    re.compile(r"""(?i)(secret|password|passwd|auth_token|api_key|private_key)\w*\s*[:=]\s*["'](?![a-z]+(?:[._][a-z]+)+["'])[^"'\s{}]{12,}["']"""),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAC[0-9a-f]{32}\b"),  # a real Twilio account SID
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
]
# A dotted or snake-case lowercase name ("auth.password_changed") is a vocabulary entry, not a secret.
# Known non-secrets: the embedded default's loopback-only service key and the demo staff password (demo data).
ALLOWED = ("dev-service-key", "demo-pass-2026")


def _tracked_code() -> list[Path]:
    names = subprocess.run(["git", "ls-files", *CODE_DIRS], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return [ROOT / n for n in names if n.endswith((".py", ".yml", ".yaml", ".cfg", ".toml", ".json", ".ini"))
            and "/tests/" not in f"/{n}"]


def test_no_hard_coded_secrets_in_code() -> None:
    files = _tracked_code()
    assert len(files) > 50  # the scan really covers the code
    hits = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if any(p.search(line) for p in SUSPICIOUS) and not any(a in line for a in ALLOWED):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not hits, "\n".join(hits)


def test_generated_secret_key_is_private_and_untracked(tmp_path, monkeypatch) -> None:
    import service_api.config as config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first, second = config._secret_key(), config._secret_key()
    assert first == second and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert config._secret_key() == "from-the-environment"
    tracked = subprocess.run(["git", "ls-files", "instance"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "secret_key" not in tracked


def test_every_credential_setting_reads_the_environment(monkeypatch) -> None:
    from service_api.config import Settings

    env = {"SECRET_KEY": "k1", "SERVICE_API_KEY": "k2", "TWILIO_AUTH_TOKEN": "k3", "WECHAT_SECRET": "k4",
           "TWILIO_ACCOUNT_SID": "k5"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.secret_key, settings.service_api_key, settings.twilio_auth_token, settings.wechat_secret,
            settings.twilio_account_sid) == ("k1", "k2", "k3", "k4", "k5")
