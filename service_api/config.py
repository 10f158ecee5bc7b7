"""All settings, read from the environment in one place.

The embedded default (no environment set) runs everything on one machine with no server:
SQLite under instance/, Celery on a SQLite broker, photos on local disk, Twilio in log-only mode.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))


# The embedded default's key for the chatbot on the same machine. Everyone can read it here, so the API accepts it
# only from loopback; any deployment reachable from elsewhere sets SERVICE_API_KEY.
DEFAULT_SERVICE_API_KEY = "dev-service-key"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_or_empty(name: str, default: str) -> str:
    """For settings where an empty value means "none": only an unset variable gives the default."""
    value = os.environ.get(name)
    return default if value is None else value


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _env_float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment; in the embedded default a key kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _instance_key(name: str, make: Callable[[], str]) -> str:
    """A key kept under instance/ for the embedded default (made on first use, readable by the owner only)."""
    path = INSTANCE_DIR / name
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _personal_data_keys() -> str:
    """PERSONAL_DATA_KEYS: Fernet keys, comma separated, the newest first (README: rotating the key)."""
    from cryptography.fernet import Fernet

    return _env("PERSONAL_DATA_KEYS", "") or _instance_key("personal_data_keys", lambda: Fernet.generate_key().decode())


def _personal_data_hash_key() -> str:
    """PERSONAL_DATA_HASH_KEY: the HMAC key of the phone hashes (equality lookups); never rotated lightly."""
    return _env("PERSONAL_DATA_HASH_KEY", "") or _instance_key("personal_data_hash_key",
                                                                lambda: secrets.token_urlsafe(32))


def _normalise_db_url(url: str) -> str:
    """Accept the common postgres:// and postgresql:// forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass
