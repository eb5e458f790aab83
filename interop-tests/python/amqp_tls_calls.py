"""Celery over RabbitMQ TLS: amqps:// in CELERY_BROKER_URL, broker_use_ssl from AMQP_TLS (JSON of py-amqp's
ssl keys; cert_reqs by name), results in CELERY_RESULT_BACKEND (Redis).

usage: amqp_tls_calls.py N   -> {"adds": [...], "failure": "<class>: <message>", "ping": {node: reply}}
"""
import json
import os
import ssl
import sys

from tapp import add, app

opts = json.loads(os.environ["AMQP_TLS"])
if "cert_reqs" in opts:
    opts["cert_reqs"] = getattr(ssl, opts["cert_reqs"])
app.conf.broker_use_ssl = opts

n = int(sys.argv[1])
adds = [add.delay(i, i).get(timeout=30) for i in range(n)]
try:
    app.send_task("tapp.fail_value", args=("out of range",)).get(timeout=30)
    failure = None
except Exception as exc:  # the error as Python code sees it
    failure = f"{type(exc).__name__}: {exc}"
ping = app.control.inspect(timeout=5).ping() or {}
print(json.dumps({"adds": adds, "failure": failure, "ping": ping}))
