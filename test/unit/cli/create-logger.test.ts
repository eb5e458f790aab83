import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createLogger, REDACTED_PATHS } from '../../../src/cli/create-logger';

/** A destination keeping every line written. */
function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

/** An error like the ones ioredis rejects with: the failed command (with its arguments) on the error. */
function redisError(message: string, args: string[]): Error {
  return Object.assign(new Error(message), { command: { name: 'auth', args } });
}

const SECRET = 's3cr3t-value';

/** Every way a secret path of REDACTED_PATHS can appear in a log call, plus fields that must stay visible. */
const CALLS: Array<[string, (log: Logger) => void]> = [
  ['top-level keys', (log) => log.info({ password: SECRET, pass: SECRET, smtpPassword: SECRET, hmacKey: SECRET, authorization: SECRET, user: 'u' }, 'm')],
  ['one level down (*.x)', (log) => log.info({ smtp: { host: 'h', password: SECRET, pass: SECRET }, signing: { hmacKey: SECRET }, x: { smtpPassword: SECRET } }, 'm')],
  ['headers.authorization', (log) => log.warn({ headers: { authorization: `Bearer ${SECRET}`, accept: 'json' } }, 'm')],
  ['settings URLs', (log) => log.info({ settings: { broker_url: `redis://:${SECRET}@h/1`, result_backend: `redis://:${SECRET}@h/2`, worker_concurrency: 4 } }, 'm')],
  ['err.command.args', (log) => log.error({ err: redisError('NOAUTH', ['default', SECRET]), taskId: 't' }, 'm')],
  ['an Error as the only argument', (log) => log.error(redisError('WRONGPASS', [SECRET]))],
  ['err.cause.command.args (plain cause)', (log) => log.error({ err: Object.assign(new Error('outer'), { cause: { command: { name: 'auth', args: [SECRET] } } }) }, 'm')],
  ['*.err.command.args', (log) => log.error({ attempt: { err: redisError('NOAUTH', [SECRET]), n: 2 } }, 'm')],
  ['command.args', (log) => log.warn({ command: { name: 'auth', args: [SECRET] } }, 'm')],
  ['err with a password field', (log) => log.error({ err: Object.assign(new Error('e'), { password: SECRET }) }, 'm')],
  ['child bindings', (log) => log.child({ password: SECRET, component: 'c', smtp: { password: SECRET } }).info({ taskId: 't' }, 'm')],
  ['child of a child', (log) => log.child({ a: 1 }).child({ settings: { broker_url: SECRET } }).info('m')],
  ['%o argument', (log) => log.info('connecting %o', { password: SECRET, host: 'h' })],
  ['%j argument after an object', (log) => log.info({ taskId: 't' }, 'opts %j', { smtp: { password: SECRET } })],
  ['undefined secret, arrays, nulls', (log) => log.info({ password: undefined, list: [{ password: 'array element' }], n: null, d: new Date(0) }, 'm')],
  ['hot path record', (log) => log.info({ taskId: 'id-1', taskName: 'bench.noop', retries: 0, runtimeMs: 0.01 }, 'task succeeded')],
];

/** pino's own `redact` with the same paths: the behaviour the one-pass redactor must keep. */
function reference(stream: Writable): Logger {
  return pino({ level: 'info', redact: { paths: [...REDACTED_PATHS], censor: '***' }, base: { pid: process.pid } }, stream);
}

const withoutTime = (line: string): unknown => {
  const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return rest;
};

describe('createLogger redaction', () => {
  it.each(CALLS)('%s: written exactly as pino redact writes it, the secret nowhere', (_name, call) => {
    const ours = sink();
    const theirs = sink();
    // One call site for both, so the stacks of errors logged agree line for line.
    for (const log of [createLogger('info', ours.stream), reference(theirs.stream)]) call(log);
    expect(ours.lines).toHaveLength(theirs.lines.length);
    expect(ours.lines.length).toBeGreaterThan(0);
    expect(ours.lines.map(withoutTime)).toEqual(theirs.lines.map(withoutTime));
    for (const line of ours.lines) expect(line).not.toContain(SECRET);
  });

  it('hides a secret an object shows only through toJSON (pino redact misses it)', () => {
    const out = sink();
    createLogger('info', out.stream).info({ conn: { toJSON: () => ({ password: SECRET, host: 'h' }) } }, 'm');
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ conn: { password: '***', host: 'h' } });
    expect(out.lines[0]).not.toContain(SECRET);
  });

  it('leaves the logged objects as they were', () => {
    const smtp = { host: 'h', password: SECRET };
    const err = redisError('NOAUTH', [SECRET]);
    const record = { smtp, err, password: SECRET };
    createLogger('info', sink().stream).error(record, 'm');
    expect(record.password).toBe(SECRET);
    expect(smtp.password).toBe(SECRET);
    expect((err as unknown as { command: { args: string[] } }).command.args).toEqual([SECRET]);
  });

  it('keeps the fields of a record with no secret (same object, nothing copied)', () => {
    const out = sink();
    createLogger('info', out.stream).info({ taskId: 'a', nested: { host: 'h' } }, 'm');
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ taskId: 'a', nested: { host: 'h' }, msg: 'm', level: 30 });
  });
});
