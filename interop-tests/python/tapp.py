"""The Python side of the interop app.

Producers import the task objects below and call them (``add.delay(2, 3)``); the JS app
(interop-tests/apps/tapp.js) registers the same names. ``add``, ``greet`` and ``fleet`` also have
real Python bodies so a Python worker can run them in the mixed-fleet test.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND, TAPP_ACKS_LATE=1, TAPP_VISIBILITY_TIMEOUT=<s>,
TAPP_COUNTER_URL (Redis for execution records; defaults to the result backend), TAPP_CONF (a JSON
object of Celery settings applied last, e.g. broker_use_ssl and the transport options for Sentinel).
"""
import json
import os
import time

import redis
from celery import Celery

app = Celery(
    "tapp",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.task_acks_late = os.environ.get("TAPP_ACKS_LATE") == "1"
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = True
if os.environ.get("TAPP_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {"visibility_timeout": float(os.environ["TAPP_VISIBILITY_TIMEOUT"])}
if os.environ.get("TAPP_CONF"):
    app.conf.update(json.loads(os.environ["TAPP_CONF"]))

_counter = None


def counter():
    """One redis-py client for execution records, opened on first use."""
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(os.environ.get("TAPP_COUNTER_URL", app.conf.result_backend))
    return _counter


@app.task(name="tapp.add")
def add(x, y):
    return x + y


@app.task(name="tapp.greet")
def greet(name, greeting):
    return f"{greeting}, {name}"


@app.task(name="tapp.fleet", bind=True)
def fleet(self, i, sleep_ms):
    """Records which worker ran this delivery, then works for sleep_ms."""
    c = counter()
    c.rpush(f"tapp:ran:{self.request.id}", f"py:{self.request.hostname}")
    # The fleet test parks a Python worker inside a task before kill -9, so the kill cannot land in
    # kombu's own crash window between BRPOP and recording the message as unacked (spec 2.5).
    if c.get("tapp:hold"):
        c.set("tapp:holding", self.request.hostname)
        while c.get("tapp:hold"):
            time.sleep(0.005)
    time.sleep(sleep_ms / 1000.0)
    return {"i": i, "by": "py"}


def emit(value):
    """Prints the one JSON document the test reads (last stdout line)."""
    print(json.dumps(value, default=str), flush=True)
