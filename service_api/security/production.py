"""What ENV=production refuses to start without."""

from __future__ import annotations

import os

from service_api.config import Settings


def check_production_settings(settings: Settings) -> None:
    """In production the keys of residents' data come from the environment (a secrets store), never from a
    file the embedded default made on the same disk as the database."""
    if not settings.production:
        return
    missing = [name for name in ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY", "SECRET_KEY")
               if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"ENV=production needs {', '.join(missing)} in the environment "
                           "(README: Security and personal data)")
