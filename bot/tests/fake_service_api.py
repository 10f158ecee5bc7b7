"""A local HTTP server that speaks the service API's shapes, for testing the actions over real HTTP."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

OPEN_CASE = "C370202-20261124-00017"
ROAD_ONLY_RE = re.compile(r"^(?:就在)?((?:山东|莱阳|江西)路)(?:附近|上)?$")


class FakeServiceApiServer:
    """Serves /api/v1/... on 127.0.0.1:<random port>; records every request it got."""

    def __init__(self, api_key: str = "test-service-key") -> None:
        self.api_key = api_key
        self.requests: List[Dict[str, Any]] = []
        self.reports: Dict[str, Dict[str, Any]] = {}
        self.by_key: Dict[str, str] = {}
        self.ratings: Dict[str, Dict[str, Any]] = {}
        self.callbacks: List[Dict[str, Any]] = []
        self.account_phones: Dict[str, str] = {"citizen:7": "+8613800138000"}
        self.fail_with: Optional[int] = None
        self.created_extra: Dict[str, Any] = {}  # fields the next created report answers with (status, referral…)
        self.nearby_status = "dispatched"  # the status of the nearby case of the same matter that previews find
        self.add_report("R20261101000001", status="closed", status_text="已办结", owner="citizen:7",
                        outcome="垃圾已清运完毕")
        self.add_report("R20261120000015", status="dispatched", status_text="处置中", owner="citizen:7")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeServiceApiServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_report(self, tracking_no: str, status: str, status_text: str, owner: str,
                   outcome: Optional[str] = None) -> Dict[str, Any]:
        report = {"id": str(len(self.reports) + 1), "tracking_no": tracking_no, "status": status,
                  "status_text": status_text, "case_no": OPEN_CASE, "owner": owner,
                  "matter": {"code": "06010", "name": "暴露垃圾"}, "outcome": outcome, "rating": None,
                  "timeline": [{"at": "2026-11-24T02:05:00Z", "action": "dispatched",
                                "text": "已派遣至市南区城市管理局"}]}
        self.reports[tracking_no] = report
        return report

    def find(self, ref: str) -> Optional[Dict[str, Any]]:
        return self.reports.get(ref) or next((r for r in self.reports.values() if r["id"] == ref), None)

    def calls(self, method: str, path_prefix: str) -> List[Dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)]

    # --- routes ---------------------------------------------------------------------------------

    def route(self, method: str, path: str, headers: Dict[str, str], body: Any) -> Tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"status": 401, "code": "unauthorized", "message": "bad service key"}
        if self.fail_with:
            return self.fail_with, {"status": self.fail_with, "code": "error", "message": "boom"}
        resident = headers.get("X-Resident", "")
        if method == "POST" and path == "/api/v1/intake/preview":
            return 200, self.preview(body)
        if method == "POST" and path == "/api/v1/reports":
            return self.create_report(resident, headers.get("Idempotency-Key", ""), body)
        if method == "GET" and path.startswith("/api/v1/me/reports"):
            items = [r for r in self.reports.values() if r["owner"] == resident][::-1]
            return 200, {"items": items, "total": len(items)}
        match = re.fullmatch(r"/api/v1/public/cases/([^/]+)", path)
        if method == "GET" and match:
            if match.group(1) != OPEN_CASE:
                return 404, {"status": 404, "code": "not_found", "message": "没有这个案件"}
            return 200, {"case_no": OPEN_CASE, "status": "dispatched", "status_text": "处置中",
                         "matter": {"code": "06010", "name": "暴露垃圾"}, "updated_at": "2026-11-24T02:05:00Z",
                         "public_timeline": [{"at": "2026-11-24T02:05:00Z", "action": "dispatched",
                                              "text": "已派遣至市南区城市管理局"}]}
        match = re.fullmatch(r"/api/v1/reports/([^/]+)/rating", path)
        if method == "POST" and match:
            report = self.find(match.group(1))
            if not report:
                return 404, {"status": 404, "code": "not_found", "message": "没有这条反映"}
            if report["status"] != "closed":
                return 409, {"status": 409, "code": "case_not_closed", "message": "案件尚未办结"}
            self.ratings[report["tracking_no"]] = body
            return 201, {"rating": body["rating"]}
        match = re.fullmatch(r"/api/v1/reports/([^/]+)", path)
        if method == "GET" and match:
            report = self.find(match.group(1))
            if not report or report["owner"] != resident:  # like the API: 404 hides others' reports
                return 404, {"status": 404, "code": "not_found", "message": "没有这条反映"}
            return 200, report
        if method == "POST" and path == "/api/v1/callbacks":
            self.callbacks.append(body)
            # Like the API: the typed number in E.164, else a signed-in resident's account phone.
            phone = ("+86" + body["phone"]) if body.get("phone") else self.account_phones.get(resident)
            return 201, {"id": str(len(self.callbacks)), "due_at": "2026-11-24T06:30:00Z", "phone": phone}
        return 404, {"status": 404, "code": "not_found", "message": path}

    def preview(self, body: Dict[str, Any]) -> Dict[str, Any]:
        text = body.get("text", "")
        address = body.get("address") or ""
        known = "垃圾" in text
        classification = {"in_scope": known, "code": "06010" if known else None, "name": "暴露垃圾" if known else None,
                          "confidence": 0.93 if known else 0.2,
                          "candidates": [{"code": "06010", "name": "暴露垃圾", "confidence": 0.93}] if known else []}
        scope = referral = None
        if "自来水" in text:  # the API's scope rules: tap water is the water company's, no city matter
            classification.update(in_scope=False, code=None, name=None)
            referral = "自来水水质、停水、水压等供水问题由供水企业负责，请拨打自来水公司的客服热线报修。"
            scope = {"kind": "out_of_scope", "reason": "自来水供水问题（供水企业）", "referral": referral}
        geocode = None
        if body.get("location") or (address and "火星" not in address):
            geocode = {"lat": 36.06, "lng": 120.38, "level": "address", "confidence": 0.9,
                       "grid_code": "37020201001", "community_code": "370202010001", "street_code": "370202010",
                       "district_code": "370202",
                       "description": f"{address}附近" if address else "香港中路街道（定位）"}
        nearby = []
        if "香港中路" in address:
            nearby = [{"case_no": OPEN_CASE, "matter": {"code": "06010", "name": "暴露垃圾"}, "status": self.nearby_status,
                       "distance_m": 80, "address": "香港中路10号", "report_count": 2},
                      {"case_no": "C370202-20261120-00002", "matter": {"code": "01037", "name": "路灯异常"},
                       "status": "dispatched", "distance_m": 20, "address": "香港中路12号", "report_count": 1}]
        if not address and not body.get("location"):
            # The API's own extraction from the whole text: a door number wins over "住在莱阳路附近" before it.
            door = re.search(r"[\u4e00-\u9fa5]{2,3}路\d+号", text)
            if door:
                geocode = {"lat": 36.06, "lng": 120.38, "level": "door", "confidence": 0.95,
                           "district_code": "370202", "description": f"{door.group(0)}附近",
                           "matched_name": door.group(0)}
        prompt = None
        road = ROAD_ONLY_RE.match(address)
        if road:  # "山东路", "莱阳路附近", "就在山东路上": only the road is found, a closer place is asked
            geocode = dict(geocode or {}, level="road", confidence=0.6, description=road.group(1))
            prompt = f"目前只定位到“{road.group(1)}”，范围较大。请补充门牌号、路口或附近的标志性建筑，方便处置人员找到。"
        if "段" in address:  # "香港中路西段": like the real API, only the road is found and a closer place asked
            road = address.split("段")[0] + "段"
            geocode = dict(geocode or {}, level="road", confidence=0.6, description=road)
            prompt = f"目前只定位到“{road}”，范围较大。请补充门牌号、路口或附近的标志性建筑，方便处置人员找到。"
        return {"classification": classification, "geocode": geocode, "nearby_cases": nearby, "place_prompt": prompt,
                "scope": scope, "referral": referral}

    def create_report(self, resident: str, key: str, body: Dict[str, Any]) -> Tuple[int, Any]:
        if key in self.by_key:
            return 200, self.reports[self.by_key[key]]
        tracking_no = f"R20261124{len(self.reports) + 100:06d}"
        report = self.add_report(tracking_no, status="received", status_text="已受理", owner=resident)
        report.update({"case_no": body.get("join_case_no"), "request": body, "access_token": "tok",
                       "referral": None})
        report.update(self.created_extra)
        self.by_key[key] = tracking_no
        return 201, report

    def _handler(self) -> type:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path = self.path.split("?", 1)[0]
                server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                        "json": body})
                status, payload = server.route(self.command, path, dict(self.headers), body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
