// celeriac benchmark app: the no-op task the Python producer enqueues.
const { Celery } = require('celeriac');

const app = new Celery('bench');
app.task('bench.noop', () => null);

exports.default = app;
