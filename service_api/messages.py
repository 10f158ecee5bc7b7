"""Every text sent to residents, in one place. The outbox renders them when a row is written."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, str] = {
    "received": "【城市管理】您反映的问题已受理，受理编号{tracking_no}。查看进度：{link}",
    "merged": "【城市管理】您反映的问题与案件{case_no}为同一问题，已合并办理，办理结果将同步告知您。{link}",
    "registered": "【城市管理】您反映的问题已立案（案件编号{case_no}），将尽快派遣处置。{link}",
    "rejected": "【城市管理】您反映的问题（受理编号{tracking_no}）未予立案，原因：{reason}。{hint}{link}",
    "dispatched": "【城市管理】案件{case_no}已派遣至{department}处置，处置时限{deadline}。{link}",
    "resolved": "【城市管理】案件{case_no}已处置：{outcome}。{link}",
    "closed": "【城市管理】案件{case_no}已办结，感谢您的反映。{link}",
    "reopened": "【城市管理】案件{case_no}已重新办理，我们会尽快处理。{link}",
    "survey": "【城市管理】案件{case_no}已办结，请对办理结果评价：回复1满意、2基本满意、3不满意，可附意见。{link}",
    "survey_link": "【城市管理】案件{case_no}已办结，请点击链接对办理结果进行评价：{link}",
    "survey_reminder": "【城市管理】温馨提示：案件{case_no}的满意度评价尚未完成，回复1满意、2基本满意、3不满意。{link}",
    "survey_thanks": "感谢您的评价！{extra}",
}

OUT_OF_SCOPE_HINT = "如需咨询社保、就业等非城市管理事项，请拨打12345政务服务热线。"


def render(kind: str, **values: Any) -> str:
    """Fill a template; missing values become empty strings rather than errors."""

    class _Blank(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return ""

    return TEMPLATES[kind].format_map(_Blank(values))
