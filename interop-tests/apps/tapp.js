// The JS side of the interop app: the same task names the Python producer (interop-tests/python/tapp.py) calls.
// TAPP_COUNTER_URL (default: CELERY_RESULT_BACKEND) is the Redis where tasks record executions and ordering.
const Redis = require('ioredis');
const { Celery } = require('celeriac');

/** A domain error whose class name Python must see as exc_type. */
class CertificateTemplateMissing extends Error {
  constructor(message) {
    super(message);
    this.name = 'CertificateTemplateMissing';
  }
}

const app = new Celery('tapp');
let counter;
/** One lazily opened connection for the recording tasks; closed when the worker process exits. */
function counterRedis() {
  counter ??= new Redis(process.env.TAPP_COUNTER_URL ?? process.env.CELERY_RESULT_BACKEND ?? 'redis://localhost:6379/2');
  return counter;
}
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

app.task('tapp.add', (x, y) => x + y);
app.task('tapp.greet', async (name, greeting) => `${greeting}, ${name}`, { params: ['name', 'greeting'] });
app.task('tapp.ctx', (task, x) => ({ id: task.request.id, retries: task.request.retries, x }), { bind: true });

// Returns its arguments unchanged, to prove they survive both directions (unicode, 1 MB strings).
app.task('tapp.echo', (...args) => args);
// Returns its argument and its length in UTF-16 code units and code points.
app.task('tapp.measure', (s) => ({ s, units: s.length, codePoints: [...s].length }));

// kombu type wrappers: datetime → Date, decimal/uuid → string (README "Arguments").
app.task('tapp.types', (when, amount, id) => ({
  whenIsDate: when instanceof Date,
  whenIso: when instanceof Date ? when.toISOString() : String(when),
  amountType: typeof amount,
  amount,
  idType: typeof id,
  id,
  whenBack: when,
}));

app.task('tapp.fail_type', (msg) => { throw new TypeError(msg); });
app.task('tapp.fail_value', (msg) => { throw new RangeError(msg); });
app.task('tapp.fail_custom', async (msg) => { throw new CertificateTemplateMissing(msg); });

// Appends its tag to a list so a test can read the execution order.
app.task('tapp.record', async (tag) => {
  await counterRedis().rpush('tapp:order', tag);
  return tag;
});

// Mixed-fleet task: records which worker ran it (one list entry per execution), then works a little.
app.task('tapp.fleet', async (task, i, sleepMs) => {
  await counterRedis().rpush(`tapp:ran:${task.request.id}`, `ts:${task.request.hostname}`);
  await wait(sleepMs);
  return { i, by: 'ts' };
}, { bind: true });

process.once('exit', () => counter?.disconnect());

exports.default = app;
