"""`revoke ID`: broadcast a revoke (as `celery control revoke`); `send ID QUEUE`: send tapp.record with that id."""
import sys

from tapp import app, emit

mode, task_id = sys.argv[1], sys.argv[2]
if mode == "revoke":
    app.control.revoke(task_id)
    emit({"revoked": task_id})
else:
    app.send_task("tapp.record", args=("revoked-task-ran",), task_id=task_id, queue=sys.argv[3])
    emit({"sent": task_id})
