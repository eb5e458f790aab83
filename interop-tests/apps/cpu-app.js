// CPU-heavy tasks for the threads-pool interop test: run with `celeriac worker -A cpu-app.js -P threads`.
const { threadId } = require('node:worker_threads');
const { Celery } = require('celeriac');

/** A domain error whose class name Python must see as exc_type. */
class ChecksumMismatch extends Error {
  constructor(message) {
    super(message);
    this.name = 'ChecksumMismatch';
  }
}

const app = new Celery('cpu');

// Never yields: only the hard time limit (thread terminated) stops it.
app.task('cpu.spin', () => { for (;;) { /* busy */ } });
// Busy for `sec` seconds of wall time, then reports where it ran.
app.task('cpu.busy_for', (sec) => {
  const until = Date.now() + sec * 1000;
  let spins = 0;
  while (Date.now() < until) spins++;
  return { thread: threadId, spins: spins > 0 };
});
app.task('cpu.fib', (n) => {
  const fib = (k) => (k < 2 ? k : fib(k - 1) + fib(k - 2));
  return fib(n);
});
app.task('cpu.fail', (msg) => { throw new ChecksumMismatch(msg); });
// Explicitly on the event loop even under -P threads.
app.task('cpu.where', () => threadId, { pool: 'event' });

module.exports = app;
