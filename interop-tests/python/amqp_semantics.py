"""Python steps of the RabbitMQ semantics interop test (interop-tests/amqp-semantics.test.ts); prints one JSON line.

    amqp_semantics.py send            stdin: [{"name", "args"?, "kwargs"?, "count"?, "options"?}]; prints the ids in
                                      send order. With "count" the spec is sent that many times, args [index] + args.
                                      "options" go to send_task as they are (queue, countdown, priority, time_limit, ...).
    amqp_semantics.py outcome SEC     stdin: [id, ...]; AsyncResult.get(timeout=SEC) for each; prints
                                      {id: {"state", "value"} | {"state", "cls", "module", "args"}}
    amqp_semantics.py revoke ID MODE NODE   app.control.revoke(ID, terminate=MODE == "terminate"), as `celery control
                                      revoke`; then `inspect revoked` on NODE, whose reply (after the revoke on the
                                      same pidbox queue) says the worker has handled it: {"revoked", "seen"}

Environment: CELERY_BROKER_URL (pyamqp://...), CELERY_RESULT_BACKEND; AMQP_MAX_PRIORITY sets
task_queue_max_priority, so the queues this producer declares get x-max-priority as Celery declares them.
"""
import json
import os
import sys

from tapp import app, emit

if os.environ.get("AMQP_MAX_PRIORITY"):
    app.conf.task_queue_max_priority = int(os.environ["AMQP_MAX_PRIORITY"])


def send(specs):
    ids = []
    with app.producer_or_acquire() as producer:
        for spec in specs:
            count = spec.get("count")
            for i in range(count if count is not None else 1):
                args = ([i] if count is not None else []) + list(spec.get("args", []))
                r = app.send_task(spec["name"], args=args, kwargs=spec.get("kwargs", {}), producer=producer,
                                  **spec.get("options", {}))
                ids.append(r.id)
    return ids


def outcome(task_ids, timeout):
    out = {}
    for task_id in task_ids:
        r = app.AsyncResult(task_id)
        try:
            out[task_id] = {"state": "SUCCESS", "value": r.get(timeout=timeout)}
        except Exception as exc:  # the stored failure, re-raised by Celery: report its class
            out[task_id] = {"state": r.state, "cls": type(exc).__name__, "module": type(exc).__module__,
                            "args": [str(a) for a in exc.args]}
    return out


def main(argv):
    cmd = argv[1]
    if cmd == "send":
        emit(send(json.load(sys.stdin)))
    elif cmd == "outcome":
        emit(outcome(json.load(sys.stdin), float(argv[2])))
    elif cmd == "revoke":
        task_id, node = argv[2], argv[4]
        app.control.revoke(task_id, terminate=argv[3] == "terminate")
        replies = app.control.inspect(destination=[node], timeout=10, limit=1).revoked() or {}
        emit({"revoked": task_id, "seen": task_id in replies.get(node, [])})
    else:
        raise SystemExit("unknown command " + cmd)


main(sys.argv)
