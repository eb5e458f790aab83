"""The Python side of the rpc:// result backend interop test: same task names as interop-tests/apps/rpc-app.js.

Environment: CELERY_BROKER_URL (pyamqp://...), CELERY_RESULT_BACKEND (rpc://), RPC_TRACK_STARTED=1.
"""
import os

from celery import Celery

app = Celery("rpc_app", broker=os.environ["CELERY_BROKER_URL"], backend=os.environ.get("CELERY_RESULT_BACKEND", "rpc://"))
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = True
app.conf.task_track_started = os.environ.get("RPC_TRACK_STARTED") == "1"


@app.task(name="rpc.add")
def add(x, y):
    return x + y


@app.task(name="rpc.fail")
def fail(msg):
    raise ValueError(msg)


@app.task(name="rpc.flaky", bind=True)
def flaky(self, value):
    if self.request.retries < 1:
        raise self.retry(countdown=0.1, exc=ValueError(f"attempt {self.request.retries}"))
    return {"value": value, "retries": self.request.retries}


@app.task(name="rpc.tsum")
def tsum(values):
    return sum(values)


def emit_ready(value):
    """Prints the one JSON document the test reads (last stdout line)."""
    import json
    print(json.dumps(value, default=str), flush=True)
