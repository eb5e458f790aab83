"""The Celery app of the API, configured as the seed deployments configure theirs.

Only the producer side lives here: the tasks themselves run on celeriac workers, which read the
same broker (Redis DB 1) and write results to the same backend (Redis DB 2).
"""
import os

from celery import Celery

celery_app = Celery(
    "lms",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)

celery_app.conf.update(
    # Routing by task module, as the seeds route.
    task_routes={
        "app.tasks.email_tasks.*": {"queue": "emails"},
        "app.tasks.progress_tasks.*": {"queue": "progress"},
        "app.tasks.certificate_tasks.*": {"queue": "certificates"},
        "app.tasks.webhook_tasks.*": {"queue": "webhooks"},
        "app.tasks.messaging_tasks.*": {"queue": "messaging"},
        "app.tasks.notification_tasks.*": {"queue": "notifications"},
        "app.tasks.report_tasks.*": {"queue": "reports"},
        "app.tasks.maintenance_tasks.*": {"queue": "low_priority"},
    },
    # `dead_letter` is routed to by no task: the workers copy finally failed messages there
    # (task_dead_letter_queue), for `celeriac dlq list|requeue dead_letter`.
    task_default_queue="celery",
    # Reliability: ack after the task ran, requeue when a worker dies mid-task.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_acks_on_failure_or_timeout=False,
    task_track_started=True,
    worker_prefetch_multiplier=1,
    task_default_retry_delay=5,
    task_time_limit=300,
    task_soft_time_limit=240,
    result_expires=3600,
    # JSON only.
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone=os.environ.get("CELERY_TIMEZONE", "UTC"),
    enable_utc=True,
    broker_connection_retry_on_startup=True,
)
