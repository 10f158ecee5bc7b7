"""The API's case statuses and their groups, as the chatbot needs them.

A copy of service_api/vocab.py (the bot has its own venv and talks to the API over HTTP only, so it cannot import
it); tests/service_api/test_vocab.py fails when the two differ. Change service_api/vocab.py first, then this.
"""

CASE_STATUSES = ("received", "registered", "dispatched", "resolved", "verified", "closed", "rejected", "returned",
                 "reopened")
# Finished: closed (结案) or rejected at triage (不予立案). A verified case (核查通过) still waits for 结案: it is
# open, and a new report of the same problem nearby may join it.
CLOSED_STATUSES = ("closed", "rejected")
OPEN_STATUSES = tuple(s for s in CASE_STATUSES if s not in CLOSED_STATUSES)
# Registered (立案) at some point: every status but waiting for triage and rejected at triage.
REGISTERED_STATUSES = tuple(s for s in CASE_STATUSES if s not in ("received", "rejected"))
