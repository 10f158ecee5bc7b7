"""HTTP client of the service API used by the action server.

The action server never touches the database: everything goes through the service API with the
service key (``SERVICE_API_KEY``) and the resident's identity (``X-Resident: <sender id>``).
``SERVICE_API_MODE=fake`` swaps in :class:`FakeServiceApi` (canned, realistic answers) so the
assistant can be run and benchmarked without the API, like Rasa's helpdesk-assistant demo mode.
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import requests

from actions.vocab import CLOSED, DISPATCHED, RECEIVED

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_API_KEY = "dev-service-key"
TIMEOUT_SECONDS = 8.0


class ApiError(Exception):
    """A non-2xx answer (or no answer) from the service API."""

    def __init__(self, status: int, code: str = "error", message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def unavailable(self) -> bool:
        return self.status == 0 or self.status >= 500


class ServiceApi:
    """Calls the real service API over HTTP."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None,
                 session: Optional[requests.Session] = None) -> None:
        self.base_url = (base_url or os.environ.get("SERVICE_API_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("SERVICE_API_KEY") or DEFAULT_API_KEY
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, resident: str, json: Any = None,
                 params: Optional[Dict[str, Any]] = None,
                 headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        all_headers = {"Authorization": f"Bearer {self.api_key}", "X-Resident": resident,
                       "Accept": "application/json"}
        all_headers.update(headers or {})
        try:
            response = self.session.request(method, self.base_url + path, json=json, params=params,
                                            headers=all_headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise ApiError(0, "unreachable", str(exc)) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            body = body if isinstance(body, dict) else {}
            raise ApiError(response.status_code, str(body.get("code") or "error"),
                           str(body.get("message") or response.reason))
        return body if isinstance(body, dict) else {"items": body}

    def preview(self, resident: str, text: str, address: Optional[str] = None,
                location: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        payload: Dict[str, Any] = {"text": text}
        if address:
            payload["address"] = address
        if location:
            payload["location"] = location
        return self._request("POST", "/api/v1/intake/preview", resident, json=payload)

    def create_report(self, resident: str, payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        return self._request("POST", "/api/v1/reports", resident, json=payload,
                             headers={"Idempotency-Key": idempotency_key})

    def get_report(self, resident: str, report_ref: str) -> Dict[str, Any]:
        return self._request("GET", f"/api/v1/reports/{report_ref}", resident)

    def get_public_case(self, resident: str, case_no: str) -> Dict[str, Any]:
        return self._request("GET", f"/api/v1/public/cases/{case_no}", resident)

    def my_reports(self, resident: str, page_size: int = 5) -> List[Dict[str, Any]]:
        body = self._request("GET", "/api/v1/me/reports", resident, params={"page": 1, "page_size": page_size})
        return list(body.get("items") or [])

    def rate(self, resident: str, report_id: str, rating: str, solved: Optional[bool],
             comment: Optional[str]) -> Dict[str, Any]:
        # solved stays unknown (left out) unless the resident said it; rating again within the edit window
        # replaces the rating, which is how a follow-up comment is attached.
        payload: Dict[str, Any] = {"rating": rating}
        if solved is not None:
            payload["solved"] = solved
        if comment:
            payload["comment"] = comment
        return self._request("POST", f"/api/v1/reports/{report_id}/rating", resident, json=payload)

    def create_callback(self, resident: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self._request("POST", "/api/v1/callbacks", resident, json=payload)


# --- fake mode -----------------------------------------------------------------------------------

_FAKE_MATTERS = [
    (("暴露垃圾", "垃圾堆", "垃圾", "臭"), "06010", "暴露垃圾"),
    (("垃圾桶", "垃圾箱"), "03005", "垃圾箱异常"),
    (("井盖",), "01023", "不明井盖异常"),
    (("路灯",), "01037", "路灯异常"),
    (("摊", "占道"), "07003", "占道经营"),
    (("噪音", "噪声", "广场舞", "吵"), "06028", "噪声扰民"),
    (("油烟",), "06027", "油烟污染"),
    (("烧烤",), "06029", "露天烧烤"),
    (("小广告", "牛皮癣"), "07001", "乱张贴"),
    (("私搭乱建", "违章建筑", "违建"), "06001", "私搭乱建"),
    (("积水", "下水道", "污水"), "06030", "乱倒乱排污水、废水"),
    (("路面", "坑", "地砖"), "06013", "道路破损"),
    (("树",), "04002", "行道树异常"),
    (("护栏",), "02017", "交通护栏异常"),
]
_VAGUE_PLACES = re.compile(r"^(这里|那里|这儿|那儿|不知道|不清楚|附近|旁边|路边|就在路边)$")
FAKE_CLOSED_REPORT = "R20261101000001"
FAKE_OPEN_CASE = "C370202-20261124-00017"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class FakeServiceApi:
    """Canned answers in the API's shapes, deterministic, for demos, ``rasa test`` runs and benchmarks."""

    def __init__(self) -> None:
        self.reports: Dict[str, Dict[str, Any]] = {}
        self.ratings: Dict[str, Dict[str, Any]] = {}

    def preview(self, resident: str, text: str, address: Optional[str] = None,
                location: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        match = next(((code, name) for words, code, name in _FAKE_MATTERS if any(w in text for w in words)), None)
        classification = {"in_scope": match is not None, "code": match[0] if match else None,
                          "name": match[1] if match else None, "confidence": 0.91 if match else 0.18,
                          "candidates": [{"code": match[0], "name": match[1], "confidence": 0.91}] if match else []}
        geocode = None
        place = (address or "").strip()
        if location:
            geocode = {"lat": location.get("lat"), "lng": location.get("lng"), "level": "point",
                       "confidence": 0.95, "grid_code": "37020201001", "community_code": "370202010001",
                       "street_code": "370202010", "district_code": "370202",
                       "description": "市南区香港中路街道（您发送的定位）"}
        elif len(place) >= 2 and not _VAGUE_PLACES.match(place):
            label = place if place.endswith("附近") else f"{place}附近"
            geocode = {"lat": 36.0623, "lng": 120.3846, "level": "address", "confidence": 0.88,
                       "grid_code": "37020201001", "community_code": "370202010001",
                       "street_code": "370202010", "district_code": "370202", "description": label}
        nearby: List[Dict[str, Any]] = []
        if match and match[0] == "06010" and "香港中路" in place:
            nearby.append({"case_no": FAKE_OPEN_CASE, "matter": {"code": "06010", "name": "暴露垃圾"},
                           "status": DISPATCHED, "distance_m": 80, "address": "香港中路10号",
                           "report_count": 2})
        return {"classification": classification, "geocode": geocode, "nearby_cases": nearby}

    def create_report(self, resident: str, payload: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        digest = int(hashlib.sha256(idempotency_key.encode()).hexdigest(), 16) % 100000
        tracking_no = f"R{_now():%Y%m%d}{digest:06d}"
        report = {"id": str(digest), "tracking_no": tracking_no, "status": RECEIVED, "status_text": "已受理",
                  "case_no": payload.get("join_case_no"), "matter": None,
                  "links": {"self": f"/api/v1/reports/{tracking_no}"}, "access_token": "fake-token"}
        self.reports.setdefault(tracking_no, report)
        return self.reports[tracking_no]

    def _created(self, report_ref: str) -> Optional[Dict[str, Any]]:
        return self.reports.get(report_ref) or next((r for r in self.reports.values() if r["id"] == report_ref), None)

    def get_report(self, resident: str, report_ref: str) -> Dict[str, Any]:
        created = self._created(report_ref)
        if created:
            return dict(created, timeline=[{"at": _now().isoformat(), "action": "received", "text": "已受理"}])
        closed = report_ref in (FAKE_CLOSED_REPORT, "1")
        if not closed and not re.match(r"^(R\d{14}|\d+)$", report_ref):
            raise ApiError(404, "not_found", "report not found")
        if report_ref.endswith("99999"):
            raise ApiError(404, "not_found", "report not found")
        return {"id": "1" if closed else report_ref, "tracking_no": report_ref,
                "status": CLOSED if closed else DISPATCHED,
                "status_text": "已办结" if closed else "处置中",
                "case_no": FAKE_OPEN_CASE, "matter": {"code": "06010", "name": "暴露垃圾"},
                "timeline": [{"at": "2026-11-24T02:00:00+00:00", "action": "dispatched",
                              "text": "已派遣至市南区城市管理局处置"}],
                "outcome": "垃圾已清运完毕" if closed else None,
                "rating": self.ratings.get(report_ref)}

    def get_public_case(self, resident: str, case_no: str) -> Dict[str, Any]:
        if case_no.endswith("99999"):
            raise ApiError(404, "not_found", "case not found")
        return {"case_no": case_no, "status": DISPATCHED, "status_text": "处置中",
                "matter": {"code": "06010", "name": "暴露垃圾"}, "updated_at": "2026-11-24T02:00:00+00:00",
                "public_timeline": [{"at": "2026-11-24T02:00:00+00:00", "action": "dispatched",
                                     "text": "已派遣至市南区城市管理局处置"}]}

    def my_reports(self, resident: str, page_size: int = 5) -> List[Dict[str, Any]]:
        if not resident.startswith("citizen:"):
            return [r for r in self.reports.values()][-page_size:][::-1]
        return [self.get_report(resident, "R20261120000015"), self.get_report(resident, FAKE_CLOSED_REPORT)]

    def rate(self, resident: str, report_id: str, rating: str, solved: Optional[bool],
             comment: Optional[str]) -> Dict[str, Any]:
        report = self.get_report(resident, report_id)
        if report["status"] != CLOSED:
            raise ApiError(409, "case_not_closed", "案件尚未办结，暂不能评价")
        self.ratings[report_id] = {"rating": rating, "solved": solved, "comment": comment}
        return {"rating": rating, "solved": solved}

    def create_callback(self, resident: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return {"id": "cb-1", "due_at": (_now() + timedelta(hours=2)).isoformat()}


_fake_singleton: Optional[FakeServiceApi] = None


def get_api() -> Any:
    """The client chosen by ``SERVICE_API_MODE`` (``http`` by default, ``fake`` for canned answers)."""
    global _fake_singleton
    if os.environ.get("SERVICE_API_MODE", "http").lower() == "fake":
        if _fake_singleton is None:
            _fake_singleton = FakeServiceApi()
        return _fake_singleton
    return ServiceApi()
