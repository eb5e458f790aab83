"""Python side of the worker canvas/retry interop tests (interop-tests/worker-canvas.test.ts, worker-retry.test.ts).

The same task names as interop-tests/apps/canvas-app.js. Producers import this app to build canvases
that the celeriac worker executes; a Python worker runs it for the mixed-fleet chord and the
cross-implementation retries.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CANVAS_COUNTER_URL (Redis for execution
records; defaults to the result backend).
"""
import json
import os
import time

import redis
from celery import Celery

app = Celery(
    "canvas_worker_app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = True

_counter = None


def counter():
    """One redis-py client for execution records, opened on first use."""
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(os.environ.get("CANVAS_COUNTER_URL", app.conf.result_backend))
    return _counter


@app.task(name="canvas.add")
def add(x, y):
    return x + y


@app.task(name="canvas.mul")
def mul(x, y):
    return x * y


@app.task(name="canvas.tsum")
def tsum(values):
    return sum(values)


@app.task(name="canvas.fail")
def fail(value):
    raise KeyError(f"no key for {value}")


@app.task(name="canvas.on_err")
def on_err(task_id):
    return f"errback saw {task_id}"


@app.task(name="canvas.echo")
def echo(*args):
    return list(args)


@app.task(name="canvas.retry_n", bind=True)
def retry_n(self, value, times):
    if self.request.retries < times:
        raise self.retry(countdown=0.2, exc=ValueError(f"attempt {self.request.retries}"))
    return {"value": value, "retries": self.request.retries, "by": "py"}


@app.task(name="canvas.handoff", bind=True)
def handoff(self, value, countdown_sec):
    """The first delivery retries after countdown_sec; a retry delivery returns who ran it."""
    if self.request.retries == 0:
        raise self.retry(countdown=countdown_sec)
    return {"value": value, "retries": self.request.retries, "by": "py"}


@app.task(name="canvas.part", bind=True)
def part(self, i, sleep_ms):
    counter().rpush(f"canvas:ran:{self.request.id}", "py")
    time.sleep(sleep_ms / 1000.0)
    return [i, "py"]


@app.task(name="canvas.collect", bind=True)
def collect(self, parts):
    counter().rpush(f"canvas:body:{self.request.id}", "py")
    return parts


def emit(value):
    """Prints the one JSON document the test reads (last stdout line)."""
    print(json.dumps(value, default=str), flush=True)


class ExpectedException(Exception):
    """The failure the complete-canvas cases expect (as Celery's t/integration ExpectedException)."""


@app.task(name="canvas.identity")
def identity(x):
    return x


@app.task(name="canvas.fail_expected")
def fail_expected(*args):
    raise ExpectedException("expected")


@app.task(name="canvas.redis_count")
def redis_count(key):
    """Counts its calls under `key` in the counter Redis (errback/callback counting)."""
    counter().incr(key)


@app.task(name="canvas.errback_new")
def errback_new(request, exc, traceback):
    """A new-style errback: the worker that sees the failure calls it in process with the request."""
    counter().incr(f"errback_new:{request.id}")
