"""The LMS API: FastAPI endpoints that write the shared database and hand the slow work to Celery.

Run: `uvicorn lms_api.main:app` from examples/lms/api (env: CELERY_BROKER_URL, CELERY_RESULT_BACKEND,
DATABASE_URL or LMS_SQLITE_PATH, STORAGE_DIR).
"""
import uuid
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from . import db, tasks
from .health import detailed_health
from .task_status import task_progress, task_status
from .certificates import router as certificates_router


@asynccontextmanager
async def lifespan(_: FastAPI):
    db.migrate()
    yield


app = FastAPI(title="LMS API", lifespan=lifespan)
app.include_router(certificates_router)


class RegisterIn(BaseModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)
    full_name: str = Field(min_length=1, max_length=200)
    phone_number: Optional[str] = None


class EnrollmentIn(BaseModel):
    user_id: str
    course_id: str


class LessonCompleteIn(BaseModel):
    user_id: str


class BulkMessagesIn(BaseModel):
    phone_numbers: list[str] = Field(min_length=1)
    message: str = Field(min_length=1)
    message_type: str = "sms"


class BulkNotificationsIn(BaseModel):
    user_ids: list[str] = Field(min_length=1)
    title: str = Field(min_length=1)
    message: str = Field(min_length=1)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/health/detailed")
def health_detailed() -> dict:
    return detailed_health()


@app.post("/register", status_code=201)
def register(body: RegisterIn) -> dict:
    user_id = str(uuid.uuid4())
    with db.connect() as conn:
        try:
            conn.execute(
                "INSERT INTO users (id, email, full_name, phone_number, created_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, body.email, body.full_name, body.phone_number, db.utcnow()),
            )
        except Exception as exc:
            if conn.is_unique_violation(exc):
                raise HTTPException(409, "email already registered") from exc
            raise
    # After the commit, so the worker finds the user.
    result = tasks.send_welcome_email.delay(user_id=user_id, email=body.email, full_name=body.full_name)
    return {"id": user_id, "email": body.email, "full_name": body.full_name, "task_id": result.id}


@app.post("/enrollments", status_code=201)
def create_enrollment(body: EnrollmentIn) -> dict:
    enrollment_id = str(uuid.uuid4())
    with db.connect() as conn:
        user = conn.one("SELECT id, email, full_name FROM users WHERE id = ?", (body.user_id,))
        course = conn.one("SELECT id, title FROM courses WHERE id = ?", (body.course_id,))
        if user is None or course is None:
            raise HTTPException(404, "user not found" if user is None else "course not found")
        try:
            conn.execute(
                "INSERT INTO enrollments (id, user_id, course_id, enrolled_at) VALUES (?, ?, ?, ?)",
                (enrollment_id, body.user_id, body.course_id, db.utcnow()),
            )
        except Exception as exc:
            if conn.is_unique_violation(exc):
                raise HTTPException(409, "already enrolled") from exc
            raise
    result = tasks.send_enrollment_confirmation.delay(
        email=user["email"], full_name=user["full_name"], course_title=course["title"])
    return {"id": enrollment_id, "user_id": body.user_id, "course_id": body.course_id,
            "status": "active", "progress_percentage": 0, "task_id": result.id}


@app.get("/enrollments/{enrollment_id}")
def get_enrollment(enrollment_id: str) -> dict:
    with db.connect() as conn:
        row = conn.one(
            "SELECT id, user_id, course_id, status, progress_percentage, enrolled_at, completed_at"
            " FROM enrollments WHERE id = ?", (enrollment_id,))
        if row is None:
            raise HTTPException(404, "enrollment not found")
        completed = conn.one("SELECT COUNT(*) AS n FROM lesson_completions WHERE enrollment_id = ?", (enrollment_id,))
    return {**row, "lessons_completed": completed["n"]}


@app.post("/lessons/{lesson_id}/complete", status_code=202)
def complete_lesson(lesson_id: str, body: LessonCompleteIn) -> dict:
    with db.connect() as conn:
        enrollment = conn.one(
            "SELECT e.id FROM lessons l JOIN enrollments e ON e.course_id = l.course_id"
            " WHERE l.id = ? AND e.user_id = ?", (lesson_id, body.user_id))
    if enrollment is None:
        raise HTTPException(404, "lesson not found in any course this user is enrolled in")
    result = tasks.update_lesson_completion.delay(
        enrollment_id=enrollment["id"], lesson_id=lesson_id, user_id=body.user_id)
    return {"enrollment_id": enrollment["id"], "lesson_id": lesson_id, "task_id": result.id}


@app.post("/send-bulk-messages", status_code=202)
def send_bulk_messages(body: BulkMessagesIn) -> dict:
    result = tasks.send_bulk_messages.delay(
        phone_numbers=body.phone_numbers, message=body.message, message_type=body.message_type)
    return {"task_id": result.id, "total": len(body.phone_numbers)}


@app.post("/notifications/bulk", status_code=202)
def send_bulk_notifications(body: BulkNotificationsIn) -> dict:
    result = tasks.send_bulk_notifications.delay(user_ids=body.user_ids, title=body.title, message=body.message)
    return {"task_id": result.id, "total": len(body.user_ids)}


@app.get("/students/export", status_code=202)
def export_students(course_id: Optional[str] = None, status: Optional[str] = None) -> dict:
    filters = {key: value for key, value in (("course_id", course_id), ("status", status)) if value is not None}
    result = tasks.export_students_csv.delay(filters=filters)
    return {"task_id": result.id, "filters": filters}


@app.get("/students/{student_id}/report", status_code=202)
def student_report(student_id: str) -> dict:
    with db.connect() as conn:
        if conn.one("SELECT id FROM users WHERE id = ?", (student_id,)) is None:
            raise HTTPException(404, "student not found")
    result = tasks.generate_student_report.delay(student_id=student_id)
    return {"task_id": result.id}


@app.get("/api/tasks/{task_id}")
def get_task(task_id: str) -> dict:
    return task_status(task_id)


@app.get("/api/tasks/{task_id}/progress")
def get_task_progress(task_id: str) -> dict:
    return task_progress(task_id)
