"""Python side of interop-tests/worker-replace.test.ts: tasks that replace themselves (with a task,
a chain, a group), add to their chord, and send tasks or a chain while they run. The same task names
as interop-tests/apps/replace-app.js; a stock Python worker runs this module for the reference run.

Environment: CELERY_BROKER_URL, CELERY_RESULT_BACKEND.
"""
import os

from celery import Celery, chain, group

app = Celery(
    "replace_app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/1"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/2"),
)
app.conf.broker_connection_retry_on_startup = True
app.conf.result_extended = True


@app.task(name="rp.add")
def add(x, y):
    return x + y


@app.task(name="rp.identity")
def identity(x):
    return x


@app.task(name="rp.tsum")
def tsum(values):
    return sum(values)


@app.task(name="rp.fail")
def fail(why):
    raise KeyError(why)


@app.task(bind=True, name="rp.add_replaced")
def add_replaced(self, x, y):
    raise self.replace(add.s(x, y))


@app.task(bind=True, name="rp.fail_replaced")
def fail_replaced(self, why):
    raise self.replace(fail.si(why))


@app.task(bind=True, name="rp.replace_with_chain")
def replace_with_chain(self, x):
    return self.replace(chain(add.s(x, 1), add.s(10)))


@app.task(bind=True, name="rp.replace_with_group")
def replace_with_group(self, nums, val):
    return self.replace(group(add.s(n, val) for n in nums))


@app.task(bind=True, name="rp.add_to_chord")
def add_to_chord(self, nums, val):
    for n in nums:
        self.add_to_chord(add.s(n, val))
    return 0


@app.task(bind=True, name="rp.add_chord_to_chord")
def add_chord_to_chord(self, nums, val):
    self.add_to_chord(group(add.s(n, val) for n in nums) | tsum.s())
    return 0


@app.task(bind=True, name="rp.sender")
def sender(self, x):
    add.delay(x, 1)
    chain(add.s(x, 2), add.s(3)).apply_async()
    group(add.s(x, 4), add.s(x, 5)).apply_async()
    return x


@app.task(bind=True, name="rp.send_then_fail")
def send_then_fail(self, x):
    add.delay(x, 1)
    raise KeyError("after sending")


@app.task(bind=True, name="rp.build_chain")
def build_chain(self):
    return chain(add.s(1, 1), add.s(2), group(add.s(3), add.s(4)), tsum.s())()
