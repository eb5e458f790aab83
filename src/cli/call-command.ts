import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { loadConfig } from '../config/load-config';
import { CeleriacError } from '../errors/celeriac-error';
import { createProducer, type SendTaskOptions } from '../producer/producer';
import type { TaskRoutes } from '../producer/task-router';
import type { Transport } from '../transport/transport';
import { createTransportFor } from './create-connections';
import { createLogger } from './create-logger';

/** `celeriac call` usage text. */
export const CALL_USAGE = `Usage: celeriac call <task name> [options]

Sends a task by name, as \`celery call\`, and prints its id (read the result with \`celeriac result <id>\`).
  -a, --args <json>          positional arguments, a JSON array (default: [])
  -k, --kwargs <json>        keyword arguments, a JSON object (default: {})
  -Q, --queue <name>         queue to send to (default: task_routes, else task_default_queue, celery)
      --countdown <s>        run no earlier than this many seconds from now
      --eta <iso-8601>       run no earlier than this instant (e.g. 2026-01-02T03:04:05Z)
      --expires <s|iso>      seconds from now, or an instant, after which the task must not run
  -b, --broker <url>         broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)`;

/** What the call command needs from the outside world (tests pass an in-memory transport). */
export interface CallCommandIo {
  /** Builds the broker transport; default createTransportFor (chosen by URL scheme). */
  createTransport?: (settings: Settings, logger: Logger) => Transport;
  stdout?: (text: string) => void;
}

/** What `celeriac call` will send. */
export interface ParsedCall {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: SendTaskOptions;
  flags: SettingsInput;
}

/** Parses `call` flags; every problem is a CELERIAC_CLI_USAGE error naming the flag. */
export function parseCallFlags(argv: string[]): ParsedCall {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      args: { type: 'string', short: 'a' }, kwargs: { type: 'string', short: 'k' }, queue: { type: 'string', short: 'Q' },
      countdown: { type: 'string' }, eta: { type: 'string' }, expires: { type: 'string' }, broker: { type: 'string', short: 'b' },
    },
  });
  const [name, extra] = positionals;
  if (name === undefined || name === '') throw new CeleriacError('CELERIAC_CLI_USAGE', 'call needs a task name, e.g. `celeriac call tasks.add --args \'[2, 3]\'`');
  if (extra !== undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${extra}"`);
  const args = parseJsonFlag(values.args, '--args', []);
  if (!Array.isArray(args)) throw new CeleriacError('CELERIAC_CLI_USAGE', `--args must be a JSON array, got ${values.args}`);
  const kwargs = parseJsonFlag(values.kwargs, '--kwargs', {});
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `--kwargs must be a JSON object, got ${values.kwargs}`);
  }
  if (values.countdown !== undefined && values.eta !== undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', '--countdown and --eta exclude each other');
  const options: SendTaskOptions = {};
  if (values.queue !== undefined) {
    if (values.queue === '') throw new CeleriacError('CELERIAC_CLI_USAGE', '--queue needs a queue name');
    options.queue = values.queue;
  }
  if (values.countdown !== undefined) options.countdown = seconds(values.countdown, '--countdown');
  if (values.eta !== undefined) options.eta = instant(values.eta, '--eta');
  if (values.expires !== undefined) {
    options.expires = /^\d+(\.\d+)?$/.test(values.expires) ? seconds(values.expires, '--expires') : instant(values.expires, '--expires');
  }
  return { name, args, kwargs: kwargs as Record<string, unknown>, options, flags: { broker_url: values.broker } };
}

/** `celeriac call NAME ...`: publishes the task and prints its id; resolves with the exit code. */
export async function runCallCommand(argv: string[], env: NodeJS.ProcessEnv, io: CallCommandIo = {}): Promise<number> {
  const call = parseCallFlags(argv);
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const settings = loadConfig(env, call.flags);
  // Only warnings, on stderr: stdout carries the task id alone, for scripts.
  const logger = createLogger('warn', process.stderr);
  const transport = (io.createTransport ?? createTransportFor)(settings, logger);
  try {
    await transport.connect();
    const producer = createProducer({ transport, backend: null, logger,
      conf: { task_routes: settings.task_routes as TaskRoutes | undefined, task_default_queue: settings.task_default_queue } });
    const result = await producer.sendTask(call.name, call.args, call.kwargs, call.options);
    stdout(`${result.id}\n`);
    return 0;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

function parseJsonFlag(raw: string | undefined, flag: string, fallback: unknown): unknown {
  if (raw === undefined) return fallback;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `${flag} is not valid JSON (${(err as Error).message}): ${raw}`, { cause: err });
  }
}

function seconds(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `${flag} must be a number of seconds ≥ 0, got "${raw}"`);
  return n;
}

/** An ISO-8601 instant; one without a zone is refused rather than read in the machine's zone. */
function instant(raw: string, flag: string): Date {
  const when = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw) || Number.isNaN(when.getTime())) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `${flag} must be an ISO-8601 instant with a zone (e.g. 2026-01-02T03:04:05Z), got "${raw}"`);
  }
  return when;
}
