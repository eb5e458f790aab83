#!/usr/bin/env python
"""Capture what Python's Task.replace() and Task.add_to_chord() publish from inside a running task
(the golden fixture for test/unit/canvas/plan-replace.test.ts), read in before_task_publish.

    /work/main/.venv/bin/python interop-tests/python/replace_capture.py > test/unit/canvas/fixtures/python-replace.json

Each case pushes a worker-like request (ids, chain, callbacks, errbacks, chord membership) on a
bound task, calls replace/add_to_chord and records the messages, plus the chord-size calls a Redis
backend would make (set_chord_size, add_to_chord). Memory broker: nothing leaves the process.
"""
import json
from celery import Celery, chain, chord, group
from celery._state import _task_stack
from celery.exceptions import Ignore, ImproperlyConfigured
from celery.signals import before_task_publish

app = Celery("capture", broker="memory://", backend="cache+memory://")
app.conf.task_allow_error_cb_on_chord_header = False
s = lambda name, *a, **kw: app.signature("t." + name, args=a, kwargs=kw)
si = lambda name, *a, **kw: app.signature("t." + name, args=a, kwargs=kw, immutable=True)
sent, chord_calls = [], []


@app.task(bind=True, name="t.replacer")
def replacer(self):
    pass


@before_task_publish.connect
def record(sender=None, body=None, headers=None, routing_key=None, **_):
    args, kwargs, embed = body
    sent.append({"task": headers["task"], "id": headers["id"], "group": headers.get("group"), "group_index": headers.get("group_index"),
                 "root_id": headers["root_id"], "parent_id": headers["parent_id"], "replaced_task_nesting": headers.get("replaced_task_nesting"),
                 "args": list(args), "kwargs": kwargs, "embed": embed})


backend = app.backend
backend.set_chord_size = lambda gid, size: chord_calls.append(["set-chord-size", gid, size])
backend.add_to_chord = lambda gid, result: chord_calls.append(["add-to-chord", gid])
backend.apply_chord = lambda *a, **k: None  # the Redis backend saves nothing for a header of plain tasks


def frozen(sig):
    sig.freeze()
    return json.loads(json.dumps(dict(sig)))


def plain(value):
    return json.loads(json.dumps(value, default=list))


def run(request, replacement, action="replace"):
    sent.clear()
    chord_calls.clear()
    req = {"id": "task-1", "root_id": "root-1", "parent_id": "parent-1", "group": None, "group_index": None, "chord": None,
           "chain": None, "callbacks": None, "errbacks": None, "replaced_task_nesting": 0, **request}
    given = plain(dict(replacement))
    replacer.push_request(called_directly=False, is_eager=False, hostname="capture@host", **req)
    _task_stack.push(replacer)
    error = None
    try:
        if action == "replace":
            replacer.replace(replacement)
        else:
            replacer.add_to_chord(replacement)
    except Ignore:
        pass
    except (ImproperlyConfigured, ValueError) as exc:
        error = [type(exc).__name__, str(exc)]
    finally:
        _task_stack.pop()
        replacer.pop_request()
    return {"action": action, "request": req, "replacement": given, "sent": plain(list(sent)), "chordCalls": list(chord_calls), "error": error}


body = frozen(s("tsum"))
cases = {
    "task": lambda: run({}, s("add", 1, 2)),
    "task_in_chain_with_links": lambda: run({"chain": [frozen(s("add", 10)), frozen(s("add", 20))], "callbacks": [plain(dict(s("echo")))],
                                             "errbacks": [plain(dict(si("echo", "err")))]}, s("add", 1, 2)),
    "chain_with_link_in_chain": lambda: run({"chain": [frozen(s("add", "world"))]}, _linked(chain(s("identity", "a"), s("identity")))),
    "chain_with_link_alone": lambda: run({}, _linked(chain(s("identity", "a"), s("identity")))),
    "group_in_chain": lambda: run({"chain": [frozen(s("tsum"))]}, group(s("add", 1, 1), s("add", 2, 2))),
    "group_alone": lambda: run({}, group(s("add", 1, 1), s("add", 2, 2))),
    "chord_member": lambda: run({"group": "group-1", "group_index": 1, "chord": body}, s("add", 3, 4)),
    "chord_member_by_group": lambda: run({"group": "group-1", "group_index": 0, "chord": body}, group(s("add", 5), s("add", 6))),
    "nested_replace_in_chain": lambda: run({"chain": [frozen(si("second", state=True))], "replaced_task_nesting": 1},
                                           chain(s("echo", "C"), si("first", state=True))),
    "empty_chain": lambda: run({}, chain()),
    "part_of_chord": lambda: run({}, s("add", 1, 2).set(chord=body)),
    "add_task_to_chord": lambda: run({"group": "group-1", "group_index": 0, "chord": body}, s("add", 1, 4), "add_to_chord"),
    "add_chord_to_chord": lambda: run({"group": "group-1", "group_index": 0, "chord": body},
                                      group([s("add", 1, 4), s("add", 2, 4)]) | s("tsum"), "add_to_chord"),
    "add_outside_chord": lambda: run({}, s("add", 1, 4), "add_to_chord"),
}


def _linked(c):
    c.link(si("echo", "linked"))
    return c


print(json.dumps({name: build() for name, build in cases.items()}, indent=1))
