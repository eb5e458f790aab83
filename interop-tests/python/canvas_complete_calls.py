"""Canvases Celery's integration suite builds (chords as chain steps, chord errbacks, group bodies,
nested shapes, map/starmap/chunks), sent by plain Python Celery and awaited with .get(); prints one
JSON report. The same script runs against a celeriac worker and a stock Python worker
(interop-tests/worker-canvas-complete.test.ts), so the expected values are Python's own.

Usage: canvas_complete_calls.py
Each case is {"ok": <value>} or {"error": "<class>: <message>", "cls": ..., "args": [...]}.
"""
import os
import sys
import time
import uuid

from celery import chain, chord, group

from canvas_worker_app import add, app, counter, echo, emit, errback_new, fail, fail_expected, identity, redis_count, tsum

TIMEOUT = float(os.environ.get("CANVAS_TIMEOUT", "20"))


def case(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:  # report, do not stop: the test asserts per case
        return {"error": f"{type(exc).__name__}: {exc}", "cls": type(exc).__name__, "args": [str(a) for a in exc.args]}


def raised(fn):
    """The class and text of what fn() raises, or None when it returns."""
    try:
        fn()
        return None
    except Exception as exc:
        return {"cls": type(exc).__name__, "text": str(exc)}


def wait_count(key, at_least):
    """Waits (up to TIMEOUT) until the counter at key reaches at_least; returns its value."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = int(counter().get(key) or 0)
        if value >= at_least:
            return value
        time.sleep(0.05)
    return int(counter().get(key) or 0)


def chain_group_task():
    # group | task inside a chain is upgraded to a chord: the worker applies a chord as the next step
    res = chain(add.s(1, 1), group(add.s(2), add.s(3)), tsum.s()).apply_async()
    return {"value": res.get(timeout=TIMEOUT), "parent": res.parent.get(timeout=TIMEOUT)}


def chain_ending_group():
    return chain(add.s(1, 1), group(add.s(10), add.s(20))).apply_async().get(timeout=TIMEOUT)


def chord_mid_chain():
    res = chain(add.s(1, 2), chord([add.s(1), add.s(2)], tsum.s()), add.s(100)).apply_async()
    return res.get(timeout=TIMEOUT)


def chord_into_chord():
    # chord1's body becomes chain(tsum, chord2): a chord applied as a chord body, then a group of results
    c = chain(group(add.si(1, 1), add.si(2, 2)), tsum.s(), group(add.s(1), add.s(2)), tsum.s())
    return c.apply_async().get(timeout=TIMEOUT)


def chain_in_group_in_chain():
    return chain(add.s(5, 6), group(chain(add.s(1), add.s(2)), add.s(3))).apply_async().get(timeout=TIMEOUT)


def chord_header_link_error(allow):
    app.conf.task_allow_error_cb_on_chord_header = allow
    try:
        key = f"count:{uuid.uuid4()}"
        c = chord([fail.s("x"), add.si(1, 1)], identity.s())
        c.link_error(redis_count.si(key))
        res = c.delay()
        error = raised(lambda: res.get(timeout=TIMEOUT))
        expected = 2 if allow else 1
        body = res.get(timeout=TIMEOUT, propagate=False, follow_parents=False)
        return {"raised": error["cls"] if error else None, "count": wait_count(key, expected), "body": type(body).__name__}
    finally:
        app.conf.task_allow_error_cb_on_chord_header = False


def chord_group_body_fails():
    res = chain(group([add.si(15, 7), fail_expected.si()]), group(identity.s(), identity.s())).apply_async()
    error = raised(lambda: res.get(timeout=TIMEOUT))
    return {"raised": error["cls"] if error else None, "states": [r.state for r in res.results]}


def nested_shape():
    c = chord(group(chain(identity.s(42), group(identity.s(), identity.s()))), identity.s())
    return c.delay().get(timeout=TIMEOUT)


def chain_in_header_fails():
    res = chord([chain(add.s(1, 1), fail.s()), add.s(2, 2)], tsum.s()).delay()
    error = raised(lambda: res.get(timeout=TIMEOUT))
    body = res.get(timeout=TIMEOUT, propagate=False, follow_parents=False)
    return {"raised": error, "body": type(body).__name__, "text": str(body)}


def chain_children():
    # children of a task whose next chain step is a chord: the chord header's GroupResult
    res = chain(add.s(1, 1), group(add.s(2), add.s(3)), tsum.s()).apply_async()
    res.get(timeout=TIMEOUT)
    first = res.parent.parent
    children = first.children or []
    return [[type(c).__name__, c.as_tuple()] for c in children]


def chord_as_link():
    c = chord([add.s(1), add.s(2)], tsum.s())
    body = c.freeze()
    res = add.apply_async((1, 1), link=c)
    res.get(timeout=TIMEOUT)
    return {"body": body.get(timeout=TIMEOUT), "header": body.parent.get(timeout=TIMEOUT),
            "children": [c.as_tuple() for c in res.children or []]}


def chord_as_errback():
    c = chord([identity.s(), identity.s()], echo.s())
    body = c.freeze()
    res = fail.apply_async(("e",), link_error=c)
    raised(lambda: res.get(timeout=TIMEOUT))
    [[a, b]] = body.get(timeout=TIMEOUT)
    return {"same_as_failed": [a == res.id, b == res.id]}


def chord_in_header():
    inner = chord([add.s(1, 1), add.s(2, 2)], tsum.s())
    return chord([inner, add.s(3, 3)], tsum.s()).delay().get(timeout=TIMEOUT)


def two_chords_in_chain():
    c = chain(chord([add.s(1, 1), add.s(2, 2)], tsum.s()), chord([add.s(10), add.s(20)], tsum.s()))
    return c.apply_async().get(timeout=TIMEOUT)


def group_body_succeeds():
    return chain(group(add.si(1, 1), add.si(2, 2)), group(tsum.s(), tsum.s())).apply_async().get(timeout=TIMEOUT)


def chord_body_link():
    key = f"count:{uuid.uuid4()}"
    c = chord([add.s(1, 1), add.s(2, 2)], tsum.s())
    c.link(redis_count.si(key))
    value = c.delay().get(timeout=TIMEOUT)
    return {"value": value, "count": wait_count(key, 1)}


def group_of_chains_with_chord():
    return group(chain(add.s(1, 1), chord([add.s(1), add.s(2)], tsum.s())), add.s(5, 5)).apply_async().get(timeout=TIMEOUT)


def new_style_errback():
    # called in process with (request, exc, traceback) by the worker that ran the failed task: no message
    res = fail.apply_async(("n",), link_error=errback_new.s())
    raised(lambda: res.get(timeout=TIMEOUT))
    return wait_count(f"errback_new:{res.id}", 1)


def chord_new_style_errback():
    c = chord([fail.s("x")], identity.s())
    c.link_error(errback_new.s())
    res = c.delay()
    res.get(timeout=TIMEOUT, propagate=False, follow_parents=False)
    return wait_count(f"errback_new:{res.id}", 1)


def xmap():
    return tsum.map([[1, 2], [3, 4, 5]]).delay().get(timeout=TIMEOUT)


def xstarmap():
    return add.starmap([(1, 2), (3, 4)]).delay().get(timeout=TIMEOUT)


def chunks():
    return add.chunks(zip(range(5), range(5)), 2).delay().get(timeout=TIMEOUT)


CASES = {
    "chain_group_task": chain_group_task,
    "chain_ending_group": chain_ending_group,
    "chord_mid_chain": chord_mid_chain,
    "chord_into_chord": chord_into_chord,
    "chain_in_group_in_chain": chain_in_group_in_chain,
    "chord_header_link_error": lambda: chord_header_link_error(False),
    "chord_header_link_error_allowed": lambda: chord_header_link_error(True),
    "chord_group_body_fails": chord_group_body_fails,
    "nested_shape": nested_shape,
    "chain_in_header_fails": chain_in_header_fails,
    "chain_children": chain_children,
    "chord_as_link": chord_as_link,
    "chord_as_errback": chord_as_errback,
    "chord_in_header": chord_in_header,
    "two_chords_in_chain": two_chords_in_chain,
    "group_body_succeeds": group_body_succeeds,
    "chord_body_link": chord_body_link,
    "group_of_chains_with_chord": group_of_chains_with_chord,
    "new_style_errback": new_style_errback,
    "chord_new_style_errback": chord_new_style_errback,
    "xmap": xmap,
    "xstarmap": xstarmap,
    "chunks": chunks,
}


def main(argv):
    names = argv[1:] or list(CASES)
    emit({name: case(CASES[name]) for name in names})


main(sys.argv)
