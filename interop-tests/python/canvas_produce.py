"""Python producer/reader steps for the canvas interop tests; prints one JSON line.

    canvas_produce.py retry-source <queue>   send canvas.needs_retry(7) to <queue>
    canvas_produce.py chord <header-queue>   chord of 3 canvas.add headers on <header-queue>, body canvas.tsum
    canvas_produce.py chain <first-queue>    add(1, 1) | add(2) | add(3), first step on <first-queue>
    canvas_produce.py failchain <first-queue>  fail('c') | add(2) | add(3) with link_error=on_err
    canvas_produce.py get <task-id>          AsyncResult(<task-id>).get(timeout=60)
    canvas_produce.py get-error <task-id>    the exception get() raises: {"type", "args"}

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import json
import sys

from celery import chain, chord
from celery.result import AsyncResult

from canvas_app import add, app, fail, needs_retry, on_err, tsum


def main(argv):
    cmd = argv[1]
    if cmd == "retry-source":
        r = needs_retry.apply_async((7,), queue=argv[2], headers={"x-trace": "t1"})
        out = {"id": r.id}
    elif cmd == "chord":
        header = [add.s(i, i).set(queue=argv[2]) for i in (1, 2, 3)]
        r = chord(header, tsum.s()).apply_async()
        out = {"id": r.id}
    elif cmd == "chain":
        r = chain(add.s(1, 1).set(queue=argv[2]), add.s(2), add.s(3)).apply_async()
        out = {"id": r.id, "first": r.parent.parent.id}
    elif cmd == "failchain":
        r = chain(fail.s("c").set(queue=argv[2]), add.s(2), add.s(3)).apply_async(link_error=on_err.s())
        out = {"id": r.id, "first": r.parent.parent.id, "middle": r.parent.id}
    elif cmd == "get-error":
        try:
            AsyncResult(argv[2], app=app).get(timeout=60)
            out = {"type": None}
        except Exception as exc:  # the stored failure, re-raised by Celery
            out = {"type": type(exc).__name__, "args": [str(a) for a in exc.args]}
    elif cmd == "get":
        out = {"result": AsyncResult(argv[2], app=app).get(timeout=60)}
    else:
        raise SystemExit("unknown command " + cmd)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
