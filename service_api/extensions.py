"""Flask extension singletons, bound to the app in the factory."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from service_api.auth.rate_keys import rate_limit_key
from service_api.models.base import Base
from service_api.schemas.common import ErrorSchema

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)


class ServiceApi(Api):
    ERROR_SCHEMA = ErrorSchema  # our error body ({"status": int, "code": str, ...}), not flask-smorest's


api = ServiceApi()
csrf = CSRFProtect()
limiter = Limiter(key_func=rate_limit_key)
