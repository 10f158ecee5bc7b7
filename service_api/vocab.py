"""The platform's words, defined once: case statuses and their groups, notification kinds and their groups,
report sources, message channels and ratings (Satisfaction), each with its Chinese label; and the outbox rows'
states (NotificationState).

Everything else imports these names instead of retyping the strings (a retyped copy is how `verified` came to be
"closed" to the bot and open to the API). The values are what the database stores and the API returns, so they
never change; the StrEnums compare equal to those strings. This module imports nothing of ours: `intake`-free,
Flask-free, so models, feature packages, `notifications` and tests can all use it. The chatbot (its own venv, HTTP
only) keeps a plain copy of the statuses, their groups, the ratings and its own source in `bot/actions/vocab.py`;
tests/service_api/test_vocab.py fails when the two differ.
"""

from __future__ import annotations

from enum import StrEnum

# --- case statuses ------------------------------------------------------------------------------------------------


class Status(StrEnum):
    """Where a case stands (Case.status). The workflow (cases/workflow.py) says which action leads where."""

    RECEIVED = "received"  # 受理: waiting for triage
    REGISTERED = "registered"  # 立案
    DISPATCHED = "dispatched"  # 派遣
    RESOLVED = "resolved"  # 处置完成, waiting for 核查
    VERIFIED = "verified"  # 核查通过, waiting for 结案
    CLOSED = "closed"  # 结案
    REJECTED = "rejected"  # 不予立案
    RETURNED = "returned"  # 回退, to be dispatched again
    REOPENED = "reopened"  # 重新办理


CASE_STATUSES: tuple[str, ...] = tuple(Status)
STATUS_TEXT: dict[str, str] = {
    Status.RECEIVED: "已受理",
    Status.REGISTERED: "已立案",
    Status.DISPATCHED: "处置中",
    Status.RESOLVED: "已处置，待核查",
    Status.VERIFIED: "已核查",
    Status.CLOSED: "已结案",
    Status.REJECTED: "不予立案",
    Status.RETURNED: "已回退，重新派遣中",
    Status.REOPENED: "重新办理中",
}
# Finished: nothing more happens to the case unless it is reopened. 核查通过 (verified) is not finished: it still
# waits for 结案, so new reports of the same problem join it and residents see it as open.
CLOSED_STATUSES: tuple[str, ...] = (Status.CLOSED, Status.REJECTED)
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in Status if s not in CLOSED_STATUSES)
# Handled (处置): the handler recorded an outcome, which residents may see; 处置率 counts these.
HANDLED_STATUSES: tuple[str, ...] = (Status.RESOLVED, Status.VERIFIED, Status.CLOSED)
# Registered (立案) at some point: every status but waiting for triage and rejected at triage.
REGISTERED_STATUSES: tuple[str, ...] = tuple(s for s in Status if s not in (Status.RECEIVED, Status.REJECTED))
# Not (or no longer) in a handling department's hands: waiting for triage, for 派遣, or for 派遣 again (returned,
# reopened). A case's routing (department, time limit) still follows its matter while it is in one of these.
ROUTABLE_STATUSES: tuple[str, ...] = (Status.RECEIVED, Status.REGISTERED, Status.RETURNED, Status.REOPENED)

# --- notification kinds -------------------------------------------------------------------------------------------


class Kind(StrEnum):
    """What a notification says (its template in service_api/messages.py). Rows store the text."""

    RECEIVED = "received"
    MERGED = "merged"
    REGISTERED = "registered"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    DEADLINE_EXTENDED = "deadline_extended"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    SURVEY = "survey"  # two-way SMS or voice: answer by reply or keypad
    SURVEY_LINK = "survey_link"  # a link to rate (SMS to +86, WeChat, in-app)
    SURVEY_REMINDER = "survey_reminder"
    SURVEY_LINK_REMINDER = "survey_link_reminder"
    RATING_REVIEW = "rating_review"
    LOGIN_CODE = "login_code"


KIND_TEXT: dict[str, str] = {
    Kind.RECEIVED: "受理通知", Kind.MERGED: "合并办理通知", Kind.REGISTERED: "立案通知", Kind.REJECTED: "不予立案通知",
    Kind.DISPATCHED: "派遣通知", Kind.DEADLINE_EXTENDED: "延期通知", Kind.RESOLVED: "处置通知", Kind.CLOSED: "办结通知",
    Kind.REOPENED: "重新办理通知", Kind.SURVEY: "满意度回访", Kind.SURVEY_LINK: "满意度评价链接",
    Kind.SURVEY_REMINDER: "回访提醒", Kind.SURVEY_LINK_REMINDER: "评价提醒", Kind.RATING_REVIEW: "评价复核通知",
    Kind.LOGIN_CODE: "登录验证码",
}
# Where the case stands: a newer one makes an older unsent one untrue (outbox_writer.py coalesces).
PROGRESS_KINDS = frozenset({Kind.RECEIVED, Kind.MERGED, Kind.REGISTERED, Kind.REJECTED, Kind.DISPATCHED,
                            Kind.DEADLINE_EXTENDED, Kind.RESOLVED, Kind.CLOSED, Kind.REOPENED})
