import { writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { BatchedLines } from './batched-lines';
import { buildLogRedactor } from './build-log-redactor';

/** Keys whose values never reach the logs. URLs are logged through safeUrl() as well. */
export const REDACTED_PATHS: readonly string[] = ['password', '*.password', 'pass', '*.pass', 'smtpPassword', '*.smtpPassword', 'hmacKey',
  '*.hmacKey', 'authorization', '*.authorization', 'headers.authorization', 'settings.broker_url', 'settings.result_backend',
  // ioredis puts the failed command on its errors: a refused `AUTH <password>` would log the password.
  'err.command.args', 'err.cause.command.args', '*.err.command.args', 'command.args'];

const CENSOR = '***';

/**
 * The one root logger: JSON lines on stdout, secrets redacted. Redaction is one pass over each
 * record's own keys (buildLogRedactor) at pino's formatter stage, child bindings, the serialized
 * `err` and `%o` arguments included, rather than pino's `redact` option, whose `*.x` paths run a redactor on every
 * top-level field of every line (a hot-path cost at one line per task).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const redactor = buildLogRedactor(REDACTED_PATHS, CENSOR);
  const root = pino({
    level,
    base: { pid: process.pid },
    formatters: { log: redactor.record, bindings: redactor.record },
    serializers: { err: (err: unknown) => redactor.error(pino.stdSerializers.err(err as Error)) },
    hooks: {
      // Objects interpolated into the message (`log.info('x %o', obj)`) are redacted as whole records.
      logMethod(args, method) {
        if (args.length > 1 && typeof args[0] !== 'string') {
          for (let i = 2; i < args.length; i++) args[i] = redactor.value(args[i]);
        } else if (args.length > 1) {
          for (let i = 1; i < args.length; i++) args[i] = redactor.value(args[i]);
        }
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  }, destination ?? stdoutLines());
  // pino applies formatters.bindings to the root's bindings only: a child's are redacted on the way in.
  // Every child inherits `child` from the root (pino children are Object.create(parent)).
  type ChildMethod = (this: Logger, bindings: Record<string, unknown>, options?: object) => Logger;
  const child = root.child as unknown as ChildMethod;
  const redactedChild: ChildMethod = function redactedChild(bindings, options) {
    return child.call(this, redactor.record(bindings), options);
  };
  root.child = redactedChild as unknown as Logger['child'];
  return root;
}

/**
 * Stdout through pino's SonicBoom (asynchronous writes, flushed synchronously at exit), in its
 * buffer mode, behind BatchedLines. In SonicBoom's default string mode every `write` measures the
 * pending 16 KiB chunk with `Buffer.byteLength`, which flattens the concatenated string again on
 * each line: about 2 KiB allocated and copied per log line at one line per task. In buffer mode the
 * pending chunk is a list of Buffers concatenated once per write(2). BatchedLines hands it one chunk
 * per LOG_FLUSH_MS instead of one write per line (measured on the 2-core VM under sequential
 * `.delay().get()`: about 25 µs of main-thread CPU a line in the CPU profile, plus the thread pool's write(2)).
 */
function stdoutLines(): BatchedLines {
  const sonic = pino.destination({ fd: 1, sync: false, contentMode: 'buffer' });
  const isEnded = (): boolean => (sonic as unknown as { destroyed: boolean }).destroyed;
  const lines = new BatchedLines({
    write: (chunk) => { sonic.write(chunk as unknown as string); },
    flush: (cb) => sonic.flush(cb),
    flushSync: () => sonic.flushSync(),
    end: () => sonic.end(),
    get ended() { return isEnded(); },
    writeDirect: (chunk) => { writeSync(1, chunk); },
  });
  passOnAtExit(lines);
  return lines;
}

/** Every stdout writer of this process, and whether the exit hooks that pass on their lines are set. */
const atExit = new Set<BatchedLines>();
let exitHooked = false;

/** pino's own exit hooks flush (and on beforeExit end) SonicBoom; these pass on what still waits here. One pair per process. */
function passOnAtExit(lines: BatchedLines): void {
  atExit.add(lines);
  if (exitHooked) return;
  exitHooked = true;
  process.on('beforeExit', () => { for (const l of atExit) l.handOver(); });
  process.on('exit', () => { for (const l of atExit) l.flushSync(); });
}
