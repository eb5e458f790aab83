"""Python side of the canvas/producer interop tests (celeriac issue 4).

A small Celery app whose tasks a celeriac producer sends and a real Python worker runs, and whose
follow-up messages (callbacks, chain steps, errbacks, chord body, retry) are captured as golden
vectors by canvas_capture.py.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import os

from celery import Celery

app = Celery(
    "canvas_app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = True


@app.task(name="canvas.add")
def add(x, y):
    return x + y


@app.task(name="canvas.tsum")
def tsum(values):
    return sum(values)


@app.task(name="canvas.fail")
def fail(key):
    raise KeyError(key)


@app.task(name="canvas.on_err")
def on_err(task_id):
    return "errback saw " + str(task_id)


@app.task(name="canvas.echo")
def echo(*args, **kwargs):
    return [list(args), kwargs]


@app.task(name="canvas.retry_once", bind=True)
def retry_once(self, value):
    """Retries once (countdown 100 s) so the captured retry message is held, not run."""
    if self.request.retries == 0:
        raise self.retry(exc=ValueError("boom " + str(value)), countdown=100)
    return value


@app.task(name="canvas.needs_retry", bind=True)
def needs_retry(self, value):
    """Fails on the first delivery; succeeds only when a retry message (retries >= 1) arrives."""
    if self.request.retries < 1:
        raise ValueError("first delivery of " + str(value))
    return {"value": value, "retries": self.request.retries, "parent_id": self.request.parent_id}
