"""Waits on each task id (stdin: JSON list) with AsyncResult.get() and prints {id: outcome}."""
import json
import sys

from tapp import app, emit

out = {}
for task_id in json.load(sys.stdin):
    r = app.AsyncResult(task_id)
    try:
        out[task_id] = {"state": "SUCCESS", "value": r.get(timeout=30)}
    except Exception as exc:
        out[task_id] = {"state": r.state, "error": f"{type(exc).__name__}: {exc}"}
emit(out)
