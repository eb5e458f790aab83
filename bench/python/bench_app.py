"""The benchmark app: one no-op task, results stored (Celery defaults otherwise)."""
import os

from celery import Celery

app = Celery(
    "bench",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True


@app.task(name="bench.noop")
def noop():
    return None
