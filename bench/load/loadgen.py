"""An open-loop load generator (asyncio + aiohttp): requests start on a fixed schedule whether or not earlier ones
have finished, and latency counts from the scheduled start, so a slow server cannot hide its queueing.

The mix is shaped like a peak day per report submitted (the `rate`): half of the reports come with a photo
(uploaded first, as wx.uploadFile does), residents look up their report status 3×, anyone looks up a public case
1×, Open311 partners read request lists 0.5×, staff page through the case list 0.5×, chatbot turns 0.5× (only when
a Rasa server answers; otherwise skipped and reported as such). Client IPs come from X-Forwarded-For (the stack
trusts one proxy), spread over many addresses as real residents are, so per-IP rate limits stay switched on.
"""

from __future__ import annotations

import asyncio
import io
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

DESCRIPTIONS = [
    ("香港中路12号门口的污水井盖丢了，很危险", "香港中路12号"), ("湛山路路灯不亮了，晚上很黑", "湛山路5号"),
    ("五四广场东侧垃圾桶满了，垃圾溢出来了", "五四广场"), ("南京路上有人占道经营卖水果", "南京路100号"),
    ("燕儿岛路人行道的地砖坏了好几块", "燕儿岛路8号"), ("福州南路有共享单车乱停放，挡住盲道", "福州南路20号"),
    ("八大峡广场附近有人露天烧烤，油烟很大", "八大峡广场"), ("宁夏路上的绿化带里堆了很多建筑垃圾", "宁夏路200号"),
]
MIX = {"status": 3.0, "public_case": 1.0, "open311": 0.5, "staff_cases": 0.5, "chat": 0.5}
PHOTO_SHARE = 0.5


