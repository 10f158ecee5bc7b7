"""Message and call status callbacks: keep each notification's delivery state up to date."""

from __future__ import annotations

from service_api.hotline.ivr import call_ended
from service_api.twilio_hooks import store
from service_api.vocab import NotificationState

DELIVERED = {"delivered", "read", "completed"}
FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}
ORDER = ["accepted", "scheduled", "queued", "sending", "sent", "initiated", "ringing", "in-progress",
         "delivered", "read", "completed", "undelivered", "failed", "busy", "no-answer", "canceled"]
OPTED_OUT_CODE = "21610"


def apply_status(sid: str, provider_status: str, error_code: str | None, notification_ref: str | None) -> bool:
    """Update the notification this callback is about. Returns False when no row matches."""
    provider_status = (provider_status or "").lower()
    row = store.notification_for_status(sid, notification_ref)
    if row is None:
        if provider_status in DELIVERED | FAILED:  # a call to the voice line ended
            call_ended(sid)
        return False
    in_flight = row.status in (NotificationState.SENDING, NotificationState.SENT)
    failed = provider_status in FAILED and in_flight
    store.record_delivery(
        row,
        # callbacks may arrive out of order
        provider_status=provider_status if _rank(provider_status) >= _rank(row.provider_status) else None,
        delivered=provider_status in DELIVERED and in_flight,
        failure=(f"provider status {provider_status}" + (f", error {error_code}" if error_code else "")
                 if failed else None),
        opted_out=failed and error_code == OPTED_OUT_CODE,
    )
    return True


def _rank(status: str | None) -> int:
    return ORDER.index(status) if status in ORDER else -1
