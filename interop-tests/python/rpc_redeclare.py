"""Sends rpc.add(1, 2) to queue argv[1] with backend='rpc://', waits, then declares the client's reply
queue again with kombu (not passive): a 406 would mean the worker declared it with other arguments."""
import sys

from rpc_app import app, emit_ready

value = app.send_task("rpc.add", args=(1, 2), queue=sys.argv[1]).get(timeout=30)
with app.connection_for_write() as conn:
    app.backend.binding(conn.default_channel).declare()
emit_ready({"value": value, "redeclared": True})
