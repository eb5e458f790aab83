"""Python Celery through its own Sentinel support (kombu SentinelChannel, celery SentinelBackend).

Environment: CELERY_BROKER_URL and CELERY_RESULT_BACKEND as `sentinel://h:p/db;sentinel://...`,
SENTINEL_MASTER the monitored master's name (broker_transport_options and
result_backend_transport_options `master_name`).

    sentinel_client.py send <count> <sleep_ms> <queue> <first_index>   prints the task ids
    sentinel_client.py get <timeout_s>                                 ids on stdin; prints {id: [state, result]}
"""
import json
import os
import sys

from celery import Celery

app = Celery("sentinelapp", broker=os.environ["CELERY_BROKER_URL"], backend=os.environ["CELERY_RESULT_BACKEND"])
app.conf.broker_transport_options = {"master_name": os.environ["SENTINEL_MASTER"]}
app.conf.result_backend_transport_options = {"master_name": os.environ["SENTINEL_MASTER"]}

mode = sys.argv[1]
if mode == "send":
    count, sleep_ms, queue, first = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    with app.producer_or_acquire() as producer:
        ids = [app.send_task("sentinel.work", args=[first + i, sleep_ms], queue=queue, producer=producer).id for i in range(count)]
    print(json.dumps(ids))
elif mode == "get":
    timeout = float(sys.argv[2])
    out = {}
    for task_id in json.load(sys.stdin):
        r = app.AsyncResult(task_id)
        value = r.get(timeout=timeout)
        out[task_id] = [r.state, value]
    print(json.dumps(out))
else:
    sys.exit(f"unknown mode {mode}")
