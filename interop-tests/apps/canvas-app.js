// The JS side of the worker canvas/retry interop tests: the same task names as
// interop-tests/python/canvas_worker_app.py, so Python builds canvases (chain, group, chord, link,
// link_error, retries) that the celeriac worker executes, alone or next to a Python worker.
// CANVAS_COUNTER_URL (default: CELERY_RESULT_BACKEND) is the Redis where tasks record who ran them.
const Redis = require('ioredis');
const { Celery } = require('celeriac');

const app = new Celery('canvas_worker_app');
let counter;
/** One lazily opened connection for the recording tasks; closed when the worker process exits. */
function counterRedis() {
  counter ??= new Redis(process.env.CANVAS_COUNTER_URL ?? process.env.CELERY_RESULT_BACKEND ?? 'redis://localhost:6379/2');
  return counter;
}
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error Python re-raises as its builtin KeyError. */
function keyError(key) {
  const err = new Error(String(key));
  err.name = 'KeyError';
  return err;
}

app.task('canvas.add', (x, y) => x + y);
app.task('canvas.mul', (x, y) => x * y);
app.task('canvas.tsum', (values) => values.reduce((a, b) => a + b, 0));
app.task('canvas.fail', (value) => { throw keyError(`no key for ${value}`); });
app.task('canvas.on_err', (taskId) => `errback saw ${taskId}`);
app.task('canvas.echo', (...args) => args);

// Retries (countdown 0.2 s) until it has been retried `times` times, then returns what it saw.
app.task('canvas.retry_n', (task, value, times) => {
  if (task.request.retries < times) task.retry({ countdown: 0.2, exc: new RangeError(`attempt ${task.request.retries}`) });
  return { value, retries: task.request.retries, by: 'ts' };
}, { bind: true });

// Cross-implementation retry: the first delivery retries after `countdownSec`; a retry delivery returns who ran it.
app.task('canvas.handoff', (task, value, countdownSec) => {
  if (task.request.retries === 0) task.retry({ countdown: countdownSec });
  return { value, retries: task.request.retries, by: 'ts' };
}, { bind: true });

// Mixed-fleet chord header member: records who ran it, works a little, returns its index and runner.
app.task('canvas.part', async (task, i, sleepMs) => {
  await counterRedis().rpush(`canvas:ran:${task.request.id}`, 'ts');
  await wait(sleepMs);
  return [i, 'ts'];
}, { bind: true });

// Mixed-fleet chord body: records each execution under its own id, returns the ordered parts.
app.task('canvas.collect', async (task, parts) => {
  await counterRedis().rpush(`canvas:body:${task.request.id}`, 'ts');
  return parts;
}, { bind: true });

// The complete-canvas cases (interop-tests/worker-canvas-complete.test.ts).
app.task('canvas.identity', (x) => x);
app.task('canvas.fail_expected', () => {
  const err = new Error('expected');
  err.name = 'ExpectedException';
  err.pythonModule = 'canvas_worker_app';
  throw err;
});
app.task('canvas.redis_count', async (key) => { await counterRedis().incr(key); return null; });
// A new-style errback (request, exc, traceback): called in process by the worker that saw the failure.
app.task('canvas.errback_new', async (request) => { await counterRedis().incr(`errback_new:${request.id}`); return null; },
  { params: ['request', 'exc', 'traceback'] });

process.once('exit', () => counter?.disconnect());

exports.default = app;
