"""Sends tasks through qapp (quorum task_queues), with countdowns as apply_async sends them.

stdin: a JSON list of {"name", "args"?, "queue", "countdown"?, "count"?}; with "count" the spec is sent
that many times with [index] + args. Prints {"ids": [...], "sent_at": epoch seconds before the first send}.
"""
import json
import sys
import time

from qapp import app, emit

sent_at = time.time()
ids = []
with app.producer_or_acquire() as producer:
    for spec in json.load(sys.stdin):
        count = spec.get("count")
        for i in range(count if count is not None else 1):
            args = ([i] if count is not None else []) + list(spec.get("args", []))
            options = {"queue": spec["queue"]}
            if "countdown" in spec:
                options["countdown"] = spec["countdown"]
            ids.append(app.send_task(spec["name"], args=args, producer=producer, **options).id)
emit({"ids": ids, "sent_at": sent_at})
