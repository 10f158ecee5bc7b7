"""WeChat subscribe messages through the HTTP adapter, against a local fake of the WeChat API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from notifications import outbox
from notifications.channels import adapter_for
from notifications.channels.wechat import WeChatSubscribeChannel
from service_api.extensions import db
from service_api.models import Citizen, Notification
from service_api.vocab import Kind
from tests.notifications.support import close_case, make_case, make_report, use_twilio

OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


class FakeWeChat:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.tokens_issued = 0
        self.next_errcodes: list[int] = []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/cgi-bin/token":
            self.tokens_issued += 1
            body = {"access_token": f"TOKEN{self.tokens_issued}", "expires_in": 7200}
        elif request.path == "/cgi-bin/message/subscribe/send":
            errcode = self.next_errcodes.pop(0) if self.next_errcodes else 0
            if errcode == 0:
                self.sent.append({"token": request.args["access_token"], **json.loads(request.data)})
            body = {"errcode": errcode, "errmsg": "ok" if errcode == 0 else "error", "msgid": len(self.sent)}
        else:
            return Response("", 404)(environ, start_response)
        return Response(json.dumps(body), 200, mimetype="application/json")(environ, start_response)


@pytest.fixture(scope="module")
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def settings(settings, fake_twilio, fake_wechat):
    use_twilio(settings, fake_twilio)
    settings.wechat_api_base = fake_wechat.base_url
    settings.wechat_secret = "wechat-secret"
    settings.wechat_notify_template_id = "TPL-NOTIFY"
    settings.wechat_survey_template_id = "TPL-SURVEY"
    settings.survey_delay_minutes = 600  # keep the survey out of this test
    fake_wechat.sent.clear()
    fake_wechat.next_errcodes.clear()
    return settings


def _mini_program_report():
    citizen = db.session.query(Citizen).filter_by(wechat_openid=OPENID).one_or_none()
    if citizen is None:
        citizen = Citizen(wechat_openid=OPENID)
        db.session.add(citizen)
        db.session.flush()
    return make_report(phone=None, channel="miniprogram", openid=OPENID, citizen=citizen)


def _deliver_all() -> list[str]:
    return [outbox.deliver(c.id, c.token) for c in outbox.claim_due()]


def test_mini_program_resident_gets_a_subscribe_message(app, fake_wechat):
    report = _mini_program_report()
    case = make_case(report)
    close_case(case)
    assert sorted(_deliver_all()) == ["sent", "sent"]  # wechat + in-app
    (message,) = fake_wechat.sent
    assert message["touser"] == OPENID and message["template_id"] == "TPL-NOTIFY"
    assert message["page"] == f"pages/report/detail?id={report.id}"
    assert message["data"]["character_string1"]["value"] == case.case_no
    assert db.session.query(Notification).filter_by(channel="wechat", kind="closed").one().status == "sent"


def test_expired_token_is_refreshed_and_refused_subscription_is_permanent(app, fake_wechat, settings):
    adapter_for("wechat", settings)._access_token()  # a cached token that WeChat will call expired
    stale = f"TOKEN{fake_wechat.tokens_issued}"
    report = _mini_program_report()
    case = make_case(report)
    fake_wechat.next_errcodes = [42001]
    close_case(case)
    _deliver_all()
    assert len(fake_wechat.sent) == 1
    assert fake_wechat.sent[0]["token"] == f"TOKEN{fake_wechat.tokens_issued}" != stale
    fake_wechat.next_errcodes = [43101]
    row = Notification(kind="closed", channel="wechat", recipient=OPENID, report_id=report.id, body="x",
                       case_id=case.id)
    db.session.add(row)
    db.session.commit()
    _deliver_all()
    db.session.refresh(row)
    assert row.status == "failed" and row.attempts == 1 and "43101" in row.last_error


def test_a_survey_reminder_uses_the_survey_template_and_the_rating_page(app, fake_wechat, settings):
    from datetime import timedelta

    from service_api.feedback import surveys
    from service_api.models import utcnow

    settings.survey_delay_minutes = 0
    report = _mini_program_report()
    close_case(make_case(report))
    _deliver_all()
    fake_wechat.sent.clear()
    assert surveys.send_reminders(utcnow() + timedelta(hours=25)) == 1
    _deliver_all()
    (reminder,) = fake_wechat.sent
    assert reminder["template_id"] == "TPL-SURVEY"
    assert reminder["page"] == f"pages/report/rate?report={report.id}"
    assert len(reminder["data"]["phrase2"]["value"]) <= 5  # WeChat's limit for a phrase field


@pytest.mark.parametrize("kind", [kind for kind in Kind if kind != Kind.LOGIN_CODE])  # sign-in codes go by SMS
def test_each_kind_opens_its_page_with_its_template(app, settings, kind):
    # Written out by name rather than taken from SURVEY_KINDS: a kind missing from that group is the bug this
    # guards against (survey_link_reminder once opened the report's detail page with the progress template).
    asks_for_rating = kind.value.startswith("survey")
    row = Notification(kind=kind, channel="wechat", recipient=OPENID, report_id=41, body="【城市管理】案件已办结",
                       payload={"case_no": "C370202-20261124-00017"})
    message = WeChatSubscribeChannel(settings).message(row)
    if asks_for_rating:
        assert (message["template_id"], message["page"]) == ("TPL-SURVEY", "pages/report/rate?report=41")
    else:
        assert (message["template_id"], message["page"]) == ("TPL-NOTIFY", "pages/report/detail?id=41")
    phrase = message["data"]["phrase2"]["value"]
    assert phrase != "进度更新" and 0 < len(phrase) <= 5  # its own words, within WeChat's phrase limit
