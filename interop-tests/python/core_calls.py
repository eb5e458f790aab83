"""Calls the JS worker the ways Python code does and prints what came back, one entry per case.

Each case is {"ok": <value>} or {"error": "<class>: <message>"} so one broken case does not hide the rest.
"""
import datetime
import os
import decimal
import uuid

from tapp import add, app, emit, greet

TIMEOUT = float(os.environ.get("CORE_TIMEOUT", "30"))
UNICODE = "é ✓ 中文 😀 𝄞 \u00a0end"
BIG = "ab" * (512 * 1024) + "😀"
WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=datetime.timezone.utc)
AMOUNT = decimal.Decimal("1.50")
UID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def case(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:  # report, do not stop: the test asserts per case
        return {"error": f"{type(exc).__name__}: {exc}"}


def ctx():
    r = app.send_task("tapp.ctx", args=(7,))
    got = r.get(timeout=TIMEOUT)
    return {"got": got, "sent_id": r.id}


def unicode_echo():
    got = app.send_task("tapp.echo", args=(UNICODE, {"clé": "😀"})).get(timeout=TIMEOUT)
    return {"equal": got == [UNICODE, {"clé": "😀"}], "got": got}


def unicode_measure():
    got = app.send_task("tapp.measure", args=(UNICODE,)).get(timeout=TIMEOUT)
    return {"equal": got["s"] == UNICODE, "units": got["units"], "codePoints": got["codePoints"],
            "expected_units": len(UNICODE.encode("utf-16-le")) // 2, "expected_code_points": len(UNICODE)}


def types():
    got = app.send_task("tapp.types", args=(WHEN, AMOUNT, UID)).get(timeout=TIMEOUT)
    back = got.pop("whenBack")
    return {**got, "whenBackType": type(back).__name__, "whenBackEqual": back == WHEN,
            "expectedAmount": str(AMOUNT), "expectedId": str(UID)}


def big():
    got = app.send_task("tapp.echo", args=(BIG,)).get(timeout=TIMEOUT * 2)
    return {"equal": got == [BIG], "sent_chars": len(BIG), "got_chars": len(got[0]) if got else None}


emit({
    "add_delay": case(lambda: add.delay(2, 3).get(timeout=TIMEOUT)),
    "send_task": case(lambda: app.send_task("tapp.add", args=(10, 20)).get(timeout=TIMEOUT)),
    "apply_async_kwargs": case(lambda: greet.apply_async(kwargs={"name": "Ada", "greeting": "Hello"}).get(timeout=TIMEOUT)),
    "mixed_args_kwargs": case(lambda: greet.apply_async(args=("Ada",), kwargs={"greeting": "Hi"}).get(timeout=TIMEOUT)),
    "bind_ctx": case(ctx),
    "unicode_echo": case(unicode_echo),
    "unicode_measure": case(unicode_measure),
    "types": case(types),
    "big": case(big),
})
