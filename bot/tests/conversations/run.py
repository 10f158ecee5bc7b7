"""Runs the conversation set end to end: resident → POST /api/v1/chat → Rasa → action server → service API.

Starts its own servers on free ports (unless --api/--rasa-url/--no-servers point at running ones): the service
API (repo .venv, fresh SQLite database in a temporary directory, demo gazetteer), the action server and Rasa with
bot/models/current.tar.gz. Each conversation (tests/conversations/*.yml) is a fresh anonymous chat session; its
`expect` is checked against the bot's replies and against the API (the reports the chat filed, read back with
the service key for that chat session). Prints each failure with the transcript and the score; exits 1 unless
every conversation passes.

    python tests/conversations/run.py [--only SUBSTRING] [--api URL --no-servers] [-v]

Conversation file format (YAML, one list `conversations:`):
- name, register (older / angry / terse / voice / dialect / plain), turns (the resident's messages, in order);
  a message may name a seeded case as {case:<seed name>} and its report as {tracking:<seed name>}.
- seed (optional): reports filed through the API before the chat ([{name, description, address}]), e.g. an
  open case nearby to join, or a case whose status is asked; `mine: true` files it as this chat's own report
  (filed earlier in the same session), `closed: true` closes its case (with the outcome `outcome`).
- expect:
    report: {matter: [name parts or codes, any], place: [parts of the address/placed description, any],
             phone_masked: "139****5678", joins: <seed name>}   a report filed by this chat, as said
    no_report: true                    nothing filed (cancelled, hand-off, status question)
    says: [texts]                      each appears in some reply; not_says: [texts] in none
    says_once: [texts]                 each appears exactly once in all the replies (no question asked twice)
    handoff: true                      a callback was booked (the bot said when it will ring)
    rated: {seed, rating, comment}     the seeded report was rated so (comment: a part of the stored remark),
                                       and the chat filed no report of its own
  Every conversation also fails when the bot falls back ("抱歉，我没太明白") unless expect.fallback_ok.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

HERE = Path(__file__).resolve().parent
BOT = HERE.parents[1]
REPO = BOT.parent
SERVICE_KEY = os.environ.get("SERVICE_API_KEY", "dev-service-key")
FALLBACK_TEXT = "抱歉，我没太明白"
HANDOFF_RE = re.compile(r"已为您转人工服务")
CASE_REF_RE = re.compile(r"\{(case|tracking):([^}]+)\}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, seconds: float, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not up after {seconds:.0f} s")


class Servers:
    """The service API, the action server and Rasa, on free ports, in a temporary directory."""

    def __init__(self, verbose: bool) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="bot-conversations-"))
        self.procs: List[subprocess.Popen] = []
        self.verbose = verbose
        self.api_port, self.actions_port, self.rasa_port = free_port(), free_port(), free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"

    def _spawn(self, name: str, args: List[str], cwd: Path, env: Dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")
        proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        api_env = self.api_env = {"INSTANCE_DIR": str(self.tmp), "DATABASE_URL": f"sqlite:///{self.tmp / 'service.db'}",
                   "FLASK_APP": "wsgi", "RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
                   "SERVICE_API_KEY": SERVICE_KEY, "CELERY_BROKER_URL": f"sqla+sqlite:///{self.tmp / 'broker.db'}",
                   "PHOTO_STORAGE_DIR": str(self.tmp / "photos"), "PUBLIC_BASE_URL": self.api_url}
        flask = str(REPO / ".venv" / "bin" / "flask")
        for command in (["db", "upgrade"], ["taxonomy", "load"]):
            subprocess.run([flask, *command], cwd=REPO, env={**os.environ, **api_env}, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        api = self._spawn("api", [flask, "run", "--no-reload", "-p", str(self.api_port)], REPO, api_env)
        # In-memory tracker store: these sessions are thrown away, and bot/rasa.db stays the developer's.
        endpoints = self.tmp / "endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{self.actions_port}/webhook\n",
                             encoding="utf-8")
        bot_env = {"SERVICE_API_URL": self.api_url, "SERVICE_API_KEY": SERVICE_KEY, "SERVICE_API_MODE": "http",
                   "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2",
                   "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        rasa = str(BOT / ".venv" / "bin" / "rasa")
        actions = self._spawn("actions", [rasa, "run", "actions", "--actions", "actions",
                                          "--port", str(self.actions_port)], BOT, bot_env)
        bot = self._spawn("rasa", [rasa, "run", "--model", "models/current.tar.gz", "-i", "127.0.0.1",
                                   "--port", str(self.rasa_port), "--endpoints", str(endpoints),
                                   "--credentials", "credentials.yml"], BOT, bot_env)
        wait_http(f"{self.api_url}/api/openapi.json", 120, api)
        wait_http(f"http://127.0.0.1:{self.actions_port}/health", 240, actions)
        wait_http(f"http://127.0.0.1:{self.rasa_port}/", 600, bot)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.verbose:
            print(f"server logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class Outcome:
    name: str
    session: str
    transcript: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)


def close_case_command(api_env: Dict[str, str]) -> Any:
    """Closes a seeded case in the API's database (as staff would after 核查), for conversations about a closed
    case: rating, "was it solved?"."""
    script = ("import sys\nfrom wsgi import app\nfrom service_api.extensions import db\n"
              "from service_api.models import Case\n"
              "from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition\n"
              "with app.app_context():\n"
              "    case = db.session.query(Case).filter_by(case_no=sys.argv[1]).one()\n"
              "    case.status, case.outcome = 'verified', sys.argv[2]\n"
              "    apply_transition(case, TransitionRequest('close'), SYSTEM)\n"
              "    db.session.commit()\n")

    def close(case_no: str, outcome: str) -> None:
        subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-c", script, case_no, outcome], cwd=REPO,
                       env={**os.environ, **api_env}, check=True, stdout=subprocess.DEVNULL)
    return close


class Runner:
    def __init__(self, api_url: str, close_case: Any = None) -> None:
        self.api = api_url.rstrip("/")
        self.close_case = close_case
        self.http = requests.Session()
        self.seeds: Dict[str, Dict[str, Any]] = {}

    def _service(self, resident: str) -> Dict[str, str]:
        return {"Authorization": f"Bearer {SERVICE_KEY}", "X-Resident": resident}

    def seed(self, seed: Dict[str, Any], session: str) -> Dict[str, Any]:
        if seed["name"] in self.seeds:
            return self.seeds[seed["name"]]
        resident = session if seed.get("mine") else f"anon:{uuid.uuid4()}"
        body = {"description": seed["description"], "address": seed["address"], "channel": "chatbot"}
        response = self.http.post(f"{self.api}/api/v1/reports", json=body, headers=self._service(resident),
                                  timeout=30)
        response.raise_for_status()
        report = response.json()
        if not report.get("case_no"):
            raise RuntimeError(f"seed {seed['name']!r} got no case: {report}")
        if seed.get("closed"):
            if self.close_case is None:
                raise RuntimeError(f"seed {seed['name']!r}: closing a case needs the runner's own servers")
            self.close_case(report["case_no"], seed.get("outcome") or "已处理完毕")
        self.seeds[seed["name"]] = report
        return report

    def chat(self, session: str, message: str) -> List[str]:
        for _ in range(3):
            response = self.http.post(f"{self.api}/api/v1/chat", json={"message": message},
                                      headers={"X-Chat-Session": session}, timeout=90)
            if response.status_code != 429:
                break
            time.sleep(int(response.headers.get("Retry-After", "5")))
        response.raise_for_status()
        return [m.get("text") or "" for m in response.json()["messages"] if m.get("text")]

    def reports_of(self, session: str) -> List[Dict[str, Any]]:
        response = self.http.get(f"{self.api}/api/v1/me/reports", headers=self._service(session), timeout=30)
        response.raise_for_status()
        return list(response.json()["items"])

    def run(self, conversation: Dict[str, Any]) -> Outcome:
        session = f"anon:{uuid.uuid4()}"
        outcome = Outcome(conversation["name"], session)
        for seed in conversation.get("seed") or []:
            self.seed(seed, session)
        replies: List[str] = []
        for turn in conversation["turns"]:
            text = CASE_REF_RE.sub(lambda m: self.seeds[m.group(2)][f"{m.group(1)}_no"], str(turn))
            answer = self.chat(session, text)
            outcome.transcript.append(f"  居民: {text}")
            outcome.transcript += [f"  客服: {line}" for line in answer]
            replies += answer
        self.check(conversation.get("expect") or {}, replies, outcome)
        return outcome

    def check(self, expect: Dict[str, Any], replies: List[str], outcome: Outcome) -> None:
        said = "\n".join(replies)
        if FALLBACK_TEXT in said and not expect.get("fallback_ok"):
            outcome.problems.append("the bot fell back (did not understand a message)")
        for text in map(str, expect.get("says") or []):
            if text not in said:
                outcome.problems.append(f"never said {text!r}")
        for text in map(str, expect.get("says_once") or []):
            if said.count(text) != 1:
                outcome.problems.append(f"said {text!r} {said.count(text)} times, expected once")
        for text in map(str, expect.get("not_says") or []):
            if text in said:
                outcome.problems.append(f"said {text!r}")
        if expect.get("handoff") and not HANDOFF_RE.search(said):
            outcome.problems.append("no callback was booked")
        reports = self.reports_of(outcome.session)
        if expect.get("no_report") and reports:
            outcome.problems.append(f"filed {len(reports)} report(s), expected none")
        want = expect.get("report")
        if want:
            self._check_report(want, reports, said, outcome)
        if expect.get("rated"):
            self._check_rating(expect["rated"], reports, outcome)

    def _check_rating(self, want: Dict[str, Any], reports: List[Dict[str, Any]], outcome: Outcome) -> None:
        seeded = self.seeds[want["seed"]]
        if [r["tracking_no"] for r in reports if r["tracking_no"] != seeded["tracking_no"]]:
            outcome.problems.append("the chat filed a report of its own")
        response = self.http.get(f"{self.api}/api/v1/reports/{seeded['tracking_no']}",
                                 headers=self._service(outcome.session), timeout=30)
        rating = (response.json() or {}).get("rating") if response.ok else None
        if not rating or rating.get("rating") != want.get("rating"):
            outcome.problems.append(f"rating {rating}, expected {want.get('rating')}")
        elif want.get("comment") and want["comment"] not in (rating.get("comment") or ""):
            outcome.problems.append(f"rating comment {rating.get('comment')!r}, expected it to hold {want['comment']!r}")

    def _check_report(self, want: Dict[str, Any], reports: List[Dict[str, Any]], said: str,
                      outcome: Outcome) -> None:
        if len(reports) != 1:
            outcome.problems.append(f"filed {len(reports)} report(s), expected one")
            return
        report = reports[0]
        matter = report.get("matter") or {}
        matters = [str(m) for m in _as_list(want.get("matter"))]
        if matters and not any(m in (matter.get("name") or "") or m == matter.get("code") for m in matters):
            outcome.problems.append(f"matter {matter.get('code')} {matter.get('name')}, expected one of {matters}")
        places = [str(p) for p in _as_list(want.get("place"))]
        where = f"{report.get('address') or ''} {report.get('location_description') or ''}"
        if places and not any(p in where for p in places):
            outcome.problems.append(f"placed at {where.strip()!r}, expected one of {places}")
        if want.get("phone_masked") and f"联系电话{want['phone_masked']}" not in said:
            outcome.problems.append(f"phone {want['phone_masked']} never read back")
        if want.get("joins"):
            case_no = self.seeds[want["joins"]]["case_no"]
            if report.get("case_no") != case_no:
                outcome.problems.append(f"case {report.get('case_no')}, expected to join {case_no}")


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_conversations(only: Optional[str]) -> List[Dict[str, Any]]:
    found: List[Dict[str, Any]] = []
    for path in sorted(HERE.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            conversation["file"] = path.name
            if not only or only in conversation["name"]:
                found.append(conversation)
    return found


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the conversation set end to end through POST /api/v1/chat")
    parser.add_argument("--only", help="run only conversations whose name contains this")
    parser.add_argument("--api", help="a running service API (with Rasa and the action server behind it)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every transcript, keep server logs")
    args = parser.parse_args(argv)
    conversations = load_conversations(args.only)
    servers = None if args.api else Servers(args.verbose)
    try:
        if servers:
            started = time.monotonic()
            servers.start()
            print(f"conversations: servers up in {time.monotonic() - started:.0f} s")
        runner = Runner(args.api or servers.api_url,  # type: ignore[union-attr]
                        close_case_command(servers.api_env) if servers else None)
        passed = 0
        started = time.monotonic()
        for conversation in conversations:
            outcome = runner.run(conversation)
            ok = not outcome.problems
            passed += ok
            if not ok or args.verbose:
                status = "PASS" if ok else "FAIL"
                print(f"{status} {conversation['file']}: {outcome.name} [{conversation.get('register', '')}]")
                for problem in outcome.problems:
                    print(f"  ✗ {problem}")
                print("\n".join(outcome.transcript))
        seconds = time.monotonic() - started
        print(f"conversations: {passed}/{len(conversations)} passed end to end ({seconds:.0f} s)")
        return 0 if conversations and passed == len(conversations) else 1
    finally:
        if servers:
            servers.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
