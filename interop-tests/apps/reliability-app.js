// The JS side of interop-tests/worker-reliability.test.ts: tasks that count their executions in Redis
// (REL_COUNTER_URL) so the test can prove "exactly once", retry with backoff, and end in a DLQ.
const Redis = require('ioredis');
const { Celery } = require('celeriac');

const app = new Celery('reliability_app');
let counter;
/** One lazily opened connection for execution records; it closes with the worker process. */
function counterRedis() {
  counter ??= new Redis(process.env.REL_COUNTER_URL ?? 'redis://localhost:6379/3');
  return counter;
}
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** An error Python knows by name (the stored FAILURE is exc_type `name`). */
function pythonError(name, message) {
  const err = new Error(message);
  err.name = name;
  return err;
}

// ETA proof: counts its executions under its key.
app.task('rel.count', async (key) => {
  await counterRedis().incr(`rel:runs:${key}`);
  return key;
});

// Shutdown proof: acks-late work that counts executions per task id.
app.task('rel.work', async (task, i, sleepMs) => {
  await counterRedis().incr(`rel:runs:${task.request.id}`);
  await wait(sleepMs);
  return i;
}, { bind: true, acksLate: true });

// Retry proof: fails `failures` times with ConnectionError, retried automatically with backoff 1 s, 2 s, ...
app.task('rel.flaky', async (key, failures) => {
  const attempt = await counterRedis().incr(`rel:attempts:${key}`);
  if (attempt <= failures) throw pythonError('ConnectionError', `attempt ${attempt} of ${key}`);
  return `${key} ok after ${attempt} attempts`;
}, { autoretryFor: ['ConnectionError'], retryBackoff: true, retryJitter: false, maxRetries: 5 });

// DLQ proof: fails with KeyError (one automatic retry) until `rel:fixed:<key>` is set.
app.task('rel.doomed', async (key) => {
  await counterRedis().incr(`rel:runs:${key}`);
  if (await counterRedis().get(`rel:fixed:${key}`)) return `${key} fixed`;
  throw pythonError('KeyError', `broken ${key}`);
}, { autoretryFor: ['KeyError'], maxRetries: 1, defaultRetryDelay: 0.3, deadLetterQueue: 'rel.dlq' });

process.once('exit', () => counter?.disconnect());

exports.default = app;
