import pino from 'pino';
import { coerceError } from '../errors/coerce-error';
import { runBeat } from './run-beat';
import { loadBeatSchedule, readBeatScheduleFile } from './schedule-file';
import type { MissedRunPolicy } from './scheduler';

/**
 * Options of the standalone beat entry point, as one JSON object in argv[2] (used by the interop
 * tests until `celeriac beat` exists in the CLI).
 */
export interface BeatMainOptions {
  brokerUrl: string;
  /** A `beat_schedule` object, or... */
  schedule?: unknown;
  /** ...a JSON/YAML schedule file. */
  scheduleFile?: string;
  timezone?: string;
  leaseMs?: number;
  missedRunPolicy?: MissedRunPolicy;
  defaultQueue?: string;
  keyPrefix?: string;
  /** Celery's `broker_transport_options` (`global_keyprefix`, `sep`, `priority_steps`, ...). */
  brokerTransportOptions?: Record<string, unknown>;
  logLevel?: string;
}

/**
 * `node dist/src/beat/run-beat-main.js '<json>'`: runs beat until SIGTERM/SIGINT. JSON log lines on
 * stdout; a bad schedule prints its problems and sets exit code 2.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const opts = JSON.parse(argv[2] ?? '{}') as BeatMainOptions;
  const logger = pino({ level: opts.logLevel ?? 'info', base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }));
  let entries;
  let timezone = opts.timezone ?? 'UTC';
  try {
    if (opts.scheduleFile) {
      const file = await readBeatScheduleFile(opts.scheduleFile, timezone);
      ({ entries, timezone } = file);
    } else {
      entries = loadBeatSchedule(opts.schedule ?? {}, timezone);
    }
  } catch (err) {
    process.stderr.write(`${coerceError(err).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await runBeat({ brokerUrl: opts.brokerUrl, schedule: entries, timezone, logger, signal: controller.signal,
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.missedRunPolicy !== undefined ? { missedRunPolicy: opts.missedRunPolicy } : {}),
    ...(opts.defaultQueue !== undefined ? { defaultQueue: opts.defaultQueue } : {}),
    ...(opts.keyPrefix !== undefined ? { keyPrefix: opts.keyPrefix } : {}),
    ...(opts.brokerTransportOptions !== undefined ? { brokerTransportOptions: opts.brokerTransportOptions } : {}) });
  return 0;
}

if (require.main === module) {
  main(process.argv).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`${coerceError(err).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
