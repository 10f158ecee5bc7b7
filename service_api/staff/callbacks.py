"""The hotline agent's callback pages: the open callbacks (with chat hand-offs and those just closed) and one
callback with its outcome form. The work itself is service_api.hotline.calls (callbacks section)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from service_api.errors import APIError
from service_api.extensions import db
from service_api.hotline import calls as hotline
from service_api.models import utcnow
from service_api.staff.auth import login_required
from service_api.staff.console import blp
from service_api.stats import figures as stats


@blp.get("/callbacks")
@login_required("agent")
def callbacks() -> Any:
    rows = hotline.due_callbacks()
    return render_template("staff/callbacks.html", rows=rows, cases=hotline.callback_cases(rows),
                           kinds=hotline.CALLBACK_KIND_TEXT, now=utcnow(), recent=hotline.recent_callbacks(),
                           chats=hotline.chat_handoffs())


@blp.route("/callbacks/<int:callback_id>", methods=["GET", "POST"])
@login_required("agent")
def callback_detail(callback_id: int) -> Any:
    callback = hotline.callback_by_id(callback_id) or abort(404)
    if request.method == "POST":
        form = request.form
        solved = {"yes": True, "no": False}.get(form.get("solved", ""))
        outcome = hotline.CallbackOutcome(result=form.get("result", ""), outcome=form.get("outcome", "")[:2000],
                                          rating=form.get("rating") or None, solved=solved,
                                          comment=form.get("comment", "")[:1000] or None)
        try:
            hotline.record_callback(callback, outcome, g.staff)
        except APIError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("staff.callback_detail", callback_id=callback_id))
        flash("回电结果已保存", "success")
        return redirect(url_for("staff.callbacks"))
    return render_template("staff/callback.html", callback=callback, case=hotline.callback_case(callback),
                           call=hotline.voice_message_call(callback),
                           chat_only=hotline.is_chat_only(callback), chat_line_text=hotline.chat_line_text,
                           kinds=hotline.CALLBACK_KIND_TEXT, results=hotline.CALLBACK_RESULTS,
                           ratings=stats.RATING_TEXT)
