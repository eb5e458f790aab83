"""A Python client with backend='rpc://' calling rpc.* tasks on queue argv[1]; prints one JSON map of cases.

Each case is {"ok": ...} or {"error": {...}} so one broken case does not hide the rest. States seen on
the way are collected with get(on_message=...), as Celery's rpc ResultConsumer delivers them.
"""
import os
import sys

from celery import Celery, chord

from rpc_app import app, emit_ready

QUEUE = sys.argv[1]
TIMEOUT = float(os.environ.get("RPC_TIMEOUT", "30"))


def send(name, *args):
    return app.send_task(name, args=args, queue=QUEUE)


def case(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:  # report, do not stop: the test asserts per case
        return {"error": {"type": type(exc).__name__, "module": type(exc).__module__, "args": list(exc.args), "str": str(exc)}}


def with_states(name, *args):
    seen = []
    res = send(name, *args)
    value = res.get(timeout=TIMEOUT, on_message=lambda meta: seen.append(
        {"status": meta["status"], "keys": sorted(meta), "result_keys": sorted(meta["result"]) if isinstance(meta["result"], dict) else None}))
    return {"value": value, "states": seen}


def out_of_order():
    first, second = send("rpc.add", 1, 1), send("rpc.add", 2, 2)
    # The first reply arrives while waiting for the second: it is buffered, not lost.
    return [second.get(timeout=TIMEOUT), first.get(timeout=TIMEOUT)]


def other_client_sees_pending():
    res = send("rpc.add", 3, 4)
    value = res.get(timeout=TIMEOUT)
    other = Celery("other", broker=app.conf.broker_url, backend="rpc://")
    return {"value": value, "other_state": other.AsyncResult(res.id).state}


def chord_refused():
    chord([app.signature("rpc.add", (1, 1), queue=QUEUE)], app.signature("rpc.tsum", queue=QUEUE))()


emit_ready({
    "add": case(lambda: send("rpc.add", 2, 3).get(timeout=TIMEOUT)),
    "failure": case(lambda: send("rpc.fail", "nope").get(timeout=TIMEOUT)),
    "retry": case(lambda: with_states("rpc.flaky", 7)),
    "started": case(lambda: with_states("rpc.add", 20, 22)),
    "out_of_order": case(out_of_order),
    "other_client": case(other_client_sees_pending),
    "chord": case(chord_refused),
})
