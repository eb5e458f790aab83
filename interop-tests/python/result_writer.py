"""Writes task results with Python Celery's own backend, for celeriac's interop tests.

Usage: result_writer.py <result_backend_url> '<json list of operations>'
  {"op": "mark_as_done", "id": ..., "result": ...}
  {"op": "store_result", "id": ..., "state": ..., "result": ...}
  {"op": "mark_as_failure", "id": ..., "exc_type": "ValueError", "message": ...}
Prints "written <id>" after each write.
"""
import json
import sys

from celery import Celery

EXCEPTIONS = {"ValueError": ValueError, "KeyError": KeyError, "RuntimeError": RuntimeError}


def main():
    url = sys.argv[1]
    app = Celery("celeriac_interop_writer", broker=url, backend=url)
    backend = app.backend
    for op in json.loads(sys.argv[2]):
        if op["op"] == "mark_as_done":
            backend.mark_as_done(op["id"], op["result"])
        elif op["op"] == "store_result":
            backend.store_result(op["id"], op["result"], op["state"])
        elif op["op"] == "mark_as_failure":
            exc = EXCEPTIONS[op["exc_type"]](op["message"])
            backend.mark_as_failure(op["id"], exc, traceback="Traceback (most recent call last):\n  fake\n")
        else:
            raise SystemExit(f"unknown op {op['op']}")
        print(f"written {op['id']}", flush=True)


if __name__ == "__main__":
    main()
