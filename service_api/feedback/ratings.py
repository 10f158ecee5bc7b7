"""A resident's rating of how their report's case was handled: one per report and closing round, from any channel.

A second answer within 7 days of the round's first updates it (the new answer replaces the old one, but an answer
without a comment keeps the earlier comment unless the resident cleared it on purpose); later ones are refused
(409). A reopened case closed again is a new round with its own survey and
rating. 不满意 or "not solved" flags the case for review and, with SURVEY_REOPEN_ON_UNSATISFIED, reopens it; the
resident is told either way. Changing such an answer to a satisfied one takes the case off the review queue
again, unless something else put it there. Every answer and change is in the case history.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from service_api import outbox_writer
from service_api.cases.workflow import SYSTEM, Actor, TransitionRequest, apply_transition
from service_api.errors import APIError
from service_api.extensions import db
from service_api.feedback.surveys import mark_answered
from service_api.models import Case, CaseEvent, Rating, Report, Survey, utcnow
from service_api.vocab import RATING_SOURCE_TEXT, RATINGS, Kind, Satisfaction, Status

UPDATE_WINDOW = timedelta(days=7)
RATING_EVENT = "rating"  # CaseEvent.action of an answer or a change (cases/desk.py names it 评价)
RESIDENT = Actor("resident")


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    created: bool
    flagged: bool
    reopened: bool


def current_round(case: Case) -> int:
    """The closing round a rating now belongs to (surveys are numbered the same way)."""
    return case.reopen_count + 1


def is_flagged(rating: str, solved: bool | None) -> bool:
    return rating == Satisfaction.UNSATISFIED or solved is False


def submit_rating(report: Report, rating: str, solved: bool | None, comment: str | None, channel: str,
                  now: datetime | None = None, actor: Actor | None = None,
                  clear_comment: bool = False) -> RatingOutcome:
    """Record (or update) the rating of `report`'s case in its current round and commit. Raises APIError 409/422.

    `actor` is the agent who records a phone answer; otherwise the resident answered themselves. An update without
    a comment keeps the earlier one; `clear_comment` (the resident emptied the field) takes it away.
    """
    now = now or utcnow()
    actor = actor or RESIDENT
    if rating not in RATINGS:
        raise APIError(422, "bad_rating", f"评价应为 {', '.join(RATINGS)}", {"rating": [rating]})
    case = db.session.get(Case, report.case_id, with_for_update=True) if report.case_id else None
    if case is None or case.status != Status.CLOSED:
        raise APIError(409, "case_not_closed", "案件办结后才能评价")
    round_no = current_round(case)
    existing = db.session.query(Rating).filter_by(case_id=case.id, report_id=report.id, round=round_no) \
        .with_for_update().one_or_none()
    if existing is not None and now - existing.created_at > UPDATE_WINDOW:
        raise APIError(409, "rating_locked", "评价提交已超过7天，不能再修改")
    comment = (comment or "").strip()[:1000] or None
    created = existing is None
    before = None if existing is None else (existing.rating, existing.solved)
    if existing is None:
        existing = Rating(case_id=case.id, report_id=report.id, round=round_no, rating=rating, solved=solved,
                          comment=comment, channel=channel, created_at=now, updated_at=now)
        db.session.add(existing)
    else:
        # A changed mind about the rating ("satisfied" after all) is not a wish to take back what was written.
        existing.rating, existing.solved = rating, solved
        existing.comment = comment or (None if clear_comment else existing.comment)
        existing.channel, existing.updated_at = channel, now
    db.session.flush()
    done_text = (f"回访结果：{RATINGS[rating]}" if actor.type == "staff"
                 else f"居民已通过{RATING_SOURCE_TEXT.get(channel, channel)}评价（{RATINGS[rating]}），无需回访")
    mark_answered(case, report, now, outcome=done_text, staff_id=actor.id if actor.type == "staff" else None)
    flagged = is_flagged(rating, solved)
    was_flagged = before is not None and is_flagged(*before)
    event = _record_event(case, existing, before, actor, starts_flag=flagged and not was_flagged,
                          review_before=case.needs_review, now=now)
    reopened = False
    if flagged and not was_flagged:
        case.needs_review = True
        if current_app.extensions["settings"].survey_reopen_on_unsatisfied:
            note = f"居民评价{RATINGS[rating]}{'，问题未解决' if solved is False else ''}，系统自动重新办理"
            apply_transition(case, TransitionRequest("reopen", note=note), SYSTEM)  # announces Kind.REOPENED
            reopened = True
        else:
            outbox_writer.enqueue(Kind.RATING_REVIEW, report, case)
    elif was_flagged and not flagged and not _other_review_reason(case, existing, event):
        case.needs_review = False
    case.updated_at = now
    db.session.commit()
    return RatingOutcome(existing, created, flagged, reopened)


def round_rating(survey: Survey, report: Report) -> Rating | None:
    """The rating `report` got in the round `survey` asked about, if any."""
    return db.session.query(Rating).filter_by(case_id=survey.case_id, report_id=report.id,
                                              round=survey.round).one_or_none()


def submit_answer(report: Report, rating: str, solved: bool | None, comment: str | None,
                  channel: str) -> RatingOutcome:
    """submit_rating for a resident answering over a line that tells a refusal in words (SMS, a call, the
    rating page): a refused answer leaves nothing behind in the session before its APIError goes on."""
    try:
        return submit_rating(report, rating, solved, comment, channel)
    except APIError:
        db.session.rollback()
        raise


def _describe(rating: str, solved: bool | None) -> str:
    return RATINGS[rating] + {True: "，问题已解决", False: "，问题未解决", None: ""}[solved]


def _record_event(case: Case, row: Rating, before: tuple[str, bool | None] | None, actor: Actor, *,
                  starts_flag: bool, review_before: bool, now: datetime) -> CaseEvent:
    """The answer, or the change, in the case history (staff only: not on the public timeline)."""
    via = RATING_SOURCE_TEXT.get(row.channel, row.channel)
    if before is None:
        note = f"居民评价（{via}）：{_describe(row.rating, row.solved)}"
    else:
        note = f"居民修改评价（{via}）：{_describe(*before)} → {_describe(row.rating, row.solved)}"
    if row.comment:
        note += f"。意见：{row.comment}"
    data: dict[str, Any] = {"rating_id": row.id, "report_id": row.report_id, "round": row.round,
                            "rating": row.rating, "solved": row.solved, "channel": row.channel,
                            "flagged": is_flagged(row.rating, row.solved), "starts_flag": starts_flag,
                            "review_before": review_before}
    event = CaseEvent(case_id=case.id, report_id=row.report_id, action=RATING_EVENT, from_status=case.status,
                      to_status=case.status, actor_type=actor.type, actor_id=actor.id, actor_name=actor.name,
                      note=note, public=False, data=data, created_at=now)
    db.session.add(event)
    db.session.flush()
    return event


def _other_review_reason(case: Case, row: Rating, event: CaseEvent) -> bool:
    """Whether the case must stay in review although this rating no longer asks for it: another rating of the
    round still does, the case was already in review when this rating first flagged it, or a resident
    complained about the handling by phone (热线催办/投诉) since."""
    others = db.session.query(Rating.rating, Rating.solved).filter(
        Rating.case_id == case.id, Rating.round == row.round, Rating.id != row.id).all()
    if any(is_flagged(rating, solved) for rating, solved in others):
        return True
    history = db.session.query(CaseEvent).filter(
        CaseEvent.case_id == case.id, CaseEvent.id < event.id,
        CaseEvent.action.in_((RATING_EVENT, "hotline_follow_up"))).order_by(CaseEvent.id.desc()).all()
    flagged_by_this = None
    for past in history:  # newest first: the answer with which this rating began to ask for review
        data = past.data or {}
        if past.action == RATING_EVENT and data.get("rating_id") == row.id and data.get("starts_flag"):
            flagged_by_this = past
            break
    if flagged_by_this is None or (flagged_by_this.data or {}).get("review_before"):
        return True
    return any(past.action == "hotline_follow_up" and past.id > flagged_by_this.id for past in history)


# Words that may follow a rating digit: a digit is an answer only when nothing but these (and punctuation)
# comes before any comment, so "3号楼门口井盖丢了" is a new report, not 不满意 (issue 17, item 3).
_RATING_WORDS = (("基本满意", Satisfaction.BASICALLY_SATISFIED), ("不满意", Satisfaction.UNSATISFIED),
                 ("非常满意", Satisfaction.SATISFIED), ("满意", Satisfaction.SATISFIED))
_UNSOLVED_WORDS = ("未解决", "没解决", "没有解决", "没处理", "还没")
_SOLVED_WORDS = ("已解决", "解决了")
_ANSWER_PUNCTUATION = " \t\r\n，,。.；;:：、!！"


def parse_sms_answer(text: str) -> tuple[str, bool | None, str | None] | None:
    """'1'/'2'/'3' or 满意/基本满意/不满意 (+ free text) → (rating, solved, comment); None if not an answer.

    After a digit only a rating or solved/unsolved word may start the rest (then a comment may follow);
    a digit followed by anything else (号楼, 栋, 路…) begins a new report.
    """
    body = text.strip()
    if not body:
        return None
    rating: str | None = None
    rest = body
    digit = unicodedata.normalize("NFKC", body[0])  # a full-width ３ is the same answer
    if digit in ("1", "2", "3"):
        after = body[1:].lstrip(_ANSWER_PUNCTUATION)
        if after and not after.startswith(tuple(w for w, _ in _RATING_WORDS) + _UNSOLVED_WORDS + _SOLVED_WORDS):
            return None
        rating = {"1": Satisfaction.SATISFIED, "2": Satisfaction.BASICALLY_SATISFIED,
                  "3": Satisfaction.UNSATISFIED}[digit]
        rest = after
    else:
        for word, value in _RATING_WORDS:
            if body.startswith(word):
                rating, rest = value, body[len(word):]
                break
    if rating is None:
        return None
    rest = rest.strip(_ANSWER_PUNCTUATION)
    solved: bool | None = None
    if any(w in rest for w in _UNSOLVED_WORDS):
        solved = False
    elif any(w in rest for w in _SOLVED_WORDS):
        solved = True
    return rating, solved, rest or None
