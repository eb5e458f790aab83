"""Header tables between py-amqp (kombu) and celeriac's AMQP transport, at the message level.

argv: send <queue>    publish one message whose headers hold integers of every width, print them
      receive <queue> wait for one message, ack it, print its headers with each value's Python type
Broker: CELERY_BROKER_URL (pyamqp://...). Queues are declared as Celery declares a task queue.
"""
import json
import os
import sys

from kombu import Connection, Exchange, Queue

HEADERS = {"retries": 5, "clock": 123, "small": -3, "wide": 40000, "big": 2 ** 40, "neg_big": -(2 ** 33),
           "timelimit": [30, 20], "flag": True, "text": "é ✓", "none": None, "ratio": 0.5}


def queue(name):
    return Queue(name, Exchange(name, type="direct"), routing_key=name)


def typed(value):
    if isinstance(value, list):
        return [typed(v) for v in value]
    return {"value": value, "type": type(value).__name__}


def main():
    mode, name = sys.argv[1], sys.argv[2]
    with Connection(os.environ["CELERY_BROKER_URL"]) as conn:
        q = queue(name)
        q(conn.default_channel).declare()
        if mode == "send":
            conn.Producer().publish(b"{}", exchange=q.exchange, routing_key=name, headers=HEADERS,
                                    content_type="application/json", content_encoding="utf-8", declare=[q])
            print(json.dumps(HEADERS))
            return
        got = []
        with conn.Consumer(q, callbacks=[lambda body, message: (got.append(message.headers), message.ack())],
                           accept=["json", "application/json", "text/plain", "application/data"]):
            while not got:
                conn.drain_events(timeout=30)
        print(json.dumps({k: typed(v) for k, v in got[0].items()}))


main()
