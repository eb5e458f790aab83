"""Python side of the stamping / remote-control interop test (interop-tests/worker-stamping-control.test.ts).

The JS app interop-tests/apps/stamping-app.js registers the same names; a Python worker runs these
bodies so the test can compare what each worker stores and answers.
Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import os
import time

from celery import Celery
from celery.canvas import StampingVisitor

app = Celery(
    "stamping_app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.result_extended = True
app.conf.broker_connection_retry_on_startup = True


class MonitoringIdVisitor(StampingVisitor):
    """Stamps every signature of a canvas with one monitoring id (as the Celery suite's visitor)."""

    def __init__(self, monitoring_id):
        self.monitoring_id = monitoring_id

    def on_signature(self, sig, **headers):
        return {"monitoring_id": self.monitoring_id}


@app.task(name="stamp.add")
def add(x, y):
    return x + y


@app.task(name="stamp.sleep")
def sleep(ms):
    time.sleep(ms / 1000.0)
    return ms


@app.task(name="stamp.request", bind=True)
def request_details(self):
    """What the task sees of its request: stamps and message properties."""
    props = self.request.properties or {}
    return {
        "stamped_headers": self.request.stamped_headers,
        "stamps": self.request.stamps,
        "app_id": props.get("app_id"),
        "test_properties": props.get("test_properties"),
    }


@app.task(name="stamp.retry_once", bind=True)
def retry_once(self, *args, expires=None, max_retries=1, countdown=0.1):
    """Celery's suite task: retried once, returns the retry count."""
    if self.request.retries:
        return self.request.retries
    raise self.retry(countdown=countdown, expires=expires, max_retries=max_retries)
