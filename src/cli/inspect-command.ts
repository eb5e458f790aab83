import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { loadConfig } from '../config/load-config';
import { CeleriacError } from '../errors/celeriac-error';
import type { Transport } from '../transport/transport';
import { ControlClient } from '../worker/control/control-client';
import { formatControlReplies } from '../worker/control/format-control-replies';
import { createTransportFor } from './create-connections';
import { createLogger } from './create-logger';

/** Exit status when no worker answered: `EX_UNAVAILABLE`, as `celery inspect`/`celery status` use. */
export const EXIT_NO_REPLIES = 69;

/**
 * The inspect methods `celeriac inspect` sends, each with how positional words become arguments
 * (Celery's `Panel.meta` args/variadic for the same command).
 */
const INSPECT_METHODS: Readonly<Record<string, (words: string[]) => Record<string, unknown>>> = {
  ping: none, stats: none, clock: none, report: none, reserved: none, scheduled: none, revoked: none, active_queues: none,
  active: (w) => (w.length > 0 ? { safe: isTrue(w[0] as string) } : {}),
  registered: (w) => ({ taskinfoitems: w }),
  conf: (w) => (w.length > 0 ? { with_defaults: isTrue(w[0] as string) } : {}),
  query_task: (w) => ({ ids: w }),
};

/** `celeriac inspect` usage text. */
export const INSPECT_USAGE = `Usage: celeriac inspect <method> [args...] [options]

Methods: ${Object.keys(INSPECT_METHODS).sort().join(', ')}
  (query_task <id...>, registered [attr...], conf [include_defaults], active [safe])
  -b, --broker <url>        broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
  -d, --destination <a,b>   only these nodes answer
  -t, --timeout <s>         seconds to wait for replies (default: 1)
  -j, --json                print the replies as one JSON object {node: reply}
Exits 69 when no node replied, as \`celery inspect\` does. Needs no Python.`;

/** `celeriac status` usage text. */
export const STATUS_USAGE = `Usage: celeriac status [options]

Lists the workers that answer a ping (celeriac and Python workers alike).
  -b, --broker <url>        broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
  -d, --destination <a,b>   only these nodes answer
  -t, --timeout <s>         seconds to wait for replies (default: 1)
  -j, --json                print the replies as one JSON object {node: reply}
Exits 69 when no node replied, as \`celery status\` does. Needs no Python.`;

/** What the inspect/status commands need from the outside world (tests pass an in-memory transport). */
export interface InspectCommandIo {
  /** Builds the broker transport; default createTransportFor (chosen by URL scheme). */
  createTransport?: (settings: Settings, logger: Logger) => Transport;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** The flags `inspect`, `status` and `control` share. */
export interface ParsedControlFlags {
  words: string[];
  settings: Settings;
  destination: string[] | null;
  timeoutMs: number;
  json: boolean;
}

/** `celeriac inspect <method> [args] [-d nodes] [-t seconds] [--json]`: resolves with the exit code. */
export async function runInspectCommand(argv: string[], env: NodeJS.ProcessEnv, io: InspectCommandIo = {}): Promise<number> {
  const flags = parseControlFlags(argv, env);
  const [method, ...words] = flags.words;
  if (method === undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', 'inspect needs a method, e.g. `celeriac inspect ping`');
  const compile = INSPECT_METHODS[method];
  if (!compile) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `unknown inspect method "${method}"; one of ${Object.keys(INSPECT_METHODS).sort().join(', ')}`);
  }
  return callAndPrint(method, compile(words), flags, true, io);
}

/** `celeriac status [-d nodes] [-t seconds] [--json]`: pings every worker; resolves with the exit code. */
export async function runStatusCommand(argv: string[], env: NodeJS.ProcessEnv, io: InspectCommandIo = {}): Promise<number> {
  const flags = parseControlFlags(argv, env);
  if (flags.words.length > 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${flags.words[0]}"`);
  return callAndPrint('ping', {}, flags, false, io);
}

async function callAndPrint(method: string, args: Record<string, unknown>, flags: ParsedControlFlags, showReply: boolean,
  io: InspectCommandIo): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const stderr = io.stderr ?? ((t: string) => { process.stderr.write(t); });
  // Only warnings: stdout belongs to the replies.
  const logger = createLogger('warn', process.stderr);
  const transport = (io.createTransport ?? createTransportFor)(flags.settings, logger);
  let replies: Array<Record<string, unknown>>;
  try {
    const client = new ControlClient({ transport });
    replies = await client.call(method, { arguments: args, destination: flags.destination, timeoutMs: flags.timeoutMs });
  } finally {
    await transport.close().catch(() => undefined);
  }
  if (replies.length === 0) {
    stderr('Error: No nodes replied within time constraint\n');
    return EXIT_NO_REPLIES;
  }
  if (flags.json) {
    stdout(`${JSON.stringify(Object.assign({}, ...replies) as Record<string, unknown>)}\n`);
    return 0;
  }
  stdout(`${formatControlReplies(replies, { showReply })}\n`);
  return 0;
}

/** Parses `-b`, `-d`, `-t`, `--json` and the positional words of `inspect`, `status` and `control`. */
export function parseControlFlags(argv: string[], env: NodeJS.ProcessEnv): ParsedControlFlags {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      broker: { type: 'string', short: 'b' }, destination: { type: 'string', short: 'd' },
      timeout: { type: 'string', short: 't' }, json: { type: 'boolean', short: 'j' },
    },
  });
  const timeoutSec = values.timeout === undefined ? 1 : Number(values.timeout);
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  const destination = values.destination?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
  const flags: SettingsInput = { broker_url: values.broker };
  return {
    words: positionals, settings: loadConfig(env, flags), destination: destination.length > 0 ? destination : null,
    timeoutMs: Math.round(timeoutSec * 1000), json: values.json === true,
  };
}

function none(): Record<string, unknown> {
  return {};
}

/** Celery's `strtobool` for the boolean positional arguments. */
function isTrue(word: string): boolean {
  const lower = word.toLowerCase();
  if (['1', 'true', 'yes', 'y', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'n', 'off'].includes(lower)) return false;
  throw new CeleriacError('CELERIAC_CLI_USAGE', `expected a boolean (true/false), got "${word}"`);
}
