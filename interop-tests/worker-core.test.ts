// A real Python producer calls the celeriac worker and reads results with AsyncResult.get().
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, runPythonJson } from './helpers/python';
import { RedisProbe } from './helpers/redis-probe';

type Case<T> = { ok?: T; error?: string };
interface CallReport {
  add_delay: Case<number>;
  send_task: Case<number>;
  apply_async_kwargs: Case<string>;
  mixed_args_kwargs: Case<string>;
  bind_ctx: Case<{ got: { id: string; retries: number; x: number }; sent_id: string }>;
  unicode_echo: Case<{ equal: boolean; got: unknown }>;
  unicode_measure: Case<{ equal: boolean; units: number; codePoints: number; expected_units: number; expected_code_points: number }>;
  types: Case<Record<string, unknown>>;
  big: Case<{ equal: boolean; sent_chars: number; got_chars: number | null }>;
}
interface Raised { raised: boolean; cls: string; module: string; mro: string[]; args: string[]; state: string; traceback: string | null }
type FailureReport = Record<'type_error' | 'value_error' | 'custom' | 'not_registered' | 'wrong_arg_count', Raised>;

let redis: RedisServer;
let worker: CeleriacWorker;
let env: Record<string, string>;
let calls: CallReport;
let failures: FailureReport;

/** The value of a case, failing with the Python-side error when it raised. */
function ok<T>(c: Case<T>): T {
  if (c.error !== undefined) throw new Error(`Python side raised ${c.error}`);
  return c.ok as T;
}

beforeAll(async () => {
  redis = await startRedisServer();
  env = celeryEnv(redis.url(1), redis.url(2));
  worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['celery'], concurrency: 4 });
  [calls, failures] = await Promise.all([
    runPythonJson<CallReport>('core_calls.py', { env, timeoutMs: 150_000 }),
    runPythonJson<FailureReport>('core_failures.py', { env, timeoutMs: 150_000 }),
  ]);
});

afterAll(async () => {
  await worker?.stop();
  await killAllChildren();
  await redis?.stop();
});

describe('arguments', () => {
  it('add.delay(2, 3) returns 5', () => expect(ok(calls.add_delay)).toBe(5));
  it('send_task by name with positional args', () => expect(ok(calls.send_task)).toBe(30));
  it('apply_async(kwargs=...) binds keyword args by parameter name', () => expect(ok(calls.apply_async_kwargs)).toBe('Hello, Ada'));
  it('mixes positional and keyword args', () => expect(ok(calls.mixed_args_kwargs)).toBe('Hi, Ada'));
  it('bind: true passes the request (id, retries) first', () => {
    const { got, sent_id } = ok(calls.bind_ctx);
    expect(got).toEqual({ id: sent_id, retries: 0, x: 7 });
  });
});

describe('encoding', () => {
  it('round-trips unicode including astral characters sent as surrogate-pair escapes', () => {
    expect(ok(calls.unicode_echo)).toMatchObject({ equal: true });
  });
  it('JS sees astral characters as one code point (two UTF-16 units), as Python counts them', () => {
    const m = ok(calls.unicode_measure);
    expect(m.equal).toBe(true);
    expect(m.codePoints).toBe(m.expected_code_points);
    expect(m.units).toBe(m.expected_units);
  });
  it('decodes kombu type wrappers: datetime → Date, Decimal/UUID → string, and a returned Date reads back as datetime', () => {
    expect(ok(calls.types)).toEqual({
      whenIsDate: true, whenIso: '2024-01-02T03:04:05.123Z', amountType: 'string', amount: '1.50', idType: 'string',
      id: '12345678-1234-5678-1234-567812345678', whenBackType: 'datetime', whenBackEqual: true,
      expectedAmount: '1.50', expectedId: '12345678-1234-5678-1234-567812345678',
    });
  });
  it('carries a 1 MB argument both ways', () => {
    expect(ok(calls.big)).toEqual({ equal: true, sent_chars: 1024 * 1024 + 1, got_chars: 1024 * 1024 + 1 });
  });
});

describe('failures re-raised in Python', () => {
  it('TypeError stays a builtins TypeError with its message and a traceback', () => {
    expect(failures.type_error).toMatchObject({ raised: true, cls: 'TypeError', module: 'builtins', args: ['bad type é'], state: 'FAILURE' });
    expect(failures.type_error.traceback).toMatch(/TypeError/);
  });
  it('RangeError becomes ValueError', () => {
    expect(failures.value_error).toMatchObject({ raised: true, cls: 'ValueError', module: 'builtins', args: ['out of range'], state: 'FAILURE' });
    expect(failures.value_error.traceback).toMatch(/\S/);
  });
  it('a custom error class keeps its name and is an Exception subclass', () => {
    expect(failures.custom).toMatchObject({ raised: true, cls: 'CertificateTemplateMissing', args: ['no template for course 42'], state: 'FAILURE' });
    expect(failures.custom.mro).toContain('Exception');
    expect(failures.custom.traceback).toMatch(/CertificateTemplateMissing/);
  });
  it('an unknown task name raises celery.exceptions.NotRegistered naming the task', () => {
    expect(failures.not_registered).toMatchObject({ raised: true, cls: 'NotRegistered', module: 'celery.exceptions', state: 'FAILURE' });
    expect(failures.not_registered.args.join(' ')).toContain('tapp.nope');
  });
  it('a call with too many positional args raises TypeError', () => {
    expect(failures.wrong_arg_count).toMatchObject({ raised: true, cls: 'TypeError', state: 'FAILURE' });
    expect(failures.wrong_arg_count.args.join(' ')).toMatch(/takes 2 positional arguments but 3 were given/);
  });
});

describe('several queues', () => {
  it('-Q a,b consumes both and leaves other queues alone', async () => {
    const w2 = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['qa', 'qb'], nodeName: 'ts2@%h' });
    const probe = new RedisProbe(redis.url(1), redis.url(2));
    try {
      const ids = await runPythonJson<string[]>('core_send.py', {
        env,
        input: JSON.stringify([
          { name: 'tapp.add', args: [1, 1], queue: 'qa' }, { name: 'tapp.add', args: [2, 2], queue: 'qb' },
          { name: 'tapp.add', args: [3, 3], queue: 'qc' },
        ]),
      });
      const done = await runPythonJson<Record<string, { state: string; value?: number }>>('core_wait.py', { env, input: JSON.stringify(ids.slice(0, 2)) });
      expect(ids.slice(0, 2).map((id) => done[id])).toEqual([{ state: 'SUCCESS', value: 2 }, { state: 'SUCCESS', value: 4 }]);
      expect(await probe.queueLength('qc')).toBe(1);
      expect(await probe.meta(ids[2] as string)).toBeUndefined();
    } finally {
      await probe.close();
      await w2.stop();
    }
  });
});

describe('lifecycle', () => {
  it('logs "worker ready" with its hostname and queues', () => {
    const ready = worker.records().find((r) => r.msg === 'worker ready');
    expect(ready).toMatchObject({ queues: ['celery'] });
    expect(String(ready?.hostname)).toMatch(/^ts1@/);
  });
});
