// celeriac benchmark app: the tasks the Python producer enqueues (bench/python/bench_app.py has the same names).
const { setTimeout: sleep } = require('node:timers/promises');
const { Celery } = require('celeriac');

const app = new Celery('bench');
app.task('bench.noop', () => null);
// I/O stand-in: a timer, the event loop stays free.
app.task('bench.sleep', async (ms) => { await sleep(ms); return null; });

exports.default = app;
