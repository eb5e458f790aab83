// The JS side of the rpc:// result backend interop test (interop-tests/amqp-rpc-backend.test.ts): the
// same task names and behaviour as interop-tests/python/rpc_app.py, so one Python client script can be
// run against a celeriac and a Python worker and give the same answers.
const { Celery } = require('celeriac');

const app = new Celery('rpc_app');

app.task('rpc.add', (x, y) => x + y);
app.task('rpc.fail', (msg) => { throw new RangeError(msg); });
// Retries once (RETRY is sent to the client), then returns its argument.
app.task('rpc.flaky', (task, value) => {
  if (task.request.retries < 1) task.retry({ countdown: 0.1, exc: new RangeError(`attempt ${task.request.retries}`) });
  return { value, retries: task.request.retries };
}, { bind: true });
app.task('rpc.tsum', (values) => values.reduce((a, b) => a + b, 0));

exports.default = app;
