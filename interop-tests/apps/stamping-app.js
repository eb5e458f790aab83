// The JS side of the stamping / remote-control interop test: the task names of interop-tests/python/stamping_app.py.
const { Celery } = require('celeriac');

const app = new Celery('stamping_app');

app.task('stamp.add', (x, y) => x + y);
app.task('stamp.sleep', (task, ms) => new Promise((resolve) => {
  const timer = setTimeout(() => resolve(ms), ms);
  task.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(null); }, { once: true });
}), { bind: true });
// What the task sees of its request: stamps and message properties (Python: self.request.stamps / .properties).
app.task('stamp.request', (task) => ({
  stamped_headers: task.request.stampedHeaders,
  stamps: task.request.stamps,
  app_id: task.request.properties.app_id ?? null,
  test_properties: task.request.properties.test_properties ?? null,
}), { bind: true });
// def retry_once(self, *args, expires=None, max_retries=1, countdown=0.1)
app.task('stamp.retry_once', (task, _args, { expires = null, max_retries: maxRetries = 1, countdown = 0.1 }) => {
  if (task.request.retries) return task.request.retries;
  return task.retry({ countdown, maxRetries, ...(expires === null ? {} : { expires }) });
}, { bind: true, varArgs: true, kwOnly: ['expires', 'max_retries', 'countdown'] });

exports.default = app;
