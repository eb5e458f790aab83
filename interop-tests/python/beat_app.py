"""Python Celery app for the beat interop tests: a task that records each execution.

A celeriac beat sends ``beat.record`` on a short interval; a stock ``celery worker`` runs it
unchanged. Each run is appended to the Redis list ``beat:executed`` (on BEAT_RECORD_URL) as JSON
with the task id, its argument and the ``expires`` header the worker saw.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND, BEAT_RECORD_URL.
"""
import json
import os

import redis
from celery import Celery

app = Celery(
    "beat_app",
    broker=os.environ["CELERY_BROKER_URL"],
    backend=os.environ["CELERY_RESULT_BACKEND"],
)
app.conf.broker_connection_retry_on_startup = True

_records = None


def records():
    """One redis-py client for execution records, opened on first use."""
    global _records
    if _records is None:
        _records = redis.Redis.from_url(os.environ["BEAT_RECORD_URL"])
    return _records


@app.task(name="beat.record", bind=True)
def record(self, label):
    """Appends this execution to beat:executed and returns the label."""
    expires = self.request.expires
    records().rpush("beat:executed", json.dumps({
        "id": self.request.id,
        "label": label,
        "expires": expires.isoformat() if hasattr(expires, "isoformat") else expires,
        "fence": getattr(self.request, "celeriac_beat_fence", None),
    }))
    return label