def make_photos(n: int, seed: int = 7) -> list[bytes]:
    """Distinct mini-program-sized JPEGs (1280×960, ~150–250 KB), so the server cannot deduplicate them."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    base = Image.effect_noise((1280, 960), 40).convert("RGB")
    photos = []
    for i in range(n):
        image = base.copy()
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(1200), rng.randrange(900)
            draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)),
                           fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw.text((10, 10), f"{i}-{rng.random()}", fill=(255, 255, 255))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        photos.append(buffer.getvalue())
    return photos


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    accepted: list[dict[str, Any]] = field(default_factory=list)  # every report answered 2xx (id, tracking_no)
    photos: list[str] = field(default_factory=list)  # every photo answered 201
    failed_at: list[float] = field(default_factory=list)  # perf_counter() when each failed request ended
    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    started: float = 0.0
    finished: float = 0.0

    def record(self, name: str, scheduled: float, status: int | None, error: str | None = None) -> None:
        self.sent[name] += 1
        if status is not None and 200 <= status < 300:
            self.latencies[name].append(time.perf_counter() - scheduled)
        else:
            self.failures[name].append(error or str(status))
            self.failed_at.append(time.perf_counter())

    def table(self) -> list[dict[str, Any]]:
        seconds = max(self.finished - self.started, 1e-9)
        rows = []
        for name in sorted(self.sent):
            lat = sorted(self.latencies[name])
            rows.append({"endpoint": name, "sent": self.sent[name], "ok": len(lat), "failed": len(self.failures[name]),
                         "rate": len(lat) / seconds, "p50_ms": pct(lat, 50) * 1000, "p99_ms": pct(lat, 99) * 1000,
                         "max_ms": (lat[-1] if lat else float("nan")) * 1000})
        return rows


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class LoadGen:
    def __init__(self, base_url: str, *, staff_token: str, open311_key: str, photos: list[bytes],
                 chat: bool = False, timeout: float = 30.0, ip_pool: int = 20000, seed: int = 1) -> None:
        self.base = base_url.rstrip("/")
        self.staff = {"Authorization": f"Bearer {staff_token}"}
        self.open311_key = open311_key
        self.photos = photos
        self.photo_i = 0
        self.chat = chat
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.rng = random.Random(seed)
        self.ips = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(1, ip_pool + 1)]
        self.results = Results()
        self.phone_seq = 0

    def _ip(self) -> dict[str, str]:
        return {"X-Forwarded-For": self.rng.choice(self.ips)}

    async def _do(self, session: aiohttp.ClientSession, name: str, scheduled: float, method: str, path: str,
                  **kw: Any) -> tuple[int | None, Any]:
        try:
            async with session.request(method, self.base + path, **kw) as response:
                body = await (response.json(content_type=None) if response.content_type == "application/json"
                              else response.read())
                self.results.record(name, scheduled, response.status,
                                    None if response.status < 300 else f"{response.status} {str(body)[:120]}")
                return response.status, body
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.results.record(name, scheduled, None, f"{type(exc).__name__}: {exc}"[:160])
            return None, None

    # --- one resident action each --------------------------------------------------------------------
    async def submit(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        headers = self._ip()
        photo_ids: list[str] = []
        if self.photos and self.rng.random() < PHOTO_SHARE:
            data = aiohttp.FormData()
            data.add_field("file", self.photos[self.photo_i % len(self.photos)], filename="photo.jpg",
                           content_type="image/jpeg")
            self.photo_i += 1
            status, body = await self._do(session, "photo_upload", scheduled, "POST", "/api/v1/photos", data=data,
                                          headers=headers)
            if status != 201:
                return
            photo_ids = [body["id"]]
            self.results.photos.append(body["id"])
            scheduled = time.perf_counter()
        text, address = self.rng.choice(DESCRIPTIONS)
        self.phone_seq += 1
        phone = f"+86139{self.rng.randrange(10**8):08d}"
        payload = {"description": text, "address": address, "photo_ids": photo_ids, "contact": {"phone": phone}}
        status, body = await self._do(session, "report_submit", scheduled, "POST", "/api/v1/reports",
                                      json=payload, headers=headers)
        if status in (200, 201):
            self.results.accepted.append({"id": body["id"], "tracking_no": body["tracking_no"], "phone": phone,
                                          "case_no": body.get("case_no"), "token": body.get("access_token")})

    async def status(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        if not self.results.accepted:
            return
        report = self.rng.choice(self.results.accepted)
        await self._do(session, "status_lookup", scheduled, "GET", f"/api/v1/reports/{report['tracking_no']}",
                       headers={**self._ip(), "Authorization": f"Bearer {report['token']}"})

    async def public_case(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        with_case = [r for r in self.results.accepted[-200:] if r["case_no"]]
        if not with_case:
            return
        await self._do(session, "public_case", scheduled, "GET",
                       f"/api/v1/public/cases/{self.rng.choice(with_case)['case_no']}", headers=self._ip())

    async def open311(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        await self._do(session, "open311_list", scheduled, "GET", "/open311/v2/requests.json",
                       params={"api_key": self.open311_key, "page_size": "50"}, headers=self._ip())

    async def staff_cases(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        page = self.rng.choice([1, 1, 1, 2, 3])
        await self._do(session, "staff_case_list", scheduled, "GET", f"/api/v1/cases?page={page}&page_size=20",
                       headers=self.staff)

    async def chat_turn(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        sender = f"load-{self.rng.randrange(10**6)}"
        await self._do(session, "chat_turn", scheduled, "POST", "/api/v1/chat",
                       json={"sender": sender, "message": "香港中路的井盖丢了"}, headers=self._ip())

    # --- the schedule --------------------------------------------------------------------------------
    async def run(self, rate: float, seconds: float) -> Results:
        """`rate` report submissions per second for `seconds`, the rest of the mix in proportion."""
        streams: list[tuple[float, Any]] = [(rate, self.submit)]
        actions = {"status": self.status, "public_case": self.public_case, "open311": self.open311,
                   "staff_cases": self.staff_cases}
        if self.chat:
            actions["chat"] = self.chat_turn
        streams += [(rate * MIX[name], action) for name, action in actions.items()]
        connector = aiohttp.TCPConnector(limit=500, force_close=False)
        tasks: set[asyncio.Task[Any]] = set()
        async with aiohttp.ClientSession(connector=connector, timeout=self.timeout) as session:
            self.results.started = time.perf_counter()
            end = self.results.started + seconds
            events: list[tuple[float, Any]] = []
            for stream_rate, action in streams:
                if stream_rate <= 0:
                    continue
                offset = self.rng.random() / stream_rate
                n = int(seconds * stream_rate)
                events += [(self.results.started + offset + i / stream_rate, action) for i in range(n)]
            events.sort(key=lambda e: e[0])
            for at, action in events:
                delay = at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(action(session, at))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(max(0.0, end - time.perf_counter()))
            if tasks:
                await asyncio.wait(tasks, timeout=self.timeout.total or 60)
            self.results.finished = max(end, time.perf_counter())
        return self.results


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    print(f"\n{title}")
    print(f"| {'endpoint':<16} | {'sent':>6} | {'ok':>6} | {'failed':>6} | {'ok/s':>6} | {'p50 ms':>7} | "
          f"{'p99 ms':>7} | {'max ms':>7} |")
    print("|" + "|".join("-" * w for w in (18, 8, 8, 8, 8, 9, 9, 9)) + "|")
    for r in rows:
        print(f"| {r['endpoint']:<16} | {r['sent']:>6} | {r['ok']:>6} | {r['failed']:>6} | {r['rate']:>6.1f} | "
              f"{r['p50_ms']:>7.0f} | {r['p99_ms']:>7.0f} | {r['max_ms']:>7.0f} |")
