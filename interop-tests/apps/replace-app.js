// The JS side of interop-tests/worker-replace.test.ts: the task names of
// interop-tests/python/replace_app.py, written with celeriac's canvas builders, task.replace() and
// task.addToChord(), so the same Python producer script runs against either worker.
const { Celery, chain, chord, group, GroupResult } = require('celeriac');

const app = new Celery('replace_app', { conf: { result_extended: true } });

/** A Python KeyError. */
function keyError(why) {
  const err = new Error(String(why));
  err.name = 'KeyError';
  return err;
}

const add = app.task('rp.add', (x, y) => x + y);
app.task('rp.identity', (x) => x);
const tsum = app.task('rp.tsum', (values) => values.reduce((a, b) => a + b, 0));
const fail = app.task('rp.fail', (why) => { throw keyError(why); });

app.task('rp.add_replaced', (task, x, y) => task.replace(add.s(x, y)), { bind: true });
app.task('rp.fail_replaced', (task, why) => task.replace(fail.si(why)), { bind: true });
app.task('rp.replace_with_chain', (task, x) => task.replace(chain(add.s(x, 1), add.s(10))), { bind: true });
app.task('rp.replace_with_group', (task, nums, val) => task.replace(group(...nums.map((n) => add.s(n, val)))), { bind: true });
app.task('rp.add_to_chord', async (task, nums, val) => {
  for (const n of nums) await task.addToChord(add.s(n, val));
  return 0;
}, { bind: true });
app.task('rp.add_chord_to_chord', async (task, nums, val) => {
  await task.addToChord(chord(nums.map((n) => add.s(n, val)), tsum.s()));
  return 0;
}, { bind: true });
app.task('rp.sender', async (task, x) => {
  await add.delay(x, 1);
  await chain(add.s(x, 2), add.s(3)).applyAsync();
  await group(add.s(x, 4), add.s(x, 5)).applyAsync();
  return x;
}, { bind: true });

app.task('rp.send_then_fail', async (task, x) => {
  await add.delay(x, 1);
  throw keyError('after sending');
}, { bind: true });

/** `AsyncResult.as_tuple()`: what Python stores for a task that returns a result object. */
function asTuple(r) {
  return [[r.id, r.parent ? asTuple(r.parent) : null], r instanceof GroupResult ? r.results.map(asTuple) : null];
}
app.task('rp.build_chain', async () => asTuple(await chain(add.s(1, 1), add.s(2), group(add.s(3), add.s(4)), tsum.s()).applyAsync()));

module.exports = app;
