"""tapp with its queues declared as Celery 5.5+ users declare quorum queues.

QAPP_QUEUES: JSON {name: {"exchange", "exchange_type", "routing_key", "queue_arguments"}} becomes
task_queues (kombu Queue objects; celeriac reads the same JSON as its task_queues setting).
With a quorum queue there, Python Celery switches on per-consumer QoS and native delayed delivery.
"""
import json
import os

from kombu import Exchange, Queue

from tapp import add, app, emit, fleet  # noqa: F401 (the tasks the worker runs)

_spec = json.loads(os.environ.get("QAPP_QUEUES", "{}"))
app.conf.task_queues = [
    Queue(name, Exchange(q.get("exchange", name), type=q.get("exchange_type", "direct")),
          routing_key=q.get("routing_key", name), queue_arguments=q.get("queue_arguments"))
    for name, q in _spec.items()
]
app.conf.broker_transport_options = {"confirm_publish": True}
