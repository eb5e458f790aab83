"""Sends tapp.add with kombu body compression and reads the results with AsyncResult.get()."""
from tapp import app, emit

out = {}
for name in ("zlib", "gzip", "bzip2"):
    try:
        r = app.send_task("tapp.add", args=(20, 22), compression=name)
    except Exception as exc:  # the codec is not available in this Python
        out[name] = {"skipped": f"{type(exc).__name__}: {exc}"}
        continue
    try:
        out[name] = {"value": r.get(timeout=30)}
    except Exception as exc:
        out[name] = {"error": type(exc).__name__, "message": str(exc), "state": r.state}
emit(out)
