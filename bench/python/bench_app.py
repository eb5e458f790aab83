"""The benchmark app: bench.noop and bench.sleep(ms), results stored.

BENCH_ACKS_LATE=1 (the bench's default for every leg) sets task_acks_late, the worker's prefetch multiplier
comes from the command line (--prefetch-multiplier).
"""
import os
import time

from celery import Celery

app = Celery(
    "bench",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True
app.conf.task_acks_late = os.environ.get("BENCH_ACKS_LATE", "1") == "1"


@app.task(name="bench.noop")
def noop():
    return None


@app.task(name="bench.sleep")
def sleep(ms):
    """Blocking I/O stand-in: time.sleep, no asyncio."""
    time.sleep(ms / 1000.0)
    return None
