"""Reads task results the way a Python Celery client does, for celeriac's interop tests.

Usage: result_reader.py <result_backend_url> <mode>:<task_id> ...
  mode "get":  AsyncResult(id).get(timeout=10), then .state/.info/.traceback
  mode "peek": only .state/.info/.traceback (for states get() would wait on)
Prints one JSON object per task id, in order. Set CELERIAC_KEYPREFIX to use a global_keyprefix.
"""
import datetime
import json
import os
import sys

from celery import Celery
from celery.result import AsyncResult


def jsonable(value):
    """Turns Python values (datetimes, exceptions) into JSON the test can assert on."""
    if isinstance(value, BaseException):
        return {"exception": type(value).__name__, "module": type(value).__module__, "args": jsonable(list(value.args))}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def read(app, mode, task_id):
    result = AsyncResult(task_id, app=app)
    out = {"id": task_id}
    if mode == "get":
        try:
            out["value"] = jsonable(result.get(timeout=10))
        except Exception as exc:  # the test asserts on the class and message
            out["raised"] = {"type": type(exc).__name__, "module": type(exc).__module__,
                             "message": str(exc), "args": jsonable(list(exc.args))}
    out["state"] = result.state
    out["info"] = jsonable(result.info)
    out["traceback"] = result.traceback
    return out


def main():
    url = sys.argv[1]
    app = Celery("celeriac_interop_reader", broker=url, backend=url)
    prefix = os.environ.get("CELERIAC_KEYPREFIX")
    if prefix:
        app.conf.result_backend_transport_options = {"global_keyprefix": prefix}
    for arg in sys.argv[2:]:
        mode, _, task_id = arg.partition(":")
        print(json.dumps(read(app, mode, task_id)), flush=True)


if __name__ == "__main__":
    main()
