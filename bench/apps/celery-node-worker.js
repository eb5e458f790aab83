// celery-node 0.5.9 benchmark worker: same task names, Redis broker and backend from the environment,
// one queue (BENCH_QUEUE, default celery): celery-node's createWorker takes a single queue name.
const celery = require('celery-node');

const worker = celery.createWorker(process.env.CELERY_BROKER_URL, process.env.CELERY_RESULT_BACKEND, process.env.BENCH_QUEUE || 'celery');
worker.register('bench.noop', () => null);
worker.register('bench.sleep', (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms)));
worker.start();
console.log('celery-node worker ready');
const stop = () => worker.disconnect().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
