// App for the Sentinel failover test: one task that works a little, and a beat entry every second.
const { Celery } = require('celeriac');

const app = new Celery('sentinelapp', { conf: { beat_schedule: {
  'sentinel-tick': { task: 'sentinel.work', schedule: 1, args: [-1, 1], options: { queue: 'sentbeat' } },
} } });
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

app.task('sentinel.work', async (i, ms) => {
  await wait(ms);
  return i;
});

exports.default = app;
