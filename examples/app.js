// Example app module: `npx celeriac worker -A ./examples/app.js -Q celery,emails`.
// Task names are exactly the ones Python producers use.
const { Celery } = require('celeriac');

const app = new Celery('lms', { broker: process.env.CELERY_BROKER_URL });

app.task('tasks.add', (x, y) => x + y);

app.task('app.tasks.email_tasks.send_welcome_email',
  async (userId, email, fullName) => {
    // Deliver the email here (e.g. with nodemailer). The return value is stored as the result.
    return { userId, email, greeted: fullName };
  },
  { params: ['user_id', 'email', 'full_name'], queue: 'emails' });

app.task('tasks.report', async (task, studentId) => {
  task.log.info({ studentId }, 'building report');
  await task.updateState('PROGRESS', { current: 1, total: 1 });
  return { studentId, requestId: task.request.id };
}, { bind: true, params: ['student_id'] });

module.exports = app;
