"""Celery calls over RabbitMQ (broker pyamqp://, results in Redis) to a celeriac worker; prints one JSON map.

Each case is {"ok": <value>} or {"error": "<class>: <message>"} so one broken case does not hide the rest.
"""
import os

from tapp import add, app, emit

TIMEOUT = float(os.environ.get("CORE_TIMEOUT", "30"))


def case(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:  # report, do not stop: the test asserts per case
        return {"error": f"{type(exc).__name__}: {exc}"}


emit({
    "add": case(lambda: add.delay(2, 3).get(timeout=TIMEOUT)),
    "retries_header": case(lambda: app.send_task("tapp.ctx", args=(7,), retries=4).get(timeout=TIMEOUT)),
    "big_args": case(lambda: add.delay(2 ** 40, -(2 ** 33)).get(timeout=TIMEOUT)),
    "failure": case(lambda: app.send_task("tapp.fail_value", args=("nope",)).get(timeout=TIMEOUT)),
})
