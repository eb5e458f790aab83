"""Sends tasks by name, as any Python producer would, and prints their ids as one JSON list.

Usage: monitoring_send.py '<json list of {"name", "args", "queue"?, "countdown"?}>'
"""
import json
import sys

from monitoring_app import app

if __name__ == "__main__":
    ids = []
    for spec in json.loads(sys.argv[1]):
        options = {}
        if spec.get("queue"):
            options["queue"] = spec["queue"]
        if spec.get("countdown") is not None:
            options["countdown"] = spec["countdown"]
        ids.append(app.send_task(spec["name"], args=spec.get("args", []), **options).id)
    print(json.dumps(ids), flush=True)
