"""Every task the API sends, by the exact name the workers register, in one place.

The tasks run on celeriac (TypeScript) workers, so the API holds no task code: each name is a
Celery signature, called the usual way (`send_welcome_email.delay(user_id=..., ...)`), and routed
to its queue by `task_routes` in celery_app.py (send_task applies the routes by name).
"""
from celery.canvas import Signature

from .celery_app import celery_app


def remote_task(name: str) -> Signature:
    """A task known by name only; `.delay()` / `.apply_async()` publish it via `send_task`."""
    return celery_app.signature(name)


# emails
send_welcome_email = remote_task("app.tasks.email_tasks.send_welcome_email")  # (user_id, email, full_name)
send_password_reset_email = remote_task("app.tasks.email_tasks.send_password_reset_email")  # (email, reset_token, full_name)
send_email_verification = remote_task("app.tasks.email_tasks.send_email_verification")  # (email, verification_token, full_name)
send_enrollment_confirmation = remote_task("app.tasks.email_tasks.send_enrollment_confirmation")  # (email, full_name, course_title)
send_course_completion_email = remote_task("app.tasks.email_tasks.send_course_completion_email")  # (email, full_name, course_title)
send_certificate_issued_email = remote_task("app.tasks.email_tasks.send_certificate_issued_email")  # (email, full_name, course_title, certificate_number, download_url)
send_email = remote_task("app.tasks.email_tasks.send_email")  # (to_email, subject, html_content)

# progress
update_lesson_completion = remote_task("app.tasks.progress_tasks.update_lesson_completion")  # (enrollment_id, lesson_id, user_id)

# certificates
generate_certificate = remote_task("app.tasks.certificate_tasks.generate_certificate")  # (enrollment_id)

# webhooks
deliver_webhook = remote_task("app.tasks.webhook_tasks.deliver_webhook")  # (event_type, payload, webhook_url)

# bulk
send_bulk_messages = remote_task("app.tasks.messaging_tasks.send_bulk_messages")  # (phone_numbers, message, message_type)
send_bulk_notifications = remote_task("app.tasks.notification_tasks.send_bulk_notifications")  # (user_ids, title, message)

# reports
generate_student_report = remote_task("app.tasks.report_tasks.generate_student_report")  # (student_id)
export_students_csv = remote_task("app.tasks.report_tasks.export_students_csv")  # (filters)

# maintenance (normally sent by `celeriac beat`; listed so operators can trigger them)
cleanup_old_files = remote_task("app.tasks.maintenance_tasks.cleanup_old_files")  # (max_age_days)
cleanup_temporary_files = remote_task("app.tasks.maintenance_tasks.cleanup_temporary_files")
cleanup_old_sessions = remote_task("app.tasks.maintenance_tasks.cleanup_old_sessions")
periodic_health_check = remote_task("app.tasks.maintenance_tasks.periodic_health_check")
