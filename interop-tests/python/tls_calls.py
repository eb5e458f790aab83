"""Celery over Redis TLS (rediss:// URLs with ssl_* parameters in CELERY_BROKER_URL / CELERY_RESULT_BACKEND).

usage: tls_calls.py calls N     -> {"adds": [...], "failure": "<class>: <message>", "ping": {node: reply}}
       tls_calls.py send        -> {"id": "<task id>"} (tapp.add(20, 22), not waited for)
       tls_calls.py get ID      -> {"result": <value>}
       tls_calls.py backend     -> {"error": "<class>: <message>"} from building the result backend alone
"""
import json
import sys

from tapp import add, app

TIMEOUT = 30
mode = sys.argv[1]
if mode == "calls":
    n = int(sys.argv[2])
    adds = [add.delay(i, i).get(timeout=TIMEOUT) for i in range(n)]
    try:
        app.send_task("tapp.fail_value", args=("out of range",)).get(timeout=TIMEOUT)
        failure = None
    except Exception as exc:  # the error as Python code sees it
        failure = f"{type(exc).__name__}: {exc}"
    ping = app.control.inspect(timeout=5).ping() or {}
    print(json.dumps({"adds": adds, "failure": failure, "ping": ping}))
elif mode == "send":
    print(json.dumps({"id": add.delay(20, 22).id}))
elif mode == "get":
    print(json.dumps({"result": app.AsyncResult(sys.argv[2]).get(timeout=TIMEOUT)}))
elif mode == "backend":
    try:
        app.backend  # Celery builds (and checks) the result backend from the URL here
        print(json.dumps({"error": None}))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
else:
    sys.exit(f"unknown mode {mode!r}")
