"""Seed data for demos and tests: `python -m lms_api.seed --lessons 5 [--title T]`.

Creates the schema when missing, then one course with N lessons, and prints
`{"course_id": ..., "lesson_ids": [...]}` as one JSON line.
"""
import argparse
import json
import uuid

from . import db


def seed_course(title: str, lessons: int, description: str = "") -> dict:
    course_id = str(uuid.uuid4())
    lesson_ids = [str(uuid.uuid4()) for _ in range(lessons)]
    with db.connect() as conn:
        conn.execute("INSERT INTO courses (id, title, description, created_at) VALUES (?, ?, ?, ?)",
                     (course_id, title, description, db.utcnow()))
        for position, lesson_id in enumerate(lesson_ids, start=1):
            conn.execute("INSERT INTO lessons (id, course_id, title, position) VALUES (?, ?, ?, ?)",
                         (lesson_id, course_id, f"{title}: lesson {position}", position))
    return {"course_id": course_id, "lesson_ids": lesson_ids}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=5, help="number of lessons (default 5)")
    parser.add_argument("--title", default="Introduction to Celery", help="course title")
    parser.add_argument("--description", default="", help="course description")
    args = parser.parse_args()
    if args.lessons < 1:
        parser.error("--lessons must be at least 1")
    db.migrate()
    print(json.dumps(seed_course(args.title, args.lessons, args.description)))


if __name__ == "__main__":
    main()