class Settings:
    """Every setting of the service, documented in README.md ("Configuration")."""

    database_url: str = field(
        default_factory=lambda: _normalise_db_url(
            _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'service.db'}")
        )
    )
    celery_broker_url: str = field(
        default_factory=lambda: _env("CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'celery-broker.db'}")
    )
    photo_storage_dir: Path = field(
        default_factory=lambda: Path(_env("PHOTO_STORAGE_DIR", str(INSTANCE_DIR / "photos")))
    )
    secret_key: str = field(default_factory=_secret_key)
    public_base_url: str = field(default_factory=lambda: _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000"))
    service_api_key: str = field(default_factory=lambda: _env("SERVICE_API_KEY", DEFAULT_SERVICE_API_KEY))
    photo_max_bytes: int = field(default_factory=lambda: _env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024))
    max_request_bytes: int = field(default_factory=lambda: _env_int("MAX_REQUEST_BYTES", 12 * 1024 * 1024))
    token_max_age_days: int = field(default_factory=lambda: _env_int("TOKEN_MAX_AGE_DAYS", 30))
    staff_token_max_age_hours: int = field(default_factory=lambda: _env_int("STAFF_TOKEN_MAX_AGE_HOURS", 12))
    wechat_appid: str = field(default_factory=lambda: _env("WECHAT_APPID", "demo-appid"))
    wechat_secret: str = field(default_factory=lambda: _env("WECHAT_SECRET", ""))
    wechat_api_base: str = field(default_factory=lambda: _env("WECHAT_API_BASE", "https://api.weixin.qq.com"))
    sms_code_ttl_seconds: int = field(default_factory=lambda: _env_int("SMS_CODE_TTL_SECONDS", 300))
    auto_register_threshold: float = field(default_factory=lambda: _env_float("AUTO_REGISTER_THRESHOLD", 0.9))
    duplicate_radius_m: float = field(default_factory=lambda: _env_float("DUPLICATE_RADIUS_M", 50.0))
    duplicate_window_days: int = field(default_factory=lambda: _env_int("DUPLICATE_WINDOW_DAYS", 7))
    geocode_min_confidence: float = field(default_factory=lambda: _env_float("GEOCODE_MIN_CONFIDENCE", 0.5))
    # How near a report of a 部件 matter must be to a component of that type to be about it (service_api.components).
    component_match_radius_m: float = field(default_factory=lambda: _env_float("COMPONENT_MATCH_RADIUS_M", 30.0))
    area_code: str = field(default_factory=lambda: _env("AREA_CODE", "370202"))
    gazetteer_dir: Path = field(
        default_factory=lambda: Path(_env("GAZETTEER_DIR", str(PROJECT_ROOT / "intake" / "data" / "demo_city")))
    )
    intake_model_path: Path = field(
        default_factory=lambda: Path(
            _env("INTAKE_MODEL_PATH", str(PROJECT_ROOT / "intake" / "model" / "classifier.joblib"))
        )
    )
    intake_inline: bool = field(default_factory=lambda: _env_bool("INTAKE_INLINE", True))
    # When beat retrains the classifier on staff labels: a crontab "minute hour day month weekday" in UTC
    # (e.g. "0 19 * * 6" = Sundays 03:00 Asia/Shanghai); empty = never (service_api/learning).
    intake_retrain_cron: str = field(default_factory=lambda: _env_or_empty("INTAKE_RETRAIN_CRON", ""))
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005"))
    twilio_account_sid: str = field(default_factory=lambda: _env("TWILIO_ACCOUNT_SID", ""))
    twilio_auth_token: str = field(default_factory=lambda: _env("TWILIO_AUTH_TOKEN", ""))
    twilio_from_number: str = field(default_factory=lambda: _env("TWILIO_FROM_NUMBER", ""))
    twilio_messaging_service_sid: str = field(
        default_factory=lambda: _env("TWILIO_MESSAGING_SERVICE_SID", "")
    )
    twilio_agent_number: str = field(default_factory=lambda: _env("TWILIO_AGENT_NUMBER", ""))
    twilio_api_base: str = field(default_factory=lambda: _env("TWILIO_API_BASE", ""))
    # Notifications (notifications/ workers and the survey scheduler).
    # Asia/Shanghai time; empty or "off" = none (outbox_writer.parse_quiet_hours).
    quiet_hours: str = field(default_factory=lambda: _env_or_empty("QUIET_HOURS", "21:00-08:00"))
    notify_max_attempts: int = field(default_factory=lambda: _env_int("NOTIFY_MAX_ATTEMPTS", 6))
    notify_backoff_seconds: float = field(default_factory=lambda: _env_float("NOTIFY_BACKOFF_SECONDS", 30.0))
    notify_http_timeout: float = field(default_factory=lambda: _env_float("NOTIFY_HTTP_TIMEOUT", 10.0))
    outbox_dispatch_seconds: float = field(default_factory=lambda: _env_float("OUTBOX_DISPATCH_SECONDS", 2.0))
    outbox_batch_size: int = field(default_factory=lambda: _env_int("OUTBOX_BATCH_SIZE", 500))
    # Stats rollup (stats/rollup.py): how often beat refreshes it, and how far back before its watermark
    # a refresh looks for rows committed late (SQLite: at least 60 s).
    stats_refresh_seconds: float = field(default_factory=lambda: _env_float("STATS_REFRESH_SECONDS", 60.0))
    stats_refresh_margin_seconds: float = field(
        default_factory=lambda: _env_float("STATS_REFRESH_MARGIN_SECONDS", 5.0)
    )
    twilio_voice: str = field(default_factory=lambda: _env("TWILIO_VOICE", "alice"))
    wechat_survey_template_id: str = field(default_factory=lambda: _env("WECHAT_SURVEY_TEMPLATE_ID", ""))
    wechat_notify_template_id: str = field(default_factory=lambda: _env("WECHAT_NOTIFY_TEMPLATE_ID", ""))
    miniprogram_rating_page: str = field(
        default_factory=lambda: _env("MINIPROGRAM_RATING_PAGE", "pages/report/rate")
    )
    survey_delay_minutes: int = field(default_factory=lambda: _env_int("SURVEY_DELAY_MINUTES", 120))
    survey_reminder_hours: int = field(default_factory=lambda: _env_int("SURVEY_REMINDER_HOURS", 24))
    survey_expire_hours: int = field(default_factory=lambda: _env_int("SURVEY_EXPIRE_HOURS", 24))  # after reminder
    survey_cn_mode: str = field(default_factory=lambda: _env("SURVEY_CN_MODE", "callback"))  # link|callback|voice
    survey_reopen_on_unsatisfied: bool = field(
        default_factory=lambda: _env_bool("SURVEY_REOPEN_ON_UNSATISFIED", False)
    )
    # Open311 jurisdiction ids (comma list); when several, every Open311 call must name one.
    open311_jurisdictions: str = field(default_factory=lambda: _env("OPEN311_JURISDICTIONS", "qingdao.shinan"))
    rate_limit_storage_uri: str = field(default_factory=lambda: _env("RATE_LIMIT_STORAGE_URI", "memory://"))
    rate_limits_enabled: bool = field(default_factory=lambda: _env_bool("RATE_LIMITS_ENABLED", True))
    # Chat (POST /api/v1/chat): one conversation may send a message every two seconds; one client address may
    # carry many conversations, because a carrier's NAT or a WeChat/city proxy puts thousands of residents behind it.
    chat_limit_per_session: str = field(default_factory=lambda: _env("CHAT_LIMIT_PER_SESSION", "30/minute"))
    chat_limit_per_address: str = field(default_factory=lambda: _env("CHAT_LIMIT_PER_ADDRESS", "600/minute"))
    # How many reverse proxies in front of the app append X-Forwarded-For/-Proto (0 = none: trust no header).
    trusted_proxies: int = field(default_factory=lambda: _env_int("TRUSTED_PROXIES", 0))
    # Optional raster base map under the staff maps (service_api/maps/tiles.py); none by default, so maps work
    # offline on our own layers. MAP_TILE_CRS: cgcs2000 (天地图-style tiles) or gcj02 (AMap-style tiles).
    map_tile_url: str = field(default_factory=lambda: _env("MAP_TILE_URL", ""))
    map_tile_attribution: str = field(default_factory=lambda: _env("MAP_TILE_ATTRIBUTION", ""))
    map_tile_crs: str = field(default_factory=lambda: _env("MAP_TILE_CRS", "cgcs2000"))
    # Security and personal data (README "Security and personal data").
    # "production" turns on what a real deployment needs: demo and generated passwords must be changed at first
    # sign-in, the personal-data key must come from the environment, admins need a second factor.
    env: str = field(default_factory=lambda: _env("ENV", "development"))
    audit_retention_days: int = field(default_factory=lambda: max(_env_int("AUDIT_RETENTION_DAYS", 365), 183))
    contact_reveal_per_hour: int = field(default_factory=lambda: _env_int("CONTACT_REVEAL_PER_HOUR", 20))
    personal_data_retention_days: int = field(default_factory=lambda: _env_int("PERSONAL_DATA_RETENTION_DAYS", 730))
    staff_idle_timeout_minutes: int = field(default_factory=lambda: _env_int("STAFF_IDLE_TIMEOUT_MINUTES", 30))
    # Roles that must sign in with a TOTP code too (comma list); unset: admins in production, nobody elsewhere.
    totp_required_roles: str = field(default_factory=lambda: _env_or_empty(
        "TOTP_REQUIRED_ROLES", "admin" if _env("ENV", "development") == "production" else ""))
    personal_data_keys: str = field(default_factory=_personal_data_keys)
    personal_data_hash_key: str = field(default_factory=_personal_data_hash_key)
    # Extra sources for images in the Content-Security-Policy (map tile servers), space separated.
    csp_img_sources: str = field(default_factory=lambda: _env("CSP_IMG_SOURCES", ""))
    timezone: str = "Asia/Shanghai"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def flask_config(self) -> dict[str, object]:
        """The Flask config keys derived from these settings."""
        # PostgreSQL: pooled connections are checked for life at checkout by service_api.db_liveness
        # (no round trip), instead of pool_pre_ping's SELECT 1.
        engine_options: dict[str, object] = {}
        if self.database_url.startswith("sqlite"):
            engine_options = {"connect_args": {"timeout": 30}}
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "MAX_CONTENT_LENGTH": self.max_request_bytes,
            "API_TITLE": "城市运行管理服务平台 公众服务 API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "/docs",
            "OPENAPI_SWAGGER_UI_URL": "/static/vendor/node_modules/swagger-ui-dist/",
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": self.rate_limit_storage_uri,
            "RATELIMIT_ENABLED": self.rate_limits_enabled,
            "RATELIMIT_HEADERS_ENABLED": True,
            # Redis down must not take the API down: limit in memory per process until it is back.
            "RATELIMIT_SWALLOW_ERRORS": True,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        }
