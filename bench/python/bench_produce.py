"""Enqueues N bench.noop tasks on queue `celery` through one producer; prints {"sent": N, "seconds": s}."""
import json
import sys
import time

from bench_app import app

count = int(sys.argv[1])
start = time.perf_counter()
with app.producer_or_acquire() as producer:
    for _ in range(count):
        app.send_task("bench.noop", producer=producer)
print(json.dumps({"sent": count, "seconds": time.perf_counter() - start}), flush=True)
