"""Python producer/reader steps for the canvas interop tests; prints one JSON line.

    canvas_produce.py retry-source <queue>   send canvas.needs_retry(7) to <queue>
    canvas_produce.py chord <header-queue>   chord of 3 canvas.add headers on <header-queue>, body canvas.tsum
    canvas_produce.py get <task-id>          AsyncResult(<task-id>).get(timeout=60)

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import json
import sys

from celery import chord
from celery.result import AsyncResult

from canvas_app import add, app, needs_retry, tsum


def main(argv):
    cmd = argv[1]
    if cmd == "retry-source":
        r = needs_retry.apply_async((7,), queue=argv[2], headers={"x-trace": "t1"})
        out = {"id": r.id}
    elif cmd == "chord":
        header = [add.s(i, i).set(queue=argv[2]) for i in (1, 2, 3)]
        r = chord(header, tsum.s()).apply_async()
        out = {"id": r.id}
    elif cmd == "get":
        out = {"result": AsyncResult(argv[2], app=app).get(timeout=60)}
    else:
        raise SystemExit("unknown command " + cmd)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
