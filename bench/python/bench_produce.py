"""Enqueues N tasks through one Python producer; prints {"sent": N, "seconds": s}.

usage: bench_produce.py N [--task bench.noop] [--args JSON] [--queues q1,q2] [--priority P]
Messages go round-robin over the queues (default `celery`).
"""
import argparse
import json
import time

from bench_app import app

parser = argparse.ArgumentParser()
parser.add_argument("count", type=int)
parser.add_argument("--task", default="bench.noop")
parser.add_argument("--args", default="[]")
parser.add_argument("--queues", default="celery")
parser.add_argument("--priority", type=int, default=None)
opts = parser.parse_args()
args = json.loads(opts.args)
queues = opts.queues.split(",")
extra = {} if opts.priority is None else {"priority": opts.priority}

start = time.perf_counter()
with app.producer_or_acquire() as producer:
    for i in range(opts.count):
        app.send_task(opts.task, args=args, queue=queues[i % len(queues)], producer=producer, **extra)
print(json.dumps({"sent": opts.count, "seconds": time.perf_counter() - start}), flush=True)
