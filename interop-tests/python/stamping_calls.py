"""Drives the stamping / remote-control interop test from Python: one scenario per run, one JSON line out.

Usage: stamping_calls.py <scenario> '<json args>'; scenarios: stamped, revoke, terminate, inspect, details.
Every scenario sends through real Celery APIs (StampingVisitor, app.control, inspect) and waits on results.
"""
import json
import math
import sys
import time
from datetime import datetime, timedelta, timezone

import redis
from celery import chain
from celery.exceptions import TaskRevokedError

from stamping_app import MonitoringIdVisitor, add, app, request_details, retry_once, sleep


def raw_meta(task_id):
    """The stored result exactly as the worker wrote it (JSON under celery-task-meta-<id>)."""
    r = redis.Redis.from_url(app.conf.result_backend)
    try:
        data = r.get(f"celery-task-meta-{task_id}")
        return json.loads(data) if data else None
    finally:
        r.close()


def outcome(result):
    try:
        return {"state": "SUCCESS", "value": result.get(timeout=30)}
    except TaskRevokedError:
        return {"state": result.state}


def stamped(a):
    out = {}
    for q in a["queues"]:
        sig = request_details.si().set(queue=q)
        sig.stamp(visitor=MonitoringIdVisitor(a["mid"]))
        details = sig.apply_async()
        steps = chain(add.si(1, 1).set(queue=q), add.si(2, 2).set(queue=q))
        steps.stamp(visitor=MonitoringIdVisitor(a["mid"]))
        last = steps.apply_async()
        first = last.parent
        value = details.get(timeout=30)
        last.get(timeout=30)
        out[q] = {"details": value, "meta": raw_meta(details.id), "chain": [raw_meta(first.id), raw_meta(last.id)]}
    return out


def revoke(a):
    reply = app.control.revoke_by_stamped_headers({"monitoring_id": [a["mid"]]}, destination=[a["node"]], reply=True)
    sent = {}
    for name, mid in (("stamped", a["mid"]), ("other", a["mid"] + "-other"), ("plain", None)):
        sig = add.si(1, 1).set(queue=a["queue"])
        if mid is not None:
            sig.stamp(visitor=MonitoringIdVisitor(mid))
        sent[name] = sig.apply_async()
    return {"reply": reply, **{k: outcome(r) for k, r in sent.items()}, "meta": raw_meta(sent["stamped"].id)}


def terminate(a):
    sig = sleep.si(30000).set(queue=a["queue"])
    sig.stamp(visitor=MonitoringIdVisitor(a["mid"]))
    result = sig.apply_async()
    inspect = app.control.inspect(destination=[a["node"]], timeout=2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        active = (inspect.active() or {}).get(a["node"]) or []
        if any(req["id"] == result.id for req in active):
            break
    reply = app.control.revoke_by_stamped_headers({"monitoring_id": a["mid"]}, terminate=True, destination=[a["node"]], reply=True)
    return {"reply": reply, "outcome": outcome(result)}


def inspect(a):
    insp = app.control.inspect(destination=a["nodes"], timeout=3)
    eta = (datetime.now(timezone.utc) + timedelta(seconds=120)).replace(microsecond=123456)
    ids = [add.apply_async((1, 2), queue=q, eta=eta).id for q in a["queues"]]
    deadline = time.monotonic() + 30
    scheduled = {}
    while time.monotonic() < deadline:
        scheduled = insp.scheduled() or {}
        if all(scheduled.get(n) for n in a["nodes"]):
            break
    app.control.revoke(ids)
    return {
        "eta": eta.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00",
        "scheduled": scheduled,
        "registered": insp.registered("name"),
        "registered_items": insp.registered("name", "acks_late", "max_retries", "rate_limit"),
        "conf": insp.conf(),
        "conf_all": insp.conf(with_defaults=True),
    }


def details(a):
    props = request_details.apply_async(queue=a["queue"], app_id="1234", test_properties="tp").get(timeout=30)
    retried = retry_once.apply_async(kwargs={"expires": 60}, queue=a["queue"])
    # the retry expires 50 ms after it is sent but is due only after 500 ms: not run, stored REVOKED (expired)
    expired = retry_once.apply_async(kwargs={"expires": 0.05, "countdown": 0.5}, queue=a["queue"])
    return {"details": props, "retried": retried.get(timeout=30), "retry_meta": raw_meta(retried.id),
            "expired": outcome(expired), "expired_meta": raw_meta(expired.id)}


def finite(value):
    """JSON for the test: inf (result_backend_max_retries' default) as the string "Infinity"."""
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


if __name__ == "__main__":
    scenario, args = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(finite(globals()[scenario](args)), default=str), flush=True)
