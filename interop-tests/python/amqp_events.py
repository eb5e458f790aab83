"""Receives Celery events over the broker as Flower and ``celery events`` do (app.events.Receiver).

Binds the receiver's queue, sends tapp.add(1, 2), then waits for one event of each type named in argv
and prints them as one JSON map {type: event}. Broker: CELERY_BROKER_URL.
"""
import json
import os
import sys

from tapp import add, app, emit

wanted = set(sys.argv[1:])
got = {}

with app.connection_for_read() as conn:
    def on_event(event):
        if event["type"] in wanted and event["type"] not in got:
            got[event["type"]] = event
        if wanted <= set(got):
            recv.should_stop = True

    recv = app.events.Receiver(conn, handlers={"*": on_event})
    recv.queue(conn.default_channel).declare()  # bound before the task is sent: no event is missed
    add.delay(1, 2)
    recv.capture(limit=None, timeout=float(os.environ.get("EVENTS_TIMEOUT", "30")), wakeup=False)
emit(got)
