// Request-context interop app: run with `celeriac worker -A context-app.js`. Python sends ctx.handle /
// ctx.handle_threads with custom headers and kwargs; each logs through its task logger and sends a
// follow-up ctx.audit with delay() to the `audit` queue (which nobody consumes: the test reads it).
const { threadId } = require('node:worker_threads');
const { Celery, currentRequest } = require('celeriac');

const app = new Celery('ctx', { conf: { worker_log_context_fields: ['request_id', 'organization_id', 'order_id'] } });

const audit = app.task('ctx.audit', (what) => what, { queue: 'audit' });

/** Logs, sends the audit follow-up, and reports where it ran and what scope it saw. */
async function handle(task, orderId) {
  task.log.info({ orderId }, 'handling order');
  await audit.delay(`delay:${orderId}`);
  const scope = currentRequest();
  return { thread: threadId, scope: scope ? { id: scope.id, rootId: scope.rootId, fields: scope.fields } : null };
}

app.task('ctx.handle', handle, { bind: true, params: ['order_id'] });
app.task('ctx.handle_threads', handle, { bind: true, params: ['order_id'], pool: 'threads' });

module.exports = app;
