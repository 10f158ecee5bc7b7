"""Every text sent to residents, in one place. The outbox renders them when a row is written."""

from __future__ import annotations

import re
from typing import Any

from intake.scope import REFERRAL_NOT_CITY
from intake.triage import OUTSIDE_AREA
from service_api.vocab import Kind

TEMPLATES: dict[str, str] = {
    # {referral}: where intake says the resident should turn instead (intake.scope), empty for a city matter.
    Kind.RECEIVED: "【城市管理】您反映的问题已受理，受理编号{tracking_no}。{referral}查看进度：{link}",
    Kind.MERGED: "【城市管理】您反映的问题与案件{case_no}为同一问题，已合并办理，办理结果将同步告知您。{link}",
    Kind.REGISTERED: "【城市管理】您反映的问题已立案（案件编号{case_no}），将尽快派遣处置。{link}",
    Kind.REJECTED: "【城市管理】您反映的问题（受理编号{tracking_no}）未予立案，原因：{reason}。{hint}{link}",
    Kind.DISPATCHED: "【城市管理】案件{case_no}已派遣至{department}处置，处置时限{deadline}。{link}",
    Kind.DEADLINE_EXTENDED: "【城市管理】案件{case_no}的处置时限已延长至{deadline}，我们会抓紧办理。{link}",
    Kind.RESOLVED: "【城市管理】案件{case_no}已处置：{outcome}。{link}",
    Kind.CLOSED: "【城市管理】案件{case_no}已办结，感谢您的反映。{link}",
    Kind.REOPENED: "【城市管理】案件{case_no}已重新办理，我们会尽快处理。{link}",
    Kind.SURVEY: "【城市管理】案件{case_no}已办结，请回复1满意、2基本满意、3不满意，未解决请注明，可附意见。{link}",
    Kind.SURVEY_LINK: "【城市管理】案件{case_no}已办结，请点击链接对办理结果进行评价：{link}",
    Kind.SURVEY_REMINDER:
        "【城市管理】温馨提示：案件{case_no}的满意度评价尚未完成，回复1满意、2基本满意、3不满意。{link}",
    Kind.SURVEY_LINK_REMINDER: "【城市管理】温馨提示：案件{case_no}的满意度评价尚未完成，请点击链接评价：{link}",
    Kind.RATING_REVIEW: "【城市管理】已收到您对案件{case_no}的评价，案件已转交复核，我们会尽快与您联系。{link}",
    Kind.LOGIN_CODE: "【城市管理】您的验证码为{code}，{minutes}分钟内有效。请勿告诉他人。",
    # Replies on the SMS line (TwiML <Message>).
    "sms_received": ("【城市管理】您反映的问题已受理，受理编号{tracking_no}。{referral}"
                     "查询进度请回复“查询{tracking_no}”。{link}"),
    "sms_opted_out": "【城市管理】您已退订短信通知。如需恢复，请回复“订阅”或START。",
    "sms_opted_in": "【城市管理】您已恢复接收短信通知。",
    "sms_status": "【城市管理】{ref}当前状态：{status}。{detail}",
    "sms_not_found": "【城市管理】未找到编号{ref}，请核对后重试。",
    "sms_too_short": "【城市管理】请用一句话描述问题及具体位置，例如“香港中路8号门口井盖破损”。",
    "sms_rating_thanks": "【城市管理】感谢您对案件{case_no}的评价（{rating_text}）。{extra}",
    "sms_rating_refused": "【城市管理】{message}。",
}

