#!/usr/bin/env python
"""Producer side of interop-tests/worker-replace.test.ts: plain Python Celery calls the tasks of
replace_app.py (replace with a task, a chain, a group in and out of a chain, a replaced chord
member, a replaced task that fails, add_to_chord with a task and a chord, tasks and a canvas sent
from inside a task) and prints one JSON report of what AsyncResult.get()/state/children read back,
task ids replaced by what they are. Run against a celeriac worker and a stock Python worker.
"""
import json

from celery import chain, chord, group
from celery.backends.base import SyncBackendMixin
from celery.result import AsyncResult

from replace_app import (add, add_chord_to_chord, add_replaced, add_to_chord, app, build_chain, fail_replaced, identity,
                         replace_with_chain, replace_with_group, send_then_fail, sender, tsum)

T = 60


def meta(task_id):
    return app.backend.get_task_meta(task_id)


def child_view(tup, parent_id):
    """A stored child result tuple as the test compares it: its task name, whether its parent is ours,
    its value. Waited for by reading its state (the sync backends' wait_for), not pub/sub: a child finishing
    while get() subscribes (its GET and SUBSCRIBE go over two connections) can be missed by the
    client, whichever worker ran it."""
    (task_id, _parent), members = tup
    if members:
        return {"group": [child_view(m, parent_id) for m in members]}
    m = SyncBackendMixin.wait_for(app.backend, task_id, timeout=T, interval=0.05)
    return {"task": m.get("name"), "parent_is_sender": m.get("parent_id") == parent_id, "value": m.get("result")}


def children_of(task_id):
    return [child_view(c, task_id) for c in (meta(task_id).get("children") or [])]


def shape(value):
    if isinstance(value, str):
        return "id"
    if isinstance(value, (list, tuple)):
        return [shape(v) for v in value]
    return value


def replaced_task(r):
    value = r.get(timeout=T)
    m = meta(r.id)
    return {"value": value, "state": r.state, "name": m.get("name"), "parent_is_itself": m.get("parent_id") == r.id,
            "children": children_of(r.id)}


report = {}
report["task"] = replaced_task(add_replaced.delay(2, 3))
report["task_with_link"] = replaced_task(add_replaced.apply_async((2, 3), link=identity.s()))
report["in_chain"] = chain(add.s(1, 1), add_replaced.s(10), add.s(100)).delay().get(timeout=T)
report["chain_in_chain"] = chain(identity.s(5), replace_with_chain.s(), add.s(1000)).delay().get(timeout=T)
report["chain_alone"] = replace_with_chain.delay(5).get(timeout=T)
report["group_in_chain"] = chain(identity.s([1, 2]), replace_with_group.s(10), tsum.s()).delay().get(timeout=T)
report["group_alone"] = replace_with_group.delay([1, 2], 10).get(timeout=T)
report["chord_member"] = chord([add_replaced.s(1, 2), add.s(3, 4)], tsum.s()).delay().get(timeout=T)
failed = fail_replaced.delay("gone")
exc = failed.get(timeout=T, propagate=False)
report["fails"] = {"state": failed.state, "exc": type(exc).__name__, "args": list(exc.args)}
report["add_to_chord"] = sorted((group([add_to_chord.s([1, 2], 4)]) | identity.s()).delay().get(timeout=T))
report["add_chord_to_chord"] = sorted((group([add_chord_to_chord.s([1, 2], 4)]) | identity.s()).delay().get(timeout=T))
sent = sender.delay(1)
report["sender"] = {"value": sent.get(timeout=T), "children": children_of(sent.id)}
failing = send_then_fail.delay(1)
report["send_then_fail"] = {"exc": type(failing.get(timeout=T, propagate=False)).__name__, "children": children_of(failing.id)}
built = build_chain.delay()
returned = built.get(timeout=T)
report["build_chain"] = {"returned": shape(returned), "last": AsyncResult(returned[0][0], app=app).get(timeout=T),
                         "children": children_of(built.id)}
print(json.dumps(report))
