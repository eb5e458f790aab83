#!/usr/bin/env python
"""Capture the wire dicts Python's celery.canvas builds (what a TS-built canvas must equal): the golden
fixture for test/unit/canvas/build-canvas-wire.test.ts.

    /work/main/.venv/bin/python interop-tests/python/canvas_build_capture.py > test/unit/canvas/fixtures/python-canvas-build.json

No broker: signatures are built, never sent.
"""
import json
from celery import Celery, chain, chord, group, signature

app = Celery("capture", broker="memory://", backend="cache+memory://")
s = lambda name, *a, **o: app.signature("t." + name, args=a, **o)
si = lambda name, *a: app.signature("t." + name, args=a, immutable=True)

cases = {
    "signature": s("add", 1, 2),
    "signature_options": app.signature("t.add", args=(1,), kwargs={"y": 2}, queue="q", countdown=3),
    "immutable": si("add", 1, 2),
    "chain3": chain(s("add", 1, 2), s("add", 3), s("add", 4)),
    "chain_nested": chain(chain(s("add", 1, 1), s("add", 2)), s("add", 3)),
    "group2": group(s("add", 1, 1), s("add", 2, 2)),
    "chord2": chord([s("add", 1, 1), s("add", 2, 2)], s("tsum")),
    "chain_group_task": chain(s("add", 1, 1), group(s("add", 2), s("add", 3)), s("tsum")),
    "chain_group_task_task": chain(group(s("add", 2, 2), s("add", 3, 3)), s("tsum"), s("add", 1)),
    "chain_one_group": chain(s("add", 1, 1), group(s("add", 2))),
    "chain_chord_task": chain(chord([s("add", 1, 1)], s("tsum")), s("add", 5)),
    "chain_ends_group": chain(s("add", 1, 1), group(s("add", 2), s("add", 3))),
}
print(json.dumps({k: dict(v) for k, v in cases.items()}, indent=1, sort_keys=False, default=list))
