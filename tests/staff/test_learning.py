"""Issue 20: staff decisions become labels; retrain, promote, roll back; running processes pick the model up."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from intake.classify.retrain import LABEL_CONFIRMED, LABEL_CORRECTED, LABEL_REJECTED
from service_api.extensions import db
from service_api.learning.models import IntakeLabel
from service_api.models import Case, CaseEvent, Department, Report, utcnow

# Long-tail problems the shipped data does not cover (no training text names them), as staff would have labelled
# them on the desk.
HELPFUL = [
    ("墙外那根露天的煤气管子锈得掉渣", "01057"), ("楼边上的燃气管道被车刮了个坑", "01057"),
    ("露天的燃气管线外皮全剥落了", "01057"), ("路边架空的天然气管道支架歪了", "01057"),
    ("街边的公用电话亭玻璃碎了", "01041"), ("路口那个电话亭的门掉了", "01041"),
    ("电话亭的话机被人拆走了", "01041"), ("公用电话亭倒在人行道上", "01041"),
    ("路口的治安岗亭窗户被砸了", "01051"), ("警务亭的门锁坏了一直敞着", "01051"),
    ("广场上的治安亭顶棚漏雨", "01051"), ("社区警务岗亭歪了，墙也裂了", "01051"),
    ("小区里的老水塔裂了缝，往下掉水泥块", "01063"), ("废弃水塔上的铁梯子锈断了", "01063"),
    ("水塔顶上的护栏掉下来了", "01063"), ("那座旧水塔往外渗水，墙皮一片片掉", "01063"),
    ("河边禁止游泳的警示牌倒了", "02030"), ("水库边的水深危险牌子被人拔了", "02030"),
    ("海边的水域警示标牌字都看不清了", "02030"), ("湖边提示牌断成两截", "02030"),
    ("社保卡怎么挂失", None), ("想问问退休手续怎么办", None), ("小孩的疫苗本丢了", None),
    ("网购退款一直不到账", None), ("单位不给开离职证明", None),
]
PROBE = "楼外墙上那根露天的煤气管子锈穿了，有股煤气味"


def make_case(no: int, status: str, predicted: str | None, text: str = "小区门口垃圾桶满了没人清") -> Case:
    department = db.session.query(Department).filter_by(code="street:370202001").one()
    case = Case(case_no=f"C370202-20261205-{no:05d}", status=status, source_channel="miniprogram",
                matter_code=predicted, description=text, department_id=department.id, street_code="370202001",
                time_limit_amount=4, time_limit_unit="working_hours", triage=status == "received")
    db.session.add(case)
    db.session.flush()
    db.session.add(Report(tracking_no=f"R20261205{no:06d}", channel="miniprogram", description=text,
                          case_id=case.id, in_scope=predicted is not None, matter_code=predicted))
    db.session.commit()
    return case


def label_of(case: Case) -> IntakeLabel | None:
    db.session.expire_all()
    return db.session.query(IntakeLabel).filter_by(case_id=case.id).one_or_none()


def test_dispatching_confirms_correcting_and_rejecting_leave_labels(staff_client):
    dispatcher, _ = staff_client("dispatcher")
    kept = make_case(1, "registered", "06042")
    path = f"/staff/cases/{kept.case_no}"
    dispatcher.post_form(f"{path}/transition", {"action": "dispatch"}, page=path)
    label = label_of(kept)
    assert (label.code, label.predicted_code, label.source, label.reason) == ("06042", "06042", LABEL_CONFIRMED, None)
    assert label.text == "小区门口垃圾桶满了没人清" and label.channel == "miniprogram"

    fixed = make_case(2, "registered", "06042", "路边那盏灯晚上不亮")
    path = f"/staff/cases/{fixed.case_no}"
    dispatcher.post_form(f"{path}/matter", {"matter": "01037", "reason": "实为路灯不亮"}, page=path)
    assert label_of(fixed) is None  # a correction alone is not yet a decision: dispatching is
    dispatcher.post_form(f"{path}/transition", {"action": "dispatch"}, page=path)
    label = label_of(fixed)
    assert (label.code, label.predicted_code, label.source) == ("01037", "06042", LABEL_CORRECTED)
    assert "实为路灯不亮" in label.reason

    away = make_case(3, "received", "06010", "我想问问社保卡怎么补办")
    path = f"/staff/cases/{away.case_no}"
    dispatcher.post_form(f"{path}/transition", {"action": "reject", "reason": "out_of_scope"}, page=path)
    assert db.session.get(Case, away.id).status == "rejected"
    label = label_of(away)
    assert (label.code, label.predicted_code, label.source) == (None, "06010", LABEL_REJECTED)
    assert "不属于城市管理范围" in label.reason

    duplicate = make_case(4, "received", "06010")
    path = f"/staff/cases/{duplicate.case_no}"
    dispatcher.post_form(f"{path}/transition", {"action": "reject", "reason": "duplicate"}, page=path)
    assert db.session.get(Case, duplicate.id).status == "rejected" and label_of(duplicate) is None


@pytest.fixture
def live_model(app, tmp_path: Path, model_path: Path) -> Path:
    """The app's live model as a copy the test may replace."""
    live = tmp_path / "model" / "classifier.joblib"
    live.parent.mkdir()
    shutil.copyfile(model_path, live)
    settings = app.extensions["settings"]
    previous, settings.intake_model_path = settings.intake_model_path, live
    yield live
    settings.intake_model_path = previous


