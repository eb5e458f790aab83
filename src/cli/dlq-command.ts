import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { loadConfig } from '../config/load-config';
import { CeleriacError } from '../errors/celeriac-error';
import type { Delivery, Transport } from '../transport/transport';
import { buildRequeuedMessage, describeDeadLetter, type DeadLetterEntry } from '../worker/dead-letter';
import { createTransportFor } from './create-connections';
import { createLogger } from './create-logger';

/** `celeriac dlq` usage text. */
export const DLQ_USAGE = `Usage: celeriac dlq <list|requeue|purge> <queue> [options]

  list <queue> [--limit N] [--json]      show id, task, original queue, reason, failed-at (removes nothing)
  requeue <queue> (--id ID ... | --all)  move messages back to their original queue, retries reset to 0
  purge <queue> (--id ID ... | --all)    delete messages
  -b, --broker <url>   broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
  -t, --timeout <s>    seconds to wait for the queue's messages to arrive (default: 5)
Works on the dead-letter queue (task_dead_letter_queue) and on the poison queue (celeriac.poison),
on Redis and RabbitMQ alike: there they are ordinary queues celeriac copies messages to (on RabbitMQ
durable queues, not RabbitMQ's own x-dead-letter-exchange). Messages are taken with ordinary
deliveries and those not selected are given back: a crash in between leaves them unacked, and the
broker gives them back (Redis: the visibility sweep; RabbitMQ: when the connection closes).`;

/** What the dlq command needs from the outside world (tests pass an in-memory transport). */
export interface DlqCommandIo {
  /** Builds the broker transport; default createTransportFor (chosen by URL scheme). */
  createTransport?: (settings: Settings, logger: Logger) => Transport;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** `celeriac dlq list|requeue|purge <queue> ...`: resolves with the exit code (1 when a requested id was not found). */
export async function runDlqCommand(argv: string[], env: NodeJS.ProcessEnv, io: DlqCommandIo = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: {
      broker: { type: 'string', short: 'b' }, limit: { type: 'string' }, json: { type: 'boolean', short: 'j' },
      id: { type: 'string', multiple: true }, all: { type: 'boolean' }, timeout: { type: 'string', short: 't' },
    },
  });
  const [action, queue, extra] = positionals;
  if (action !== 'list' && action !== 'requeue' && action !== 'purge') {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `dlq needs an action: list, requeue or purge${action ? `, got "${action}"` : ''}`);
  }
  if (!queue) throw new CeleriacError('CELERIAC_CLI_USAGE', `dlq ${action} needs a queue name, e.g. \`celeriac dlq ${action} celeriac.dlq\``);
  if (extra !== undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${extra}"`);
  const timeoutMs = positiveNumber(values.timeout, 5, '--timeout') * 1000;
  const limit = Math.floor(positiveNumber(values.limit, 100, '--limit'));
  const ids = new Set(values.id ?? []);
  if (action !== 'list' && ids.size === 0 && !values.all) throw new CeleriacError('CELERIAC_CLI_USAGE', `dlq ${action} needs --id <id> (repeatable) or --all`);
  if (action !== 'list' && ids.size > 0 && values.all) throw new CeleriacError('CELERIAC_CLI_USAGE', '--id and --all exclude each other');
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const stderr = io.stderr ?? ((t: string) => { process.stderr.write(t); });
  const settings = loadConfig(env, { broker_url: values.broker } satisfies SettingsInput);
  const transport = (io.createTransport ?? createTransportFor)(settings, createLogger('warn', process.stderr));
  try {
    await transport.connect();
    if (action === 'list') {
      const entries = (await takeMessages(transport, queue, limit, timeoutMs)).map((d) => {
        const entry = describeDeadLetter(d.message);
        // An element the transport refused unread (kept byte for byte) carries its reason on the delivery.
        return d.refusal ? { ...entry, reason: entry.reason ?? d.refusal.code, exception: entry.exception ?? d.refusal.reason } : entry;
      });
      stdout(values.json ? `${JSON.stringify(entries)}\n` : formatEntries(queue, entries));
      return 0;
    }
    const taken = await takeMessages(transport, queue, 0, timeoutMs);
    const selected = taken.filter((d) => values.all || ids.has(describeDeadLetter(d.message).id ?? ''));
    const done = action === 'requeue' ? await requeueAll(transport, selected, stderr) : await purgeAll(selected);
    stdout(`${action === 'requeue' ? 'requeued' : 'purged'} ${done} message(s) from ${queue}\n`);
    const found = new Set(selected.map((d) => describeDeadLetter(d.message).id));
    const missing = [...ids].filter((id) => !found.has(id));
    if (missing.length > 0) stderr(`not found in ${queue}: ${missing.join(', ')}\n`);
    return missing.length > 0 || done < selected.length ? 1 : 0;
  } finally {
    // Gives back every delivery not acked above (the ones listed or not selected).
    await transport.close().catch(() => undefined);
  }
}

/**
 * Takes up to `max` (0 = all) of the messages now in `queue` as ordinary unsettled deliveries,
 * through the Transport interface: a consumer with that prefetch, stopped once they arrived (or after
 * `timeoutMs`, when another consumer took some). The caller settles or gives them back (close).
 */
export async function takeMessages(transport: Transport, queue: string, max: number, timeoutMs: number): Promise<Delivery[]> {
  const ready = await transport.queueLength(queue);
  const want = max > 0 ? Math.min(max, ready) : ready;
  if (want === 0) return [];
  const taken: Delivery[] = [];
  let arrived = (): void => undefined;
  const all = new Promise<void>((resolve) => { arrived = resolve; });
  const consumer = await transport.consume([queue], want, (d) => {
    taken.push(d);
    if (taken.length >= want) arrived();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
  clearTimeout(timer);
  await consumer.stop();
  return taken;
}

async function requeueAll(transport: Transport, deliveries: Delivery[], stderr: (t: string) => void): Promise<number> {
  let done = 0;
  for (const d of deliveries) {
    const back = buildRequeuedMessage(d.message);
    if (!back) {
      stderr(`skipped ${describeDeadLetter(d.message).id ?? d.deliveryTag}: no original queue recorded\n`);
      continue;
    }
    // Publish first, ack after: a failure in between duplicates the message rather than losing it.
    await transport.publish(back.message, back.route);
    await d.ack();
    done++;
  }
  return done;
}

async function purgeAll(deliveries: Delivery[]): Promise<number> {
  for (const d of deliveries) await d.ack();
  return deliveries.length;
}

function formatEntries(queue: string, entries: DeadLetterEntry[]): string {
  if (entries.length === 0) return `${queue}: empty\n`;
  const lines = entries.map((e) => [e.id ?? '?', e.task ?? '?', `queue=${e.originalQueue ?? '?'}`, `reason=${e.reason ?? '?'}`,
    `failed-at=${e.failedAt ?? '?'}`, e.exception ?? ''].join('  ').trimEnd());
  return `${lines.join('\n')}\n`;
}

function positiveNumber(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `${flag} must be a positive number, got "${raw}"`);
  return n;
}
