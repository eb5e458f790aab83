import { CeleriacError } from '../errors/celeriac-error';
import { ControlClient } from '../worker/control/control-client';
import { formatControlReplies } from '../worker/control/format-control-replies';
import { createTransportFor } from './create-connections';
import { createLogger } from './create-logger';
import { EXIT_NO_REPLIES, parseControlFlags, type InspectCommandIo } from './inspect-command';

/** How a positional word becomes an argument value (Python's `str`, `int`, `float` in Celery's `Panel.meta`). */
type ArgType = 'str' | 'int' | 'float';

/** One control command's positional arguments, as Celery's `control_command(args=..., variadic=...)` declares them. */
interface ControlMeta {
  args: ReadonlyArray<readonly [string, ArgType]>;
  /** Name that receives the remaining words as a list. */
  variadic?: string;
  signature: string;
}

/** The `celery control` commands a worker answers (celery/worker/control.py), with their arguments. */
const CONTROL_METHODS: Readonly<Record<string, ControlMeta>> = {
  revoke: { args: [], variadic: 'task_id', signature: '[id1 [id2 [... [idN]]]]' },
  terminate: { args: [['signal', 'str']], variadic: 'task_id', signature: '<signal> [id1 [id2 [... [idN]]]]' },
  revoke_by_stamped_headers: { args: [], variadic: 'headers', signature: '[key1=value1 [key2=value2 [... [keyN=valueN]]]]' },
  rate_limit: { args: [['task_name', 'str'], ['rate_limit', 'str']], signature: '<task_name> <rate_limit (e.g., 5/s | 5/m | 5/h)>' },
  time_limit: { args: [['task_name', 'str'], ['soft', 'float'], ['hard', 'float']], signature: '<task_name> <soft_secs> [hard_secs]' },
  enable_events: { args: [], signature: '' },
  disable_events: { args: [], signature: '' },
  heartbeat: { args: [], signature: '' },
  pool_grow: { args: [['n', 'int']], signature: '[N=1]' },
  pool_shrink: { args: [['n', 'int']], signature: '[N=1]' },
  autoscale: { args: [['max', 'int'], ['min', 'int']], signature: '[max [min]]' },
  add_consumer: { args: [['queue', 'str'], ['exchange', 'str'], ['exchange_type', 'str'], ['routing_key', 'str']], signature: '<queue> [exchange [type [routing_key]]]' },
  cancel_consumer: { args: [['queue', 'str']], signature: '<queue>' },
  shutdown: { args: [], signature: '' },
};

/** `celeriac control` usage text. */
export const CONTROL_USAGE = `Usage: celeriac control <command> [args...] [options]

Commands (arguments as \`celery control\` takes them):
${Object.entries(CONTROL_METHODS).map(([name, m]) => `  ${name}${m.signature ? ` ${m.signature}` : ''}`).join('\n')}
  -b, --broker <url>        broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
  -d, --destination <a,b>   only these nodes act and answer
  -t, --timeout <s>         seconds to wait for replies (default: 1)
  -j, --json                print the replies as a JSON list [{node: reply}, ...], as celery control --json
Exits 69 when no node replied, as \`celery control\` does. Needs no Python.`;

/**
 * The arguments of a control command from its positional words, as Celery's `_compile_arguments`:
 * the declared arguments in order (converted to their type), the rest as the variadic list. Pure.
 */
export function buildControlArguments(method: string, words: readonly string[]): Record<string, unknown> {
  const meta = CONTROL_METHODS[method];
  if (!meta) throw new CeleriacError('CELERIAC_CLI_USAGE', `unknown control command "${method}"; one of ${Object.keys(CONTROL_METHODS).sort().join(', ')}`);
  const out: Record<string, unknown> = {};
  let i = 0;
  for (; i < words.length && i < meta.args.length; i++) {
    const [name, type] = meta.args[i]!;
    out[name] = convert(words[i]!, type, name);
  }
  if (meta.variadic) out[meta.variadic] = words.slice(i);
  else if (i < words.length) throw new CeleriacError('CELERIAC_CLI_USAGE', `command "${method}" takes arguments: ${meta.signature || '(none)'}`);
  return out;
}

/** `celeriac control <command> [args] [-d nodes] [-t seconds] [--json]`: resolves with the exit code. */
export async function runControlCommand(argv: string[], env: NodeJS.ProcessEnv, io: InspectCommandIo = {}): Promise<number> {
  const flags = parseControlFlags(argv, env);
  const [method, ...words] = flags.words;
  if (method === undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', 'control needs a command, e.g. `celeriac control enable_events`');
  const args = buildControlArguments(method, words);
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const stderr = io.stderr ?? ((t: string) => { process.stderr.write(t); });
  const transport = (io.createTransport ?? createTransportFor)(flags.settings, createLogger('warn', process.stderr));
  let replies: Array<Record<string, unknown>>;
  try {
    replies = await new ControlClient({ transport }).call(method, { arguments: args, destination: flags.destination, timeoutMs: flags.timeoutMs });
  } finally {
    await transport.close().catch(() => undefined);
  }
  if (replies.length === 0) {
    stderr('Error: No nodes replied within time constraint\n');
    return EXIT_NO_REPLIES;
  }
  stdout(flags.json ? `${JSON.stringify(replies)}\n` : `${formatControlReplies(replies, { showReply: true, showCount: false })}\n`);
  return 0;
}

function convert(word: string, type: ArgType, name: string): string | number {
  if (type === 'str') return word;
  const n = Number(word);
  if (word.trim() === '' || !Number.isFinite(n) || (type === 'int' && !Number.isInteger(n))) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `${name} must be ${type === 'int' ? 'an integer' : 'a number'}, got "${word}"`);
  }
  return n;
}

