"""Prints the bodies Celery 5.6.2's rpc backend sends (RPCBackend._to_result through kombu's json), one per line.

The golden strings in test/unit/protocol/rpc-result-body.test.ts are this script's output.
"""
from celery import Celery
from celery.app.task import Context
from kombu.utils.json import dumps

app = Celery("capture", broker="memory://", backend="rpc://")
backend = app.backend
print(dumps(backend._to_result("t-1", "SUCCESS", {"n": 5, "s": "caf\u00e9 \U0001F600", "list": [1, None, True]}, None, Context())))
print(dumps(backend._to_result("t-2", "FAILURE", ValueError("boom", 7), "Traceback (most recent call last):\nValueError: boom\n", Context())))
print(dumps(backend._to_result("t-3", "STARTED", {"pid": 42, "hostname": "w@h"}, None, Context())))