SURVEY_INVITATION_KINDS = frozenset({Kind.SURVEY, Kind.SURVEY_LINK})
SURVEY_REMINDER_KINDS = frozenset({Kind.SURVEY_REMINDER, Kind.SURVEY_LINK_REMINDER})
# Every message that asks for a rating: it opens the rating page (WeChat: the survey template).
SURVEY_KINDS = SURVEY_INVITATION_KINDS | SURVEY_REMINDER_KINDS
REMINDER_OF = {Kind.SURVEY: Kind.SURVEY_REMINDER, Kind.SURVEY_LINK: Kind.SURVEY_LINK_REMINDER}


class NotificationState(StrEnum):
    """Where an outbox row stands (Notification.status); notifications/outbox.py moves it along."""

    PENDING = "pending"  # waiting: due, or deferred (quiet hours, a survey's delay, a retry's backoff)
    CLAIMED = "claimed"  # a dispatch owns it (claim_token)
    SENDING = "sending"  # the attempt is saved and the provider is being called
    SENT = "sent"
    DELIVERED = "delivered"  # the provider says it arrived
    FAILED = "failed"
    CANCELLED = "cancelled"


NOTIFICATION_STATES: tuple[str, ...] = tuple(NotificationState)
# Not yet out: waiting (due or deferred, e.g. by quiet hours), claimed by a dispatch, or being sent.
UNSENT_STATES: tuple[str, ...] = (NotificationState.PENDING, NotificationState.CLAIMED, NotificationState.SENDING)
# Unsent rows that cancelling still stops: a claimed row's dispatch skips it; a 'sending' one is already with the
# provider (and its outcome would overwrite the cancellation).
CANCELLABLE_STATES: tuple[str, ...] = (NotificationState.PENDING, NotificationState.CLAIMED)

# --- report sources (Report.channel, Case.source_channel) ------------------------------------------------------


class Source(StrEnum):
    """How a report came in."""

    MINIPROGRAM = "miniprogram"
    HOTLINE = "hotline"
    CHATBOT = "chatbot"
    SMS = "sms"
    VOICE = "voice"  # a voice-mail on the Twilio line
    OPEN311 = "open311"
    SCAN = "scan"  # a component's QR code
    WEB = "web"  # the residents' web app (/m/)


SOURCES: tuple[str, ...] = tuple(Source)
# What staff and exports show for a source (plus "wechat", where ratings also come from).
SOURCE_TEXT: dict[str, str] = {
    Source.MINIPROGRAM: "小程序", Source.HOTLINE: "热线电话", Source.CHATBOT: "智能客服", Source.SMS: "短信",
    Source.VOICE: "语音留言", Source.OPEN311: "Open311 接口", "wechat": "微信", Source.SCAN: "扫码报修",
    Source.WEB: "随手拍网页",
}
# Sources whose channel_ref is "<source>:<phone>" (the Twilio lines).
PHONE_SOURCES: tuple[str, ...] = (Source.SMS, Source.VOICE)
# Sources whose reports carry a resident's WeChat openid (the mini-program and the chatbot inside it).
WECHAT_SOURCES: tuple[str, ...] = (Source.MINIPROGRAM, Source.CHATBOT)

# --- message channels (Notification.channel) ---------------------------------------------------------------------


class Channel(StrEnum):
    """How a message reaches a resident; notifications/channels/ has one adapter per value."""

    SMS = "sms"
    WECHAT = "wechat"  # mini-program subscribe message
    INAPP = "inapp"  # the resident's message list
    VOICE = "voice"  # an outbound call


MESSAGE_CHANNELS: tuple[str, ...] = tuple(Channel)
MESSAGE_CHANNEL_TEXT: dict[str, str] = {Channel.SMS: "短信", Channel.WECHAT: "微信", Channel.INAPP: "站内消息",
                                        Channel.VOICE: "语音电话"}
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})  # the recipient is a phone number
SILENT_CHANNELS = frozenset({Channel.INAPP})  # a list entry wakes nobody: no quiet hours
TEXT_CHANNELS: tuple[str, ...] = (Channel.SMS, Channel.WECHAT)  # a resident reads the body (a call's script not)

# --- ratings ------------------------------------------------------------------------------------------------------


class Satisfaction(StrEnum):
    """A resident's rating of how their case was handled (Rating.rating; the model is called Rating)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


# In this order: the order residents are offered them (1, 2, 3 on SMS and the keypad).
RATINGS: dict[str, str] = {Satisfaction.SATISFIED: "满意", Satisfaction.BASICALLY_SATISFIED: "基本满意",
                           Satisfaction.UNSATISFIED: "不满意"}
# Where a rating came from, as the case history says it.
RATING_SOURCE_TEXT: dict[str, str] = {
    Source.MINIPROGRAM: "小程序", Source.SMS: "短信", Source.VOICE: "语音回访", Source.HOTLINE: "热线回访",
    Source.CHATBOT: "智能客服", Channel.WECHAT: "微信",
}
