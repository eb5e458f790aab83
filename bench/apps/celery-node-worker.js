// celery-node 0.5.9 benchmark worker: same task name, Redis broker and backend from the environment.
const celery = require('celery-node');

const worker = celery.createWorker(process.env.CELERY_BROKER_URL, process.env.CELERY_RESULT_BACKEND, 'celery');
worker.register('bench.noop', () => null);
worker.start();
console.log('celery-node worker ready');
const stop = () => worker.disconnect().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
