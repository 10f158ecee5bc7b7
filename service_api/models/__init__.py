"""All models, imported here so Alembic and the app see every table."""

from service_api.models.base import Base, utcnow
from service_api.models.calendar import WorkCalendarDay
from service_api.models.case import CASE_STATUSES, OPEN_STATUSES, Case, CaseEvent, NumberSequence
from service_api.models.directory import Category, Department
from service_api.models.gazetteer import GazetteerAddress, GazetteerArea
from service_api.models.hotline import Callback, HotlineCall, WebhookReceipt
from service_api.models.open311 import ApiKey
from service_api.models.outbox import Notification, Rating, Survey
from service_api.models.people import AUDITOR, ROLE_TEXT, STAFF_ROLES, Citizen, SmsLoginCode, StaffUser
from service_api.models.photo import Photo, case_outcome_photos, report_photos
from service_api.models.report import CHANNEL_TEXT, CHANNELS, Report
from service_api.models.stats import (
    DURATION_STEPS,
    ROLLUP_COUNTS,
    StatsCaseFacts,
    StatsDurations,
    StatsRollup,
    StatsRollupState,
)

__all__ = [
    "Base", "utcnow", "CASE_STATUSES", "OPEN_STATUSES", "Case", "CaseEvent", "NumberSequence", "Category",
    "Department", "GazetteerAddress", "GazetteerArea", "Callback", "HotlineCall", "WebhookReceipt", "ApiKey",
    "Notification", "Rating", "Survey", "STAFF_ROLES", "Citizen", "SmsLoginCode", "StaffUser", "Photo",
    "case_outcome_photos", "report_photos", "CHANNELS", "Report", "ROLLUP_COUNTS", "StatsCaseFacts",
    "DURATION_STEPS", "StatsDurations", "StatsRollup", "StatsRollupState", "WorkCalendarDay",
    "CHANNEL_TEXT", "ROLE_TEXT", "AUDITOR",
]

# The component registry and the classifier's labels live in their own packages; imported here so Alembic
# and the app see their tables.
import service_api.components.models  # noqa: F401
from service_api.learning import models as learning_models  # noqa: F401
