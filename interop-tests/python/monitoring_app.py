"""Python side of the monitoring interop tests (Flower, ``celery inspect``/``control``, ``celery events``).

The same task names as the celeriac app the monitoring tests generate, so that Flower (``-A
monitoring_app``) knows them (its rate-limit/time-limit buttons refuse unknown task names) and a
Python worker in the fleet can run them.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import os
import time

import redis
from celery import Celery

app = Celery(
    "monitoring_app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True

_counter = None


def counter():
    """One redis-py client on the result DB for execution records, opened on first use."""
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(app.conf.result_backend)
    return _counter


@app.task(name="tapp.add")
def add(x, y):
    return x + y


@app.task(name="mon.fail")
def fail(msg):
    raise KeyError(msg)


@app.task(name="mon.record", bind=True)
def record(self, tag):
    """Appends ``<tag>`` to the ``mon:ran`` list, so a test can tell which tasks ran."""
    counter().rpush("mon:ran", tag)
    return tag


@app.task(name="mon.wait", bind=True)
def wait(self, ms):
    """Marks itself started, then works for ``ms`` milliseconds."""
    counter().set(f"mon:started:{self.request.id}", "1")
    time.sleep(ms / 1000.0)
    return ms