# What the voice line says (TwiML <Say language="zh-CN">).
VOICE: dict[str, str] = {
    "welcome": "您好，这里是城市管理服务热线。反映问题请按1，查询办理进度请按2，人工服务请按3。",
    "no_input": "没有听到您的选择，再见。",
    "ask_description": "请在提示音后说出您要反映的问题，说完请稍等。",
    "ask_place": "请说出问题所在的具体位置，例如街道和门牌号。",
    "ask_record": "没有听清，请在提示音后留言描述问题和位置，说完请挂机或按井号键。",
    "report_done": "已受理，您的受理编号是 {tracking_digits}。我们会通过短信告知办理进度，再见。",
    "recording_done": "留言已收到，工作人员会尽快整理并回电，再见。",
    "ask_case_no": "请输入案件编号中的数字，以井号键结束。",
    "status": "案件 {ref_digits} 当前状态：{status}。{detail}",
    "status_not_found": "没有找到这个编号，请核对后再拨。",
    "to_agent": "正在为您转接人工服务，请稍候。",
    "agent_busy": "坐席繁忙，我们已记录您的来电，工作人员会尽快回电，再见。",
    "survey_intro": "您好，这里是城市管理服务热线回访。您反映的案件 {case_digits} 已办结，处理结果是：{outcome}。",
    "survey_ask": "满意请按1，基本满意请按2，不满意请按3。",
    "survey_solved": "问题是否已经解决？已解决请按1，未解决请按2。",
    "survey_thanks": "感谢您的评价，再见。",
    "survey_closed": "该案件的回访已结束，感谢您的支持，再见。",
    "goodbye": "再见。",
}

OUT_OF_SCOPE_HINT = REFERRAL_NOT_CITY  # one text, intake's: the receipt and a rejection say the same
# A city matter in another district (intake's outside_area): where to report it instead.
OUT_OF_AREA_HINT = "该问题位于{area}，不在本区受理范围，请向{area}反映，可拨打12345政务服务热线转办。"
OUT_OF_AREA_UNNAMED = "问题所在区"
# A photo's or phone's position outside the served districts (the intake preview's place_prompt).
OUTSIDE_POSITION_PROMPT = ("这个位置在{area}，不在本平台受理范围内。如问题确实在那里，请向当地反映，"
                           "可拨打12345政务服务热线转办；如果照片不是在问题现场拍的，请用“在地图上选点”选出问题所在的位置。")


def rejection_hint(reason: str | None, case_extra: dict[str, Any] | None) -> str:
    """What a resident whose report was rejected as 不属于城市管理范围 should do instead, the same words in the SMS
    and on every timeline: intake's referral (物业, 110, the water company …), or the district the place lies in,
    or the 12345 hint for matters that are not the city's at all. Other reasons need no hint."""
    if reason != "out_of_scope":
        return ""
    extra = case_extra or {}
    if extra.get("referral"):
        return str(extra["referral"])
    triage = extra.get("triage") or {}
    if OUTSIDE_AREA in (triage.get("reasons") or ()):
        return OUT_OF_AREA_HINT.format(area=triage.get("area") or OUT_OF_AREA_UNNAMED)
    return OUT_OF_SCOPE_HINT


# A filled-in value that ends a sentence itself ("已更换井盖。") before the template's own "。".
_DOUBLED_STOP = re.compile(r"[。．.，,；;、\s]*。")
_STOP_AFTER_MARK = re.compile(r"([！？!?])\s*。")


def _clean(value: Any) -> Any:
    """Free text (an outcome typed by a handler) as one line without stray spaces at its ends."""
    return " ".join(value.split()) if isinstance(value, str) else value


def render(kind: str, **values: Any) -> str:
    """Fill a template; missing values become empty strings rather than errors. Values that end with their own
    full stop or mark do not get a second one."""

    class _Blank(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return ""

    text = TEMPLATES[kind].format_map(_Blank({key: _clean(value) for key, value in values.items()}))
    return _STOP_AFTER_MARK.sub(r"\1", _DOUBLED_STOP.sub("。", text))


def say(key: str, **values: Any) -> str:
    """A voice prompt, filled like `render`."""

    class _Blank(dict[str, Any]):
        def __missing__(self, missing: str) -> str:
            return ""

    return VOICE[key].format_map(_Blank(values))
