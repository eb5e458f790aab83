import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { loadConfig } from '../config/load-config';
import { CeleriacError } from '../errors/celeriac-error';
import type { Transport } from '../transport/transport';
import { createTransportFor } from './create-connections';
import { createLogger } from './create-logger';

/** `celeriac purge` usage text. */
export const PURGE_USAGE = `Usage: celeriac purge [-Q a,b] [-f] [options]

Deletes every waiting message of the queues, as \`celery purge\`: there is no undo. Messages a
worker already holds (reserved, running, ETA) are not touched.
  -Q, --queues <a,b>   queues to purge (default: task_default_queue, celery)
  -f, --force          do not ask for confirmation (needed when stdin is not a terminal)
  -b, --broker <url>   broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)`;

/** What the purge command needs from the outside world (tests pass an in-memory transport and answers). */
export interface PurgeCommandIo {
  /** Builds the broker transport; default createTransportFor (chosen by URL scheme). */
  createTransport?: (settings: Settings, logger: Logger) => Transport;
  /** Whether a person can answer (default: stdin and stdout are terminals). */
  isInteractive?: boolean;
  /** Asks a question and resolves with the answer (default: a readline prompt on the terminal). */
  ask?: (question: string) => Promise<string>;
  stdout?: (text: string) => void;
}

/** `celeriac purge [-Q a,b] [-f]`: resolves with the exit code (1 when not confirmed). */
export async function runPurgeCommand(argv: string[], env: NodeJS.ProcessEnv, io: PurgeCommandIo = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: { queues: { type: 'string', short: 'Q' }, force: { type: 'boolean', short: 'f' }, broker: { type: 'string', short: 'b' } },
  });
  if (positionals.length > 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${positionals[0]}"`);
  const settings = loadConfig(env, { broker_url: values.broker } satisfies SettingsInput);
  const queues = values.queues === undefined ? [settings.task_default_queue]
    : [...new Set(values.queues.split(',').map((q) => q.trim()).filter((q) => q !== ''))];
  if (queues.length === 0) throw new CeleriacError('CELERIAC_CLI_USAGE', '-Q needs at least one queue name');
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const queueList = `${noun(queues.length, 'queue')}: ${[...queues].sort().join(', ')}`;
  if (!values.force) {
    const interactive = io.isInteractive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true);
    if (!interactive) {
      throw new CeleriacError('CELERIAC_CLI_PURGE_UNCONFIRMED', `purge would remove all tasks from ${queueList}, and there is no terminal to confirm it: pass -f to purge without asking`);
    }
    // Celery's wording and its yes/NO default (celery/bin/purge.py).
    stdout(`WARNING: This will remove all tasks from ${queueList}.\n         There is no undo for this operation!\n\n(to skip this prompt use the -f option)\n\n`);
    const answer = await (io.ask ?? askOnTerminal)('Are you sure you want to delete all tasks (yes/NO)? ');
    if (!['y', 'yes'].includes(answer.trim().toLowerCase())) {
      stdout('Aborted!\n');
      return 1;
    }
  }
  const transport = (io.createTransport ?? createTransportFor)(settings, createLogger('warn', process.stderr));
  try {
    await transport.connect();
    let purged = 0;
    for (const queue of queues) purged += await transport.purge(queue);
    const n = queues.length;
    stdout(purged > 0 ? `Purged ${purged} ${noun(purged, 'message')} from ${n} known task ${noun(n, 'queue')}.\n`
      : `No messages purged from ${n} ${noun(n, 'queue')}.\n`);
    return 0;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** `word` or its plural, as Celery's `text.pluralize`. */
function noun(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
