import { parseArgs } from 'node:util';
import { runBeat } from '../beat/run-beat';
import { loadBeatSchedule, readBeatScheduleFile } from '../beat/schedule-file';
import type { BeatEntry } from '../beat/beat-entry';
import { loadConfig } from '../config/load-config';
import type { SettingsInput } from '../config/settings-schema';
import { CeleriacError } from '../errors/celeriac-error';
import { createLogger } from './create-logger';
import { loadApp } from './load-app';

/** `celeriac beat` usage text. */
export const BEAT_USAGE = `Usage: celeriac beat (-A <app.js> | --schedule <file.yaml|json>) [options]

  -A, --app <path>            app module; its conf.beat_schedule is the schedule
      --schedule <file>       schedule file (JSON or YAML, Celery's beat_schedule shape) instead of/over the app's
  -b, --broker <url>          broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
      --result-backend <url>  on RabbitMQ: a Redis result backend holds the lease and run record (env CELERY_RESULT_BACKEND)
      --schedule-filename <f> on RabbitMQ without a Redis backend: local state file (env CELERY_BEAT_SCHEDULE_FILENAME,
                              default celeriac-beat-schedule.json; a lock file <f>.lock sits next to it)
  -l, --loglevel <level>      log level (default: info)
      --lease-ms <ms>         leader lease; a standby takes over within this after the holder dies (default: 6000)
      --key-prefix <prefix>   prefix of beat's Redis keys (default: celeriac.beat)
      --missed-runs <policy>  run-once (default, as Celery) or skip: what to do with runs missed while no beat ran
On Redis (broker, or the result backend of a RabbitMQ broker) start it on several machines: exactly
one sends (Redis lease), another takes over when it dies. With a state file, run one beat per broker.`;

/** Runs beat until SIGTERM/SIGINT; resolves with the exit code. */
export async function runBeatCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' }, schedule: { type: 'string' }, broker: { type: 'string', short: 'b' },
      loglevel: { type: 'string', short: 'l' }, 'lease-ms': { type: 'string' }, 'missed-runs': { type: 'string' },
      'result-backend': { type: 'string' }, 'schedule-filename': { type: 'string' }, 'key-prefix': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${positionals[0]}"`);
  if (!values.app && !values.schedule) throw new CeleriacError('CELERIAC_CLI_USAGE', 'beat needs -A <app module> or --schedule <file>');
  const policy = values['missed-runs'] ?? 'run-once';
  if (policy !== 'run-once' && policy !== 'skip') {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `--missed-runs must be run-once or skip, got "${policy}"`);
  }
  const leaseMs = values['lease-ms'] === undefined ? 6000 : Number(values['lease-ms']);
  if (!Number.isInteger(leaseMs) || leaseMs < 1000) throw new CeleriacError('CELERIAC_CLI_USAGE', `--lease-ms must be an integer ≥ 1000, got "${values['lease-ms']}"`);
  const app = values.app ? loadApp(values.app) : null;
  const keyPrefix = values['key-prefix'];
  if (keyPrefix !== undefined && !/^[\w.:-]+$/.test(keyPrefix)) throw new CeleriacError('CELERIAC_CLI_USAGE', `--key-prefix must be letters, digits, '.', ':', '_' or '-', got "${keyPrefix}"`);
  const flags: SettingsInput = { broker_url: values.broker, result_backend: values['result-backend'], beat_schedule_filename: values['schedule-filename'],
    worker_loglevel: values.loglevel?.toLowerCase() as SettingsInput['worker_loglevel'] };
  const settings = loadConfig(env, flags, app?.conf ?? {});
  let timezone = settings.timezone;
  let entries: BeatEntry[];
  if (values.schedule) {
    ({ entries, timezone } = await readBeatScheduleFile(values.schedule, timezone));
  } else {
    entries = loadBeatSchedule(settings.beat_schedule, timezone);
  }
  const logger = createLogger(settings.worker_loglevel);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await runBeat({ brokerUrl: settings.broker_url, schedule: entries, timezone, logger, signal: controller.signal, leaseMs,
    missedRunPolicy: policy, brokerTransportOptions: settings.broker_transport_options, stateFile: settings.beat_schedule_filename,
    defaultQueue: settings.task_default_queue, queueSettings: settings, brokerUseSsl: settings.broker_use_ssl,
    ...(settings.redis_backend_use_ssl ? { backendUseSsl: settings.redis_backend_use_ssl } : {}),
    ...(settings.result_backend !== 'disabled' ? { resultBackendUrl: settings.result_backend } : {}),
    ...(keyPrefix ? { keyPrefix } : {}), ...(app ? { signals: app.signals } : {}) });
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return 0;
}
