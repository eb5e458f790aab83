"""Builds canvases and retries with Python Celery and awaits them with .get(); prints one JSON report.

Usage: canvas_worker_calls.py canvas          -- chain, group, chord, link, link_error, failing chain (queue celery)
       canvas_worker_calls.py retry           -- a task that retries twice (queue celery)
       canvas_worker_calls.py fleet_chord     -- chord of 10 on queue fleet (two implementations share it)
       canvas_worker_calls.py send QUEUE SEC  -- sends canvas.handoff (retry countdown SEC) to QUEUE, prints its id
       canvas_worker_calls.py get ID          -- waits for ID and prints its outcome
Each case is {"ok": <value>} or {"error": "<class>: <message>", ...} so one broken case does not hide the rest.
"""
import os
import sys

from celery import chain, chord, group

from canvas_worker_app import add, app, collect, echo, emit, fail, handoff, on_err, part, retry_n, tsum

TIMEOUT = float(os.environ.get("CANVAS_TIMEOUT", "30"))


def case(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:  # report, do not stop: the test asserts per case
        return {"error": f"{type(exc).__name__}: {exc}", "cls": type(exc).__name__, "module": type(exc).__module__,
                "args": [str(a) for a in exc.args]}


def chain3():
    res = chain(add.s(1, 2), add.s(10), add.s(100)).apply_async()
    value = res.get(timeout=TIMEOUT)
    return {"value": value, "parent": res.parent.get(timeout=TIMEOUT), "grandparent": res.parent.parent.get(timeout=TIMEOUT)}


def group5():
    return group(add.s(i, i) for i in range(5)).apply_async().get(timeout=TIMEOUT)


def chord10():
    res = chord((add.s(i, 1) for i in range(10)), tsum.s()).apply_async()
    return res.get(timeout=TIMEOUT)


def link():
    res = add.apply_async((2, 3), link=echo.s("linked"))
    value = res.get(timeout=TIMEOUT)
    children = res.children or []
    return {"value": value, "children": [c.get(timeout=TIMEOUT) for c in children]}


def link_error():
    errback = on_err.s()
    errback.freeze()
    res = fail.apply_async(("k",), link_error=errback)
    try:
        res.get(timeout=TIMEOUT)
        raised = None
    except Exception as exc:  # the failure itself is expected
        raised = type(exc).__name__
    return {"raised": raised, "errback": app.AsyncResult(errback.id).get(timeout=TIMEOUT), "task_id": res.id}


def failing_chain():
    res = chain(add.s(1, 2), fail.s(), add.s(100)).apply_async()
    out = {}
    try:
        res.get(timeout=TIMEOUT)
        out["raised"] = None
    except Exception as exc:
        out.update(raised=type(exc).__name__, module=type(exc).__module__, args=[str(a) for a in exc.args])
    # get() raised through the failed parent (follow_parents); the last step's own FAILURE is stored right
    # after the middle step's, as Python's mark_as_failure does, so wait for it rather than read it at once.
    last = res.get(timeout=TIMEOUT, propagate=False, follow_parents=False)
    out["last"] = {"cls": type(last).__name__, "args": [str(a) for a in getattr(last, "args", [])]}
    # The first step sent the next one before storing its own SUCCESS, as Celery's trace.py does
    # (apply_async of the chain's next step, then mark_as_done): the later steps can fail, and get()
    # raise, before that write lands. Wait for it too rather than read PENDING by chance.
    res.parent.parent.get(timeout=TIMEOUT, propagate=False)
    out["states"] = [res.parent.parent.state, res.parent.state, res.state]
    return out


def retry():
    res = retry_n.apply_async(("v", 2))
    value = res.get(timeout=TIMEOUT)
    return {"value": value, "state": res.state, "id": res.id}


def fleet_chord():
    header = [part.s(i, 150).set(queue="fleet") for i in range(10)]
    res = chord(header, collect.s().set(queue="fleet")).apply_async()
    value = res.get(timeout=TIMEOUT)
    return {"value": value, "body_id": res.id, "part_ids": [r.id for r in res.parent.results]}


def main(argv):
    what = argv[1]
    if what == "canvas":
        emit({"chain3": case(chain3), "group5": case(group5), "chord10": case(chord10), "link": case(link),
              "link_error": case(link_error), "failing_chain": case(failing_chain)})
    elif what == "retry":
        emit(case(retry))
    elif what == "fleet_chord":
        emit(case(fleet_chord))
    elif what == "send":
        emit(handoff.apply_async(("h", float(argv[3])), queue=argv[2]).id)
    elif what == "get":
        res = app.AsyncResult(argv[2])
        emit(case(lambda: res.get(timeout=TIMEOUT)))
    else:
        raise SystemExit(f"unknown case {what}")


main(sys.argv)
