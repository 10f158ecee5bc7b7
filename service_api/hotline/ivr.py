"""The voice line's own side of a call (the IVR, no agent): the HotlineCall row every Twilio call leaves, what
the caller chose, the report a call files, the case asked about, and a transfer nobody answered, which becomes
a callback task for agents. Each function commits; twilio_hooks/voice.py only answers in TwiML."""

from __future__ import annotations

from service_api.auth.principal import Principal
from service_api.cases.lookup import case_by_no
from service_api.extensions import db
from service_api.hotline.callbacks import create_callback
from service_api.models import HotlineCall, Report
from service_api.models.encrypted import phone_ref
from service_api.reports.accept import ReportInput, accept_report, process_after_accept
from service_api.vocab import Source

RECORDING_PLACEHOLDER = "电话录音反映，待坐席根据录音补全问题描述和位置"


def _call(call_sid: str, phone: str | None, direction: str = "inbound") -> HotlineCall:
    """The call's row, made on its first webhook."""
    call = db.session.query(HotlineCall).filter_by(call_sid=call_sid).one_or_none() if call_sid else None
    if call is None:
        call = HotlineCall(call_sid=call_sid or None, caller_phone=phone, status="open", data={"direction": direction})
        db.session.add(call)
        db.session.flush()
    return call


def record_call(call_sid: str, phone: str) -> None:
    """A call came in (or went on without anything to note)."""
    _call(call_sid, phone)
    db.session.commit()


def set_call_type(call_sid: str, phone: str, call_type: str, *, missed: bool = False) -> None:
    """What the caller chose in the menu; `missed`: they asked for an agent and none could be dialled."""
    call = _call(call_sid, phone)
    call.call_type = call_type
    if missed:
        _missed(call)
    db.session.commit()


def dial_ended(call_sid: str, phone: str, dial_status: str, *, missed: bool) -> None:
    """The transfer to an agent ended (`missed`: nobody answered it)."""
    call = _call(call_sid, phone)
    if missed:
        _missed(call)
    call.data = {**(call.data or {}), "dial_status": dial_status}
    db.session.commit()


def _missed(call: HotlineCall) -> None:
    call.status = "missed"
    create_callback(kind="missed_call", phone=call.caller_phone, reason="来电转人工无人接听，请回电")


def note_description(call_sid: str, phone: str, description: str) -> None:
    """What the caller said the problem is (the report is filed once they have said where)."""
    call = _call(call_sid, phone)
    call.data = {**(call.data or {}), "description": description[:2000]}
    db.session.commit()


def file_report(call_sid: str, phone: str, address: str | None) -> Report:
    """The caller said where: file the report with the description they gave before, and run intake."""
    call = _call(call_sid, phone)
    text = (call.data or {}).get("description") or ""
    return _voice_report(call, phone, text, address)


def file_recording(call_sid: str, phone: str, recording_url: str) -> Report:
    """Nothing was heard, so the caller left a recording: a report for agents to complete, and their task."""
    call = _call(call_sid, phone)
    call.recording_url = recording_url or None
    report = _voice_report(call, phone, RECORDING_PLACEHOLDER, None, recording_url=recording_url)
    create_callback(kind="voice_recording", phone=phone, citizen_id=report.citizen_id, report_id=report.id,
                    reason=f"电话录音反映（受理编号{report.tracking_no}），请听录音补全描述和位置：{recording_url}")
    db.session.commit()
    return report


def _voice_report(call: HotlineCall, phone: str, text: str, address: str | None,
                  recording_url: str | None = None) -> Report:
    extra = {"call_sid": call.call_sid}
    if recording_url:
        extra["recording_url"] = recording_url
    accepted = accept_report(
        ReportInput(description=text or RECORDING_PLACEHOLDER, channel=Source.VOICE, address=address,
                    contact={"phone": phone}, channel_ref=phone_ref(Source.VOICE, phone),
                    idempotency_key=f"call:{call.call_sid}" if call.call_sid else None, extra=extra),
        Principal("service"),
    )
    if accepted.created and not recording_url:
        process_after_accept(accepted.report)
    report = db.session.get(Report, accepted.report.id)
    call = db.session.get(HotlineCall, call.id)
    call.report_id, call.case_id, call.call_type = report.id, report.case_id, "new_report"
    db.session.commit()
    return report


def status_asked(call_sid: str, phone: str, case_no: str | None) -> None:
    """The caller asked about a case (`case_no` when it was found and told; a tracking number links nothing)."""
    call = _call(call_sid, phone)
    case = case_by_no(case_no) if case_no else None
    if case is not None:
        call.case_id = case.id
    db.session.commit()


def survey_call(call_sid: str, phone: str, report: Report | None) -> None:
    """A call we placed was answered: it follows up `report` (None: a call about nothing we know)."""
    call = _call(call_sid, phone, direction="outbound")
    if report is not None:
        call.report_id, call.case_id, call.call_type = report.id, report.case_id, "follow_up"
    db.session.commit()


def call_ended(call_sid: str) -> None:
    """Twilio says the call is over (completed, or never connected): an open call is closed."""
    call = db.session.query(HotlineCall).filter_by(call_sid=call_sid).one_or_none() if call_sid else None
    if call is not None and call.status == "open":
        call.status = "closed"
    db.session.commit()
