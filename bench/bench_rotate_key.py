"""Key rotation benchmark: `flask privacy rotate-key` (service_api/personal_data/rotation.py) over residents'
encrypted phones on PostgreSQL, and the same run again once everything is under the new key.

    .venv/bin/python bench/bench_rotate_key.py [--rows 50000] [--database-url postgresql://postgres@127.0.0.1/postgres]

Makes its own database (dropped afterwards), migrates it, stores ROWS residents with a phone under an old key,
then rotates to a new key first in PERSONAL_DATA_KEYS. Prints one JSON line per phase.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.config import Settings
    from service_api.extensions import db
    from service_api.models import Citizen
    from service_api.models.encrypted import phone_hash
    from service_api.personal_data.rotation import rotate

    name = f"bench_rotate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.database_url.rsplit("/", 1)[0] + "/" + name
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=url, photo_storage_dir=Path(tmp), secret_key="bench",
                                celery_broker_url="memory://", personal_data_keys=old,
                                personal_data_hash_key="bench-hash-key")
            app = create_app(settings=settings)
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
                started = time.perf_counter()
                for start in range(0, args.rows, 5000):
                    phones = [f"+86139{n:08d}" for n in range(start, min(start + 5000, args.rows))]
                    db.session.execute(insert(Citizen), [{"phone": p, "phone_hash": phone_hash(p)} for p in phones])
                    db.session.commit()
                print(json.dumps({"phase": "store under the old key", "rows": args.rows,
                                  "seconds": round(time.perf_counter() - started, 1)}))
                settings.personal_data_keys = f"{new},{old}"
                for phase in ("rotate", "run again (nothing to do)"):
                    started = time.perf_counter()
                    result = rotate()
                    seconds = time.perf_counter() - started
                    print(json.dumps({"phase": phase, "rewritten": result.total, "current": result.current,
                                      "seconds": round(seconds, 1),
                                      "rows_per_second": round((result.total + result.current) / seconds)}))
                settings.personal_data_keys = new
                sample = db.session.execute(text("SELECT phone FROM citizens ORDER BY id DESC LIMIT 1")).scalar()
                assert Fernet(new.encode()).decrypt(sample[4:].encode()).decode().startswith("+86139")
                db.session.remove()
                db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