def preview_code(client, headers) -> str:
    response = client.post("/api/v1/intake/preview", json={"text": PROBE}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["classification"]["code"]


def test_retrain_promotes_models_lists_rollback_returns_and_the_api_follows(app, client, live_model,
                                                                             service_headers):
    start = utcnow() - timedelta(days=20)
    for i, (text, code) in enumerate(HELPFUL):
        case = make_case(100 + i, "dispatched", "06010", text)
        db.session.add(IntakeLabel(case_id=case.id, text=text, code=code, predicted_code="06010",
                                   source=LABEL_CORRECTED if code else LABEL_REJECTED,
                                   created_at=start + timedelta(hours=i)))
    db.session.commit()
    before = preview_code(client, service_headers)
    assert before != "01057"
    runner = app.test_cli_runner()

    result = runner.invoke(args=["intake", "retrain"])

    assert result.exit_code == 0, result.output
    assert "promoted v0002 (was v0001)" in result.output
    assert "20 platform labels trained on, 5 newest held out" in result.output
    assert preview_code(client, service_headers) == "01057"  # the running app uses it, no restart

    listing = runner.invoke(args=["intake", "models"]).output
    assert "v0001  retired" in listing and "v0002  live" in listing and "real 0." in listing

    back = runner.invoke(args=["intake", "rollback"])
    assert back.exit_code == 0 and "v0001" in back.output
    assert preview_code(client, service_headers) == before
    again = runner.invoke(args=["intake", "rollback"])
    assert again.exit_code != 0 and "没有可回退的上一版本" in again.output


def test_stats_page_shows_weekly_accuracy_and_the_last_retrain(app, staff_client):
    now = utcnow()
    for no, corrected in ((1, False), (2, False), (3, True)):
        case = make_case(no, "registered", "06042")
        db.session.add(CaseEvent(case_id=case.id, action="register", from_status="received", to_status="registered",
                                 actor_type="system", actor_name="系统", created_at=now))
        if corrected:
            db.session.add(CaseEvent(case_id=case.id, action="change_matter", actor_type="staff", actor_name="调度",
                                     note="事项更正", created_at=now))
    triaged = make_case(4, "received", "06042")
    triaged.extra = {"triage": {"reasons": ["low_confidence"], "notes": ["智能分类置信度不足"]}}
    db.session.commit()
    reviewer, _ = staff_client("reviewer")

    page = reviewer.get("/staff/stats").get_data(as_text=True)

    assert "智能分类准确率（按周）" in page
    card = page[page.index('id="intake-accuracy"'):]
    # this week: 4 received, 3 registered by the system, 2 of them kept (67 %), 1 waited for a person (25 %)
    row = card[card.index("<tr><td>"):card.index("</tr>", card.index("<tr><td>"))]
    assert row.count("</td>") == 7
    assert '<td class="num">4</td><td class="num">3</td><td class="num">2</td>' in card
    assert "66.7%" in card and "25.0%" in card
    assert "尚未进行过模型重训" in card


def test_beat_retrains_only_when_a_schedule_is_configured():
    from notifications.celery_app import make_celery
    from service_api.config import Settings
    from service_api.learning.tasks import RETRAIN_TASK

    assert "intake-retrain" not in make_celery(Settings(intake_retrain_cron="")).conf.beat_schedule
    entry = make_celery(Settings(intake_retrain_cron="0 19 * * 6")).conf.beat_schedule["intake-retrain"]
    assert entry["task"] == RETRAIN_TASK
    assert entry["schedule"].hour == {19} and entry["schedule"].day_of_week == {6}
    with pytest.raises(ValueError, match="INTAKE_RETRAIN_CRON"):
        make_celery(Settings(intake_retrain_cron="every sunday"))
