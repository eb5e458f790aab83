"""Calls JS tasks that fail (and one that is not registered) and prints how Python re-raised each."""
import os

from tapp import app, emit

TIMEOUT = float(os.environ.get("CORE_TIMEOUT", "30"))
CASES = {
    "type_error": ("tapp.fail_type", ("bad type é",)),
    "value_error": ("tapp.fail_value", ("out of range",)),
    "custom": ("tapp.fail_custom", ("no template for course 42",)),
    "not_registered": ("tapp.nope", (1, 2)),
    "wrong_arg_count": ("tapp.greet", ("a", "b", "c")),
}


def observe(name, args):
    r = app.send_task(name, args=args)
    try:
        value = r.get(timeout=TIMEOUT)
        return {"raised": False, "value": value, "state": r.state}
    except Exception as exc:
        return {
            "raised": True,
            "cls": type(exc).__name__,
            "module": type(exc).__module__,
            "mro": [c.__name__ for c in type(exc).__mro__],
            "args": [str(a) for a in exc.args],
            "state": r.state,
            "traceback": r.traceback,
        }


emit({key: observe(name, args) for key, (name, args) in CASES.items()})
