// The interop app (tapp.js) plus the tasks the RabbitMQ semantics test needs on top of it
// (interop-tests/amqp-semantics.test.ts): a rate-limited task, one that waits for its soft time limit,
// and one that kills its pool thread on the first delivery (acks_late + task_reject_on_worker_lost).
const Redis = require('ioredis');
const app = require('./tapp.js').default;

let counter;
/** One lazily opened connection to TAPP_COUNTER_URL; closed when the worker process exits. */
function counterRedis() {
  counter ??= new Redis(process.env.TAPP_COUNTER_URL ?? process.env.CELERY_RESULT_BACKEND ?? 'redis://localhost:6379/2');
  return counter;
}

// 2 per second on this worker (Celery's token bucket): records when each execution started.
app.task('amqp.rated', async (tag) => {
  await counterRedis().rpush('amqp:rated', JSON.stringify([tag, Date.now()]));
  return tag;
}, { rateLimit: '2/s', pool: 'event' });

// Runs until its signal aborts (a soft time limit from the message), then fails with the abort reason.
app.task('amqp.until_soft', (task) => new Promise((_, reject) => {
  task.signal.addEventListener('abort', () => reject(task.signal.reason), { once: true });
}), { bind: true, pool: 'event' });

// On a pool thread: the first delivery kills the thread; the broker's redelivery of the same message succeeds.
app.task('amqp.crash_once', (task) => {
  if (!task.request.deliveryInfo.redelivered) process.exit(7);
  return 'second delivery';
}, { bind: true, acksLate: true, pool: 'threads' });

process.once('exit', () => counter?.disconnect());

exports.default = app;
