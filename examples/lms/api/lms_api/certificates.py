"""Certificates the workers issued: the record, and the PDF from the shared file store.

The workers' FileStore keeps files by key under one root (`certificates/CERT-....pdf`,
`exports/...`); STORAGE_DIR is that root, shared with them (a volume in docker-compose).
"""
import os

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from . import db

router = APIRouter()


def _certificate(enrollment_id: str) -> dict:
    with db.connect() as conn:
        row = conn.one(
            "SELECT c.id, c.enrollment_id, c.certificate_number, c.file_key, c.issued_at, c.notified_at,"
            " u.full_name AS student_name, co.title AS course_title"
            " FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id"
            " JOIN users u ON u.id = e.user_id JOIN courses co ON co.id = e.course_id"
            " WHERE c.enrollment_id = ?", (enrollment_id,))
    if row is None:
        raise HTTPException(404, "no certificate for this enrollment (yet)")
    return row


@router.get("/certificates/{enrollment_id}")
def get_certificate(enrollment_id: str) -> dict:
    row = _certificate(enrollment_id)
    return {**row, "download_url": f"/certificates/{enrollment_id}/download"}


@router.get("/certificates/{enrollment_id}/download")
def download_certificate(enrollment_id: str) -> FileResponse:
    row = _certificate(enrollment_id)
    root = os.path.realpath(os.environ.get("STORAGE_DIR", "storage"))
    path = os.path.realpath(os.path.join(root, row["file_key"]))
    # file_key comes from the database: never serve a file outside the storage directory.
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        raise HTTPException(404, "certificate file not found in storage")
    return FileResponse(path, media_type="application/pdf", filename=f"{row['certificate_number']}.pdf")
