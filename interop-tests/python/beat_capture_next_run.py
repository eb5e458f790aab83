"""Captures Celery's next crontab run times as a golden fixture for celeriac's nextRunAt tests.

Run from the repo root:
    .venv/bin/python interop-tests/python/beat_capture_next_run.py > test/unit/beat/fixtures/celery-next-run.json

Each case is (crontab fields, time zone, "after" instant); the expected value (null when Celery finds no date) is what celery 5.6.2's
``crontab.remaining_delta(after)`` gives (last_run_at + delta), as a UTC ISO string. Random cases use a
fixed seed so the file is reproducible; DST cases cover Europe/Berlin and America/New_York changes.
"""
import json
import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import celery
from celery import Celery
from celery.schedules import crontab


def random_fields(rnd):
    r = rnd.randrange
    return {
        "minute": rnd.choice(["*", "*/15", str(r(60)), f"{r(30)}-{30 + r(30)}", f"{r(60)},{r(60)}", f"{r(20)}-{40 + r(20)}/7"]),
        "hour": rnd.choice(["*", "*/4", str(r(24)), f"{r(12)}-{12 + r(12)}", "22-2", f"{r(24)},{r(24)}"]),
        "day_of_week": rnd.choice(["*", "*", str(r(7)), "mon-fri", "fri-mon", "sun", "sat,sun"]),
        "day_of_month": rnd.choice(["*", "*", str(1 + r(31)), "1-7", "29", "*/10", "28-31"]),
        "month_of_year": rnd.choice(["*", "*", "*", str(1 + r(12)), "2", "jan-jun", "*/3"]),
    }


def expected(fields, tz, after_iso):
    app = Celery(set_as_current=False)
    app.conf.timezone = tz
    after = datetime.fromisoformat(after_iso).astimezone(ZoneInfo(tz))
    schedule = crontab(app=app, nowfun=lambda: after, **fields)
    try:
        last, delta, _ = schedule.remaining_delta(after)
    except RuntimeError:  # "unable to rollover": the fields never match a date
        return None
    return (last + delta).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def main():
    rnd = random.Random(20261121)
    cases = []
    for _ in range(300):
        after = datetime(2023 + rnd.randrange(3), 1 + rnd.randrange(12), 1 + rnd.randrange(28),
                         rnd.randrange(24), rnd.randrange(60), rnd.choice([0, 0, rnd.randrange(60)]), tzinfo=timezone.utc)
        cases.append((random_fields(rnd), "UTC", after.isoformat()))
    for minute, hour, tz, after in [
        ("0", "2", "Europe/Berlin", "2024-03-30T01:00:00+00:00"),
        ("30", "2", "Europe/Berlin", "2024-03-30T12:00:00+00:00"),
        ("30", "2", "Europe/Berlin", "2024-03-31T01:30:00+00:00"),
        ("0", "*", "Europe/Berlin", "2024-03-31T00:30:00+00:00"),
        ("30", "2", "Europe/Berlin", "2024-10-26T12:00:00+00:00"),
        ("30", "2", "Europe/Berlin", "2024-10-27T00:30:00+00:00"),
        ("0", "*", "Europe/Berlin", "2024-10-27T00:00:00+00:00"),
        ("0", "3", "Europe/Berlin", "2024-10-26T12:00:00+00:00"),
        ("30", "1", "America/New_York", "2024-11-02T12:00:00+00:00"),
        ("30", "1", "America/New_York", "2024-11-03T05:30:00+00:00"),
        ("*/30", "*", "America/New_York", "2024-03-10T06:45:00+00:00"),
    ]:
        cases.append(({"minute": minute, "hour": hour}, tz, after))
    out = {"celery": celery.__version__, "cases": [
        {"fields": f, "timezone": tz, "after": a, "next": expected(f, tz, a)} for f, tz, a in cases
    ]}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
