"""A resident's rating of how their report's case was handled: one per report and case, from any channel.

A second answer within 7 days of the first updates it; later ones are refused (409). 不满意 or "not solved"
flags the case for review and, with SURVEY_REOPEN_ON_UNSATISFIED, reopens it; the resident is told either way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Case, Rating, Report, utcnow
from service_api.services import outbox_writer
from service_api.services.surveys import mark_answered
from service_api.services.workflow import SYSTEM, TransitionRequest, apply_transition

RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
UPDATE_WINDOW = timedelta(days=7)
RATING_CHANNELS = ("miniprogram", "sms", "voice", "hotline", "chatbot", "wechat")


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    created: bool
    flagged: bool
    reopened: bool


def submit_rating(report: Report, rating: str, solved: bool | None, comment: str | None, channel: str,
                  now: datetime | None = None) -> RatingOutcome:
    """Record (or update) the rating of `report`'s case and commit. Raises APIError 409/422."""
    now = now or utcnow()
    if rating not in RATINGS:
        raise APIError(422, "bad_rating", f"评价应为 {', '.join(RATINGS)}", {"rating": [rating]})
    case = db.session.get(Case, report.case_id, with_for_update=True) if report.case_id else None
    if case is None or case.status != "closed":
        raise APIError(409, "case_not_closed", "案件办结后才能评价")
    existing = db.session.query(Rating).filter_by(case_id=case.id, report_id=report.id).with_for_update() \
        .one_or_none()
    if existing is not None and now - existing.created_at > UPDATE_WINDOW:
        raise APIError(409, "rating_locked", "评价提交已超过7天，不能再修改")
    comment = (comment or "").strip()[:1000] or None
    created = existing is None
    if existing is None:
        existing = Rating(case_id=case.id, report_id=report.id, rating=rating, solved=solved, comment=comment,
                          channel=channel, created_at=now, updated_at=now)
        db.session.add(existing)
    else:
        existing.rating, existing.solved, existing.channel, existing.updated_at = rating, solved, channel, now
        existing.comment = comment if comment is not None else existing.comment
    mark_answered(case.id, report.id, now)
    flagged = rating == "unsatisfied" or solved is False
    reopened = False
    if flagged:
        case.needs_review = True
        if current_app.extensions["settings"].survey_reopen_on_unsatisfied:
            note = f"居民评价{RATINGS[rating]}{'，问题未解决' if solved is False else ''}，系统自动重新办理"
            apply_transition(case, TransitionRequest("reopen", note=note), SYSTEM)  # announces "reopened"
            reopened = True
        else:
            outbox_writer.enqueue("rating_review", report, case)
    db.session.commit()
    return RatingOutcome(existing, created, flagged, reopened)


# Words that may follow a rating digit: a digit is an answer only when nothing but these (and punctuation)
# comes before any comment, so "3号楼门口井盖丢了" is a new report, not 不满意 (issue 17, item 3).
_RATING_WORDS = (("基本满意", "basically_satisfied"), ("不满意", "unsatisfied"), ("非常满意", "satisfied"),
                 ("满意", "satisfied"))
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
        rating = {"1": "satisfied", "2": "basically_satisfied", "3": "unsatisfied"}[digit]
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
