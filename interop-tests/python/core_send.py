"""Enqueues tasks without waiting, as a producer does while no worker runs.

stdin: a JSON list of {"name", "args"?, "kwargs"?, "queue"?, "priority"?, "count"?}. With "count" the
spec is sent that many times and each message's args are [index] + args. Prints the ids in send order.
"""
import json
import sys

from tapp import app, emit

ids = []
with app.producer_or_acquire() as producer:
    for spec in json.load(sys.stdin):
        options = {k: spec[k] for k in ("queue", "priority") if k in spec}
        count = spec.get("count")
        for i in range(count if count is not None else 1):
            args = ([i] if count is not None else []) + list(spec.get("args", []))
            r = app.send_task(spec["name"], args=args, kwargs=spec.get("kwargs", {}), producer=producer, **options)
            ids.append(r.id)
emit(ids)
