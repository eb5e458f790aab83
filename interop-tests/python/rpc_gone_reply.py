"""Sends rpc.add(5, 5) to queue argv[1] naming a reply queue that does not exist (a client that is gone),
then rpc.add(1, 2) with this client's own queue, and prints {"ids": [...], "value": <second result>}."""
import sys

from rpc_app import app, emit_ready

gone = app.send_task("rpc.add", args=(5, 5), queue=sys.argv[1], reply_to="client-that-left")
value = app.send_task("rpc.add", args=(1, 2), queue=sys.argv[1]).get(timeout=30)
emit_ready({"ids": [gone.id], "value": value})
