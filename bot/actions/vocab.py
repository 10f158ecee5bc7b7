"""The API's words as the chatbot needs them: case statuses and their groups, the ratings, the bot's source.

A copy of service_api/vocab.py (the bot has its own venv and talks to the API over HTTP only, so it cannot import
it); tests/service_api/test_vocab.py fails when the two differ. Change service_api/vocab.py first, then this.
Everything else in bot/actions uses these names instead of retyping the strings.
"""

# Case statuses (service_api.vocab.Status), as the API returns them in a report's or a case's `status`.
RECEIVED = "received"  # 受理: waiting for triage
REGISTERED = "registered"  # 立案
DISPATCHED = "dispatched"  # 派遣
RESOLVED = "resolved"  # 处置完成, waiting for 核查
VERIFIED = "verified"  # 核查通过, waiting for 结案
CLOSED = "closed"  # 结案: the only status a resident may rate (the API answers 409 case_not_closed otherwise)
REJECTED = "rejected"  # 不予立案
RETURNED = "returned"  # 回退, to be dispatched again
REOPENED = "reopened"  # 重新办理

CASE_STATUSES = (RECEIVED, REGISTERED, DISPATCHED, RESOLVED, VERIFIED, CLOSED, REJECTED, RETURNED, REOPENED)
# Finished: closed (结案) or rejected at triage (不予立案). A verified case (核查通过) still waits for 结案: it is
# open, and a new report of the same problem nearby may join it.
CLOSED_STATUSES = (CLOSED, REJECTED)
OPEN_STATUSES = tuple(s for s in CASE_STATUSES if s not in CLOSED_STATUSES)
# Registered (立案) at some point: every status but waiting for triage and rejected at triage.
REGISTERED_STATUSES = tuple(s for s in CASE_STATUSES if s not in (RECEIVED, REJECTED))

# Ratings (service_api.vocab.RATINGS): the value the API takes, and its Chinese label.
SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
UNSATISFIED = "unsatisfied"
RATINGS = {SATISFIED: "满意", BASICALLY_SATISFIED: "基本满意", UNSATISFIED: "不满意"}

# The report source (service_api.vocab.Source) of everything the bot files.
SOURCE_CHATBOT = "chatbot"
