"""Python Celery side of interop-tests/worker-result-faults.test.ts.

  send    reads [{"name", "args", "options"?, "headers"?, "count"?}] on stdin; prints the task ids (JSON)
  get     <id> <timeout>: prints {"state", "value_repr"} or {"state", "exc_module", "exc_type", "exc"} as .get() ends
  states  reads a JSON list of ids on stdin; prints {id: state}
  nan     sends faults.echo with NaN/Infinity in args, kwargs, a custom header and time_limit=inf; prints its id
"""
import json
import os
import sys

from celery import Celery

app = Celery("result_faults_py", broker=os.environ["CELERY_BROKER_URL"], backend=os.environ["CELERY_RESULT_BACKEND"])
app.conf.broker_connection_retry_on_startup = True

if __name__ == "__main__":
    command = sys.argv[1]
    if command == "send":
        ids = []
        with app.producer_or_acquire() as producer:
            for spec in json.load(sys.stdin):
                for i in range(spec.get("count", 1)):
                    args = [i, *spec["args"]] if "count" in spec else spec["args"]
                    ids.append(app.send_task(spec["name"], args=args, producer=producer, headers=spec.get("headers"),
                                             **spec.get("options", {})).id)
        print(json.dumps(ids))
    elif command == "nan":
        nan, inf = float("nan"), float("inf")
        res = app.send_task("faults.echo", args=[nan, inf, -inf], kwargs={}, headers={"x-score": nan}, time_limit=inf)
        print(json.dumps(res.id))
    elif command == "get":
        res = app.AsyncResult(sys.argv[2])
        try:
            value = res.get(timeout=float(sys.argv[3]))
            print(json.dumps({"state": res.state, "value_repr": repr(value)}))
        except Exception as exc:  # the stored exception, re-raised by .get()
            print(json.dumps({"state": res.state, "exc_module": type(exc).__module__, "exc_type": type(exc).__name__, "exc": str(exc)}))
    elif command == "states":
        print(json.dumps({task_id: app.AsyncResult(task_id).state for task_id in json.load(sys.stdin)}))
