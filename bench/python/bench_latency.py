"""Round-trip latency of sequential bench.noop .delay().get() calls (apply_async with the options below).

usage: bench_latency.py CALLS [--warmup 50] [--queue Q] [--priority P]
Prints {"calls", "warmup", "p50", "p99", "max", "mean"} in ms; warm-up calls are not sampled, and
"first_get_found": the share of sampled calls whose result was already stored when get() first read it.
Celery's Redis ResultConsumer.on_wait_for_pending reads the result key (one GET) before it waits on
pub/sub, so a worker that stores the result before that GET saves the client the pub/sub wake-up.
"""
import argparse
import json
import time

import celery.backends.redis as redis_backend
from celery import states

from bench_app import noop

found = [0]
_on_wait_for_pending = redis_backend.ResultConsumer.on_wait_for_pending


def on_wait_for_pending(self, result, **kwargs):
    """Celery's own method (the GET, then on_state_change), counting whether that GET found a ready state."""
    for meta in result._iter_meta(**kwargs):
        if meta is not None:
            if meta.get("status") in states.READY_STATES:
                found[0] += 1
            self.on_state_change(meta, None)


# Only where Celery's method is the one mirrored above (5.x); otherwise the share is reported as null.
counting = "_iter_meta" in getattr(_on_wait_for_pending, "__code__", compile("", "", "exec")).co_names
if counting:
    redis_backend.ResultConsumer.on_wait_for_pending = on_wait_for_pending

parser = argparse.ArgumentParser()
parser.add_argument("calls", type=int)
parser.add_argument("--warmup", type=int, default=50)
parser.add_argument("--queue", default=None)
parser.add_argument("--priority", type=int, default=None)
opts = parser.parse_args()
options = {}
if opts.queue is not None:
    options["queue"] = opts.queue
if opts.priority is not None:
    options["priority"] = opts.priority

for _ in range(opts.warmup):  # connections, the result subscriber, the worker's JIT
    noop.apply_async(**options).get(timeout=30)
found[0] = 0
samples = []
for _ in range(opts.calls):
    start = time.perf_counter()
    noop.apply_async(**options).get(timeout=30)
    samples.append((time.perf_counter() - start) * 1000.0)
samples.sort()


def pct(p):
    """Nearest-rank percentile."""
    return samples[min(len(samples) - 1, max(0, -(-p * len(samples) // 100) - 1))]


print(json.dumps({"calls": opts.calls, "warmup": opts.warmup, "p50": pct(50), "p99": pct(99), "max": samples[-1],
                  "mean": sum(samples) / len(samples),
                  "first_get_found": found[0] / len(samples) if counting else None}), flush=True)
