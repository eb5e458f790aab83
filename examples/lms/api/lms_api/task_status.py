"""Task state as the API reports it, read with Celery's AsyncResult from the result backend."""
from typing import Any

from celery.result import AsyncResult

from .celery_app import celery_app


def _error(result: AsyncResult) -> dict:
    exc = result.result
    return {"type": type(exc).__name__, "message": str(exc)}


def task_status(task_id: str) -> dict:
    """`state` plus `result` (SUCCESS), `error` (FAILURE), `retry_reason` (RETRY) or `info` (PROGRESS/STARTED meta)."""
    result = AsyncResult(task_id, app=celery_app)
    body: dict[str, Any] = {"task_id": task_id, "state": result.state}
    if result.state == "SUCCESS":
        body["result"] = result.result
    elif result.state == "FAILURE":
        body["error"] = _error(result)
    elif result.state == "RETRY":
        # a RETRY state's info is the exception the task is retrying after
        body["retry_reason"] = {"type": type(result.info).__name__, "message": str(result.info)}
    elif isinstance(result.info, dict):
        body["info"] = result.info
    return body


def task_progress(task_id: str) -> dict:
    """`current`/`total`/`percentage` from a PROGRESS state's meta; 100 % once SUCCESS."""
    result = AsyncResult(task_id, app=celery_app)
    state = result.state
    body: dict[str, Any] = {"task_id": task_id, "state": state, "current": 0, "total": 0, "percentage": 0.0}
    info = result.info
    if state == "PROGRESS" and isinstance(info, dict):
        current, total = info.get("current", 0), info.get("total", 0)
        body.update(current=current, total=total,
                    percentage=round(100.0 * current / total, 1) if total else 0.0)
        if "status" in info:
            body["status"] = info["status"]
    elif state == "SUCCESS":
        body["percentage"] = 100.0
        body["result"] = result.result
        if isinstance(result.result, dict) and "total" in result.result:
            body["current"] = body["total"] = result.result["total"]
    elif state == "FAILURE":
        body["error"] = _error(result)
    return body
