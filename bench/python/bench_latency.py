"""Round-trip latency of N sequential bench.noop .delay().get() calls; prints p50/p99/max in ms."""
import json
import sys
import time

from bench_app import noop

count = int(sys.argv[1])
noop.delay().get(timeout=30)  # warm up connections and the result subscriber
samples = []
for _ in range(count):
    start = time.perf_counter()
    noop.delay().get(timeout=30)
    samples.append((time.perf_counter() - start) * 1000.0)
samples.sort()


def pct(p):
    return samples[min(len(samples) - 1, int(round(p / 100.0 * len(samples))) - 1)]


print(json.dumps({"calls": count, "p50": pct(50), "p99": pct(99), "max": samples[-1]}), flush=True)
