#!/usr/bin/env python
"""Capture the messages Python's apply_async publishes for a chain, a group and a chord built by a
client (the golden fixture for test/unit/app/canvas-signature.test.ts), read in before_task_publish.

    /work/main/.venv/bin/python interop-tests/python/canvas_apply_capture.py > test/unit/app/fixtures/python-canvas-apply.json

Memory broker, cache backend: nothing leaves the process. Ids are random; the test renames every
uuid by order of first appearance on both sides.
"""
import json
from celery import Celery, chain, chord, group
from celery.signals import before_task_publish

app = Celery("capture", broker="memory://", backend="cache+memory://")
s = lambda name, *a: app.signature("t." + name, args=a)
si = lambda name, *a: app.signature("t." + name, args=a, immutable=True)
sent = []


@before_task_publish.connect
def record(sender=None, body=None, headers=None, routing_key=None, **_):
    args, kwargs, embed = body
    sent.append({"task": headers["task"], "id": headers["id"], "group": headers.get("group"), "group_index": headers.get("group_index"),
                 "root_id": headers["root_id"], "parent_id": headers["parent_id"], "args": list(args), "kwargs": kwargs,
                 "embed": embed, "routing_key": routing_key})


cases = {
    "chain": lambda: chain(s("add", 1, 2), s("add", 3), si("add", 4, 4)),
    "group": lambda: group(s("add", 1, 1), s("add", 2, 2)),
    "chord": lambda: chord([s("add", 1, 1), s("add", 2, 2)], s("tsum")),
    "chain_group_task": lambda: chain(s("add", 1, 1), group(s("add", 2), s("add", 3)), s("tsum")),
}
out = {}
for name, build in cases.items():
    sent.clear()
    build().apply_async()
    out[name] = list(sent)
print(json.dumps(out, indent=1, default=list))
