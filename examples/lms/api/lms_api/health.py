"""`GET /health/detailed`: the database, the broker and the Celery workers, each with a status."""
import time
from typing import Any

from . import db
from .celery_app import celery_app

INSPECT_TIMEOUT_SEC = 1.0


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        body = {"status": "healthy", **check()}
    except Exception as exc:  # a health endpoint reports failures, it does not raise them
        body = {"status": "unhealthy", "error": f"{type(exc).__name__}: {exc}"}
    body["response_time_ms"] = round((time.monotonic() - started) * 1000, 1)
    return body


def _database() -> dict:
    with db.connect() as conn:
        conn.one("SELECT 1 AS ok")
    return {"dialect": "postgresql" if db.is_postgres() else "sqlite"}


def _broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {}


def _result_backend() -> dict:
    celery_app.backend.client.ping()
    return {}


def _celery() -> dict[str, Any]:
    inspect = celery_app.control.inspect(timeout=INSPECT_TIMEOUT_SEC)
    replies = inspect.ping() or {}
    workers = sorted(replies)
    active: dict[str, list] = {}
    if workers:
        active = celery_app.control.inspect(destination=workers, timeout=INSPECT_TIMEOUT_SEC).active() or {}
    body: dict[str, Any] = {
        "workers": workers,
        "worker_count": len(workers),
        "active_tasks": sum(len(tasks) for tasks in active.values()),
        "active_by_worker": {name: len(tasks) for name, tasks in active.items()},
    }
    if not workers:
        body["status"] = "unhealthy"
        body["error"] = "no workers answered ping"
    return body


def detailed_health() -> dict:
    components = {"database": _timed(_database), "broker": _timed(_broker),
                  "result_backend": _timed(_result_backend), "celery": _timed(_celery)}
    unhealthy = [name for name, c in components.items() if c["status"] != "healthy"]
    status = "healthy" if not unhealthy else ("degraded" if unhealthy == ["celery"] else "unhealthy")
    return {"status": status, "components": components}
