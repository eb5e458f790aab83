"""Round-trip latency of sequential bench.noop .delay().get() calls (apply_async with the options below).

usage: bench_latency.py CALLS [--warmup 50] [--queue Q] [--priority P]
Prints {"calls", "warmup", "p50", "p99", "max", "mean"} in ms; warm-up calls are not sampled.
"""
import argparse
import json
import time

from bench_app import noop

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
                  "mean": sum(samples) / len(samples)}), flush=True)
