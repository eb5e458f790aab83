#!/usr/bin/env python
"""Capture what a real Python *worker* publishes for canvas follow-ups (spec section 11, items 7, 8,
10, 12): callbacks, chain steps, errbacks, chain failure propagation, chord part records and body,
and the retry message. The output is the golden fixture for test/unit/canvas.

    /work/main/.venv/bin/python interop-tests/python/canvas_capture.py --out test/unit/canvas/fixtures/python-worker-followups.json

A private redis-server is started on a free port and stopped at the end. Producer messages go to
queue ``in`` (the only queue the worker consumes); everything the worker publishes with default
routing lands in ``celery`` where nobody consumes it, so it can be read back with LRANGE.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tid(n):
    return "%08d-0000-4000-8000-%012d" % (n, n)


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit("timed out waiting for " + what)


def send_all():
    from celery import chain, chord, group
    from canvas_app import add, fail, on_err, retry_once, tsum

    # 7: link + link_error, one callback each
    add.apply_async((2, 3), task_id=tid(701), queue="in",
                    link=add.s(10).set(task_id=tid(702)), link_error=on_err.s().set(task_id=tid(703)))
    # two callbacks -> wrapped into a new group
    add.apply_async((4, 5), task_id=tid(711), queue="in",
                    link=[add.s(1).set(task_id=tid(712)), add.s(2).set(task_id=tid(713))])
    # immutable callback
    add.apply_async((6, 7), task_id=tid(721), queue="in", link=add.si(0, 1).set(task_id=tid(722)))
    # errbacks: one, then two (-> one group of errbacks)
    fail.apply_async(("k1",), task_id=tid(731), queue="in", link_error=on_err.s().set(task_id=tid(732)))
    fail.apply_async(("k2",), task_id=tid(741), queue="in",
                     link_error=[on_err.s().set(task_id=tid(742)), on_err.s().set(task_id=tid(743))])
    # 8: chain of 3, first step consumed by the worker
    chain(add.s(1, 1).set(task_id=tid(801), queue="in"), add.s(2).set(task_id=tid(802)),
          add.s(3).set(task_id=tid(803))).apply_async()
    # failing chain: remaining steps get FAILURE
    chain(fail.s("c").set(task_id=tid(811), queue="in"), add.s(2).set(task_id=tid(812)),
          add.s(3).set(task_id=tid(813))).apply_async()
    # 10: chord of 2 (both members on "in") -> body message published
    chord([add.s(1, 1).set(task_id=tid(1001), queue="in"), add.s(2, 2).set(task_id=tid(1002), queue="in")],
          tsum.s().set(task_id=tid(1003))).apply_async(task_id=tid(1003))
    # chord of 3, third member parked in queue "held" -> the .j zset keeps two records to read
    chord([add.s(3, 3).set(task_id=tid(1011), queue="in"), fail.s("m").set(task_id=tid(1012), queue="in"),
           add.s(5, 5).set(task_id=tid(1013), queue="held")],
          tsum.s().set(task_id=tid(1014))).apply_async(task_id=tid(1014))
    # 13: group | task inside a chain -> the worker applies a chord as the next step (header published)
    chain(add.s(1, 1).set(task_id=tid(1301), queue="in"), group(add.s(2).set(task_id=tid(1302)), add.s(3).set(task_id=tid(1303))),
          tsum.s().set(task_id=tid(1304))).apply_async()
    # 14: a chain ending in a group -> the group's members published with the step result
    chain(add.s(1, 1).set(task_id=tid(1401), queue="in"), group(add.s(10).set(task_id=tid(1402)), add.s(20).set(task_id=tid(1403)))).apply_async()
    # 15: a chord as a link callback -> its header published
    add.apply_async((1, 1), task_id=tid(1501), queue="in",
                    link=chord([add.s(1).set(task_id=tid(1502)), add.s(2).set(task_id=tid(1503))], tsum.s().set(task_id=tid(1504))))
    # 16: a failing chord header with the chord's link_error -> the body's errback sent with (body id,), body FAILURE
    c16 = chord([fail.s("z").set(task_id=tid(1601), queue="in")], tsum.s().set(task_id=tid(1602)))
    c16.link_error(on_err.s().set(task_id=tid(1603)))
    c16.apply_async()
    # 17: a chain ending in a group of immutable members -> cloned by the group, their args a tuple
    chain(add.s(1, 1).set(task_id=tid(1701), queue="in"), group(add.si(5, 5).set(task_id=tid(1702)), add.si(6, 6).set(task_id=tid(1703)))).apply_async()
    # 18: a chord step whose header member is a chain ending in a group -> the header GroupResult is saved first
    chain(add.s(1, 1).set(task_id=tid(1801), queue="in"),
          chord([chain(add.s(1).set(task_id=tid(1802)), group(add.s(10).set(task_id=tid(1803)), add.s(20).set(task_id=tid(1804))))],
                tsum.s().set(task_id=tid(1805)))).apply_async()
    # 12: retry with countdown 100 -> the retry message is held (unacked) by the worker
    retry_once.apply_async((5,), task_id=tid(1201), queue="in", headers={"x-custom": "v"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    opts = parser.parse_args()
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="canvas-capture-")
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                               "--dir", data_dir], stdout=subprocess.DEVNULL)
    url = "redis://127.0.0.1:%d" % port
    os.environ["CELERY_BROKER_URL"] = url + "/0"
    os.environ["CELERY_RESULT_BACKEND"] = url + "/1"
    sys.path.insert(0, HERE)
    import redis
    broker = redis.Redis(port=port, db=0)
    results = redis.Redis(port=port, db=1)
    wait_for("redis", lambda: _ping(broker))
    worker = None
    try:
        send_all()
        consumed = [e.decode() for e in reversed(broker.lrange("in", 0, -1))]
        env = dict(os.environ, PYTHONPATH=HERE)
        worker = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "canvas_app",
                                   "worker", "-P", "solo", "-Q", "in", "-n", "pycap@vm", "--without-gossip",
                                   "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
                                  cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("queue in drained", lambda: broker.llen("in") == 0)
        wait_for("retry held", lambda: broker.hlen("unacked") >= 1)
        wait_for("metas", lambda: results.get("celery-task-meta-" + tid(813)) is not None
                 and results.get("celery-task-meta-" + tid(1012)) is not None
                 and results.get("celery-task-meta-" + tid(1201)) is not None
                 and results.get("celery-task-meta-" + tid(1602)) is not None)
        # follow-ups: 702, 712+713, 722, 732, 742+743, 802, 1003, 1302+1303, 1402+1403, 1502+1503, 1603, 1702+1703, 1802 = 19 messages
        wait_for("follow-ups", lambda: broker.llen("celery") >= 19)
        unacked = [v.decode() for v in broker.hvals("unacked")]
        worker.terminate()
        worker.wait(30)
        worker = None
        out = {
            "description": "messages and records a Python worker (celery 5.6.2) wrote for canvas follow-ups",
            "celery": __import__("celery").__version__,
            "consumed": consumed,
            "followUps": [e.decode() for e in reversed(broker.lrange("celery", 0, -1))],
            "held": [e.decode() for e in broker.lrange("held", 0, -1)],
            "unacked": unacked,
            "chordZset": [[m.decode(), s] for m, s in results.zrange(
                "celery-taskset-meta-" + _group_of(broker) + ".j", 0, -1, withscores=True)],
            "metas": {k.decode(): results.get(k).decode() for k in sorted(results.keys("celery-task-meta-*"))},
            "groups": {k.decode(): results.get(k).decode() for k in sorted(results.keys("celery-taskset-meta-*"))
                       if not k.decode().endswith((".j", ".s", ".t"))},
        }
        with open(opts.out, "w") as fh:
            json.dump(out, fh, indent=1, sort_keys=True)
            fh.write("\n")
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        server.terminate()
        server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


def _group_of(broker):
    raw = broker.lrange("held", 0, -1)[0]
    return json.loads(raw)["headers"]["group"]


def _ping(client):
    try:
        return client.ping()
    except Exception:
        return False


if __name__ == "__main__":
    main()
