"""LMS example API: a FastAPI producer that sends the seeds' Celery tasks (run by celeriac workers)."""
