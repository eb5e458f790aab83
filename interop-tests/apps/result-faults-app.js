// The JS side of interop-tests/worker-result-faults.test.ts: tasks whose results are too deep, too big
// or not serializable (each must end FAILURE EncodeError, never kill the worker), an echo for the
// NaN/Infinity messages Python sends, and acks-late work for the result-backend outage.
const { Celery } = require('celeriac');

const app = new Celery('result_faults_app');
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

app.task('faults.echo', (...args) => args);
app.task('faults.deep', (levels) => {
  let v = 'bottom';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
});
// 70 million Cyrillic characters: escaped as \uXXXX that is 420 MB of JSON; the old encoder aborted V8 on it.
app.task('faults.huge_string', (length) => 'я'.repeat(length));
app.task('faults.big_buffer', (bytes) => Buffer.alloc(bytes, 0x61));
app.task('faults.unencodable', () => ({ callback: () => 1 }));
app.task('faults.sized', (chars) => 'x'.repeat(chars));
app.task('faults.slow', async (i, ms) => {
  await wait(ms);
  return i;
}, { acksLate: true });

module.exports = app;
