"""The reviewer's indicators, each defined once: the API's OpenAPI description, the stats page's legend and
tooltips, the CSV/XLSX headers and the XLSX 说明 sheet are all written from INDICATORS and BASES.

Counts follow the weekly reports of digital city management (受理数, 立案数, 派遣数, 应结案数, 结案数 …) and
the evaluation methods of CJJ/T 312 and GB/T 30428; every rate names its numerator and denominator, which are
count fields of stats/figures.StatsRow, so the page and the exports can show them beside the rate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    name: str  # API field (and StatsRow attribute)
    label: str  # Chinese column title
    definition: str  # one sentence, shown as tooltip, legend, OpenAPI description and in the 说明 sheet
    numerator: str = ""  # rates: the count field over…
    denominator: str = ""  # …this count field

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)


BASES = {
    "created": ("按受理时间", "统计期间内受理（创建）的案件，无论何时结案；往期的比率会随评价和结案陆续到来而变化"),
    "closed": ("按结案时间", "统计期间内结案的案件，无论何时受理；各周报的结案类指标通常按此口径，"
                           "此口径下应结案数即结案数"),
}
DEFAULT_BASIS = "created"

INDICATORS: tuple[Indicator, ...] = (
    Indicator("received", "受理数", "受理的案件数（各渠道的反映经合并后的案件，含待分拣、不予立案的案件）"),
    Indicator("pending", "待分拣数", "已受理、尚待人工分拣确认是否立案的案件数"),
    Indicator("rejected", "不予立案数", "经分拣不予立案的案件数"),
    Indicator("registered", "立案数", "已立案的案件数（不含待分拣和不予立案）"),
    Indicator("dispatched", "派遣数", "已派遣至处置部门的案件数；按部门分组时，案件计入其被派遣的部门，"
                                   "未派遣的案件单列"),
    Indicator("due", "应结案数", "已结案的案件数，加上统计时尚未结案但处置时限已过的案件数"),
    Indicator("closed", "结案数", "已结案的案件数（重新办理后尚未再次结案的不计）"),
    Indicator("closed_rate", "结案率", "结案数 ÷ 应结案数", "closed", "due"),
    Indicator("on_time_close", "按期结案数", "结案时间不晚于处置时限的结案案件数（无处置时限的结案案件计为按期）"),
    Indicator("on_time_close_rate", "按期结案率", "按期结案数 ÷ 应结案数（按结案时间，而非处置完成时间，对照时限）",
              "on_time_close", "due"),
    Indicator("on_time_resolve", "按期处置数",
              "应结案案件中，处置完成时间不晚于处置时限的案件数（含处置完成待核查的案件）"),
    Indicator("on_time_resolve_rate", "按期处置率", "按期处置数 ÷ 应结案数", "on_time_resolve", "due"),
    Indicator("handled", "处置数", "已处置完成（待核查、已核查或已结案）的案件数"),
    Indicator("handling_rate", "处置率", "处置数 ÷ 派遣数", "handled", "dispatched"),
    Indicator("reworked", "返工数", "结案或处置后被重新办理（返工）过的案件数"),
    Indicator("rework_rate", "返工率", "返工数 ÷ 派遣数", "reworked", "dispatched"),
    Indicator("extended", "延期数", "处置时限被延长过的案件数"),
    Indicator("extension_rate", "延期率", "延期数 ÷ 派遣数", "extended", "dispatched"),
    Indicator("rated", "评价数", "居民的满意度评价条数（任一渠道：回访短信、小程序、热线、语音、智能客服；"
                               "一个案件的每位反映人各一条）"),
    Indicator("satisfied", "满意", "评价为“满意”的条数"),
    Indicator("basically_satisfied", "基本满意", "评价为“基本满意”的条数"),
    Indicator("unsatisfied", "不满意", "评价为“不满意”的条数"),
    Indicator("satisfaction_rate", "满意率", "（满意 + 基本满意）÷ 评价数；基本满意计为满意",
              "satisfied_or_basically", "rated"),
    Indicator("strict_satisfaction_rate", "满意率（仅满意）", "满意 ÷ 评价数；基本满意不计为满意",
              "satisfied", "rated"),
    Indicator("rated_closed", "已评价结案数", "已结案且至少有一条评价的案件数（任一渠道，不论是否发出回访）"),
    Indicator("survey_rate", "回访率", "已评价结案数 ÷ 结案数", "rated_closed", "closed"),
    Indicator("survey_response_rate", "回访短信响应率", "已回复的回访 ÷ 已发出的回访（仅回访消息，不含居民主动评价）",
              "surveys_answered", "surveys_sent"),
    Indicator("solved_rate", "解决率", "评价中表示问题已解决的条数 ÷ 回答了该问题的评价条数",
              "solved", "solved_answered"),
    Indicator("reports", "反映数", "合并进案件的居民反映条数（重复反映合并入同一案件）"),
    Indicator("repeat_share", "重复反映占比", "（反映数 − 受理数）÷ 反映数，即合并进已有案件的重复反映所占比例",
              "repeats", "reports"),
    Indicator("median_register_hours", "立案用时中位数（小时）",
              "受理至立案的小时数的中位数，仅含已立案的案件（其数目即立案数）"),
    Indicator("median_dispatch_hours", "派遣用时中位数（小时）",
              "受理至派遣的小时数的中位数，仅含已派遣的案件（其数目即派遣数）"),
    Indicator("median_close_hours", "结案用时中位数（小时）",
              "受理至结案的小时数的中位数，仅含已结案的案件（其数目即结案数）"),
)
BY_NAME = {indicator.name: indicator for indicator in INDICATORS}
RATES = tuple(indicator for indicator in INDICATORS if indicator.is_rate)
# Each median and the count of the cases it covers (those that reached the step).
MEDIAN_COUNTS = {"median_register_hours": "median_register_count", "median_dispatch_hours": "median_dispatch_count",
                 "median_close_hours": "median_close_count"}


def describe(name: str) -> str:
    """`label：definition` of one indicator (API field descriptions, tooltips)."""
    indicator = BY_NAME[name]
    return f"{indicator.label}：{indicator.definition}"


def openapi_text() -> str:
    """The definitions as one Markdown list, for the OpenAPI description of the stats endpoint."""
    lines = [f"- `{i.name}` {i.label}：{i.definition}" for i in INDICATORS]
    lines.append("- 每个比率 `x_rate` 另有 `x_rate_numerator`、`x_rate_denominator`；分母为 0 时比率为 null")
    lines.extend(f"- 口径 `{key}` {label}：{text}" for key, (label, text) in BASES.items())
    return "\n".join(lines)
