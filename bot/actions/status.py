"""Status questions: by case number, by tracking number, or 'my last report'."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, get_api
from actions.parsing import beijing_time, find_case_no, find_tracking_no, states_rating
from actions.rating import ActionRateService
from actions.report_form import MSG_UNAVAILABLE, chat_metadata
from actions.vocab import CLOSED


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def _last_step(timeline: List[Dict[str, Any]]) -> Optional[str]:
    steps = [step for step in timeline or [] if step.get("text")]
    if not steps:
        return None
    step = steps[-1]
    when = beijing_time(step.get("at"))
    return f"{when} {step['text']}" if when else step["text"]


def report_line(report: Dict[str, Any]) -> str:
    matter = (report.get("matter") or {}).get("name")
    head = f"受理编号{report.get('tracking_no')}" + (f"（{matter}）" if matter else "")
    text = f"{head}：{report.get('status_text') or report.get('status')}"
    if report.get("case_no"):
        text += f"，案件号{report['case_no']}"
    return text


def report_details(report: Dict[str, Any]) -> str:
    text = report_line(report) + "。"
    last = _last_step(report.get("timeline") or [])
    if last:
        text += f"最新进展：{last}。"
    if report.get("outcome"):
        text += f"处理结果：{report['outcome']}。"
    if report.get("referral"):  # intake found the matter belongs elsewhere: say where, as when it was filed
        text += f"温馨提示：{report['referral']}"
    if report.get("status") == CLOSED and not report.get("rating"):
        text += "问题已办结，欢迎对处理结果进行评价（满意/基本满意/不满意）。"
    return text


def public_page(tracker: Tracker, tracking_no: str) -> str:
    """The full address of a report's public page: the API tells the bot its PUBLIC_BASE_URL with each chat
    message (a bare "/r/…" cannot be tapped in a chat)."""
    base = chat_metadata(tracker, "public_base_url")
    path = f"/r/{tracking_no}"
    return f"{str(base).rstrip('/')}{path}" if isinstance(base, str) and base.startswith("http") else path


class ActionCheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if _entity(tracker, "rating") or states_rating(text):
            # "对C370202-…的处理结果不满意" names a case like a status question, but it is a rating.
            return await ActionRateService().run(dispatcher, tracker, domain)
        api = get_api()
        case_no = find_case_no(text) or find_case_no(_entity(tracker, "case_no") or "")
        tracking_no = find_tracking_no(text) or find_tracking_no(_entity(tracker, "tracking_no") or "")
        if not case_no and not tracking_no:
            from actions.handoff import phone_for_handoff, phone_for_report_form  # handoff imports report_form

            handoff = phone_for_handoff(dispatcher, tracker)
            if handoff:  # a bare phone after a hand-off that asked for one
                return handoff
            phone_in_form = phone_for_report_form(tracker)
            if phone_in_form:  # a phone typed in the report form, read by NLU as a status question
                return phone_in_form
        try:
            if case_no:
                self._by_case(dispatcher, api, tracker.sender_id, case_no)
            elif tracking_no:
                self._by_report(dispatcher, api, tracker, tracking_no)
            else:
                self._latest(dispatcher, api, tracker)
        except ApiError as exc:
            if exc.unavailable:
                dispatcher.utter_message(text=MSG_UNAVAILABLE)
            else:
                dispatcher.utter_message(text="没有查到相关记录。")
        return []

    @staticmethod
    def _by_case(dispatcher: CollectingDispatcher, api: Any, resident: str, case_no: str) -> None:
        try:
            case = api.get_public_case(resident, case_no)
        except ApiError as exc:
            if exc.status in (403, 404):
                dispatcher.utter_message(text=f"没有找到案件号{case_no}，请核对后再发一次。")
                return
            raise
        matter = (case.get("matter") or {}).get("name")
        status = case.get("status_text") or case.get("status")
        text = f"案件{case_no}" + (f"（{matter}）" if matter else "") + f"当前状态：{status}。"
        last = _last_step(case.get("public_timeline") or [])
        if last:
            text += f"最新进展：{last}。"
        dispatcher.utter_message(text=text)

    @staticmethod
    def _by_report(dispatcher: CollectingDispatcher, api: Any, tracker: Tracker, ref: str) -> None:
        try:
            report = api.get_report(tracker.sender_id, ref)
        except ApiError as exc:
            if exc.status in (403, 404):
                # The API answers 404 alike for a number that does not exist and for someone else's report
                # (an anonymous chat owns none): do not claim it does not exist, say where it can be checked.
                dispatcher.utter_message(text=f"在本次对话的账号下没有查到受理编号{ref}的反映。如果是用其他方式或"
                                              f"匿名提交的，可打开公开查询页面 {public_page(tracker, ref)} 查看办理进度，"
                                              "或用反映时留的手机号登录小程序后查询；也请核对编号是否正确。")
                return
            raise
        dispatcher.utter_message(text=report_details(report))

    @staticmethod
    def _latest(dispatcher: CollectingDispatcher, api: Any, tracker: Tracker) -> None:
        reports = api.my_reports(tracker.sender_id, page_size=5)
        if not reports and tracker.get_slot("last_report_id"):
            reports = [api.get_report(tracker.sender_id, tracker.get_slot("last_report_id"))]
        if not reports:
            dispatcher.utter_message(text="暂时没有查到您的反映记录。请发送受理编号或案件号（例如C370202-20261124-00017）帮您查询。")
            return
        if len(reports) == 1:
            dispatcher.utter_message(text=report_details(reports[0]))
            return
        lines = [f"{i}. {report_line(r)}" for i, r in enumerate(reports[:3], start=1)]
        dispatcher.utter_message(text="您最近的反映：\n" + "\n".join(lines) + "\n发送受理编号可查看详细进展。")
