"""POST /api/v1/me/reports/claim: a resident who signs in takes over the reports made on this device before.

Reports made without signing in are readable only with their own access tokens, which the web app keeps on the
device. Presenting them after signing in links those reports to the account, so they show in 我的反映 on every
device and their messages arrive in the account's 消息.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.auth.tokens import REPORT_TOKEN_PREFIX, hash_secret
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.models import Report

blp = Blueprint("claim", __name__, description="我的反映")

MAX_TOKENS = 100


class ClaimInSchema(Schema):
    access_tokens = fields.List(fields.String(validate=validate.Length(min=1, max=128)), required=True,
                                validate=validate.Length(min=1, max=MAX_TOKENS),
                                metadata={"description": "未登录时提交反映所得的 access_token"})


class ClaimOutSchema(Schema):
    claimed = fields.List(fields.String(), metadata={"description": "本次归入您账号的反映（受理编号）"})
    already_yours = fields.List(fields.String())
    not_claimed = fields.Integer(metadata={"description": "无效、或已属于其他账号而未归入的令牌数"})


@blp.route("/api/v1/me/reports/claim")
class ClaimReports(MethodView):
    @blp.arguments(ClaimInSchema)
    @blp.response(200, ClaimOutSchema)
    @limiter.limit("10/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """登录后认领本机未登录时提交的反映：凭各反映的 access_token 归入当前账号。"""
        principal = current_principal()
        if principal.kind != "citizen" or principal.citizen_id is None:
            raise APIError(401, "login_required", "请先登录后再认领反映")
        hashes = {hash_secret(t) for t in data["access_tokens"] if t.startswith(REPORT_TOKEN_PREFIX)}
        reports = db.session.query(Report).filter(Report.access_token_hash.in_(hashes)).all() if hashes else []
        claimed, mine = [], []
        for report in reports:
            if report.citizen_id is None:
                report.citizen_id = principal.citizen_id
                claimed.append(report.tracking_no)
            elif report.citizen_id == principal.citizen_id:
                mine.append(report.tracking_no)
        db.session.commit()
        return {"claimed": sorted(claimed), "already_yours": sorted(mine),
                "not_claimed": len(data["access_tokens"]) - len(claimed) - len(mine)}
