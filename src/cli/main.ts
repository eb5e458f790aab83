import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, CeleriacError } from '../errors/celeriac-error';
import { BEAT_USAGE, runBeatCommand } from './beat-command';
import { ScheduleError } from '../beat/schedule-error';
import { runWorkerCommand, WORKER_USAGE } from './worker-command';
import { CALL_USAGE, runCallCommand } from './call-command';
import { CONTROL_USAGE, runControlCommand } from './control-command';
import { DLQ_USAGE, runDlqCommand } from './dlq-command';
import { INSPECT_USAGE, runInspectCommand, runStatusCommand, STATUS_USAGE } from './inspect-command';
import { PURGE_USAGE, runPurgeCommand } from './purge-command';
import { RESULT_USAGE, runResultCommand } from './result-command';

/** One subcommand: its line in the usage text, its own usage (`--help`) and how to run it. */
interface Command {
  summary: string;
  usage: string;
  run: (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>;
}

/** Every subcommand, in the order the usage text lists them. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  worker: { summary: 'run a worker', usage: WORKER_USAGE, run: runWorkerCommand },
  beat: { summary: 'send periodic tasks, highly available', usage: BEAT_USAGE, run: runBeatCommand },
  call: { summary: 'send a task by name and print its id', usage: CALL_USAGE, run: (a, e) => runCallCommand(a, e) },
  result: { summary: "print a task's result (or --traceback)", usage: RESULT_USAGE, run: (a, e) => runResultCommand(a, e) },
  purge: { summary: 'delete every waiting message of queues', usage: PURGE_USAGE, run: (a, e) => runPurgeCommand(a, e) },
  status: { summary: 'list the workers that answer', usage: STATUS_USAGE, run: (a, e) => runStatusCommand(a, e) },
  inspect: { summary: 'ask workers for stats, active, registered, ...', usage: INSPECT_USAGE, run: (a, e) => runInspectCommand(a, e) },
  control: { summary: 'tell workers to revoke, rate_limit, add_consumer, ...', usage: CONTROL_USAGE, run: (a, e) => runControlCommand(a, e) },
  dlq: { summary: 'list, requeue or purge a dead-letter or poison queue', usage: DLQ_USAGE, run: (a, e) => runDlqCommand(a, e) },
};

/** The top-level usage text: each command once, with where to read more. */
export const USAGE = `Usage: celeriac <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary} (celeriac ${name} --help)`).join('\n')}

  celeriac --version   print the version
  celeriac help <command>  the same as celeriac <command> --help`;

/** CLI entry: runs a command and returns the exit code. The only place that decides exit codes. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) return print(USAGE, 2, process.stderr);
    if (command === '--version' || command === '-V' || command === 'version') return print(packageVersion(), 0);
    if (command === 'help' || command === '--help' || command === '-h') {
      const topic = rest[0];
      if (topic === undefined) return print(USAGE, 0);
      const about = COMMANDS[topic];
      return about ? print(about.usage, 0) : unknown(topic);
    }
    const chosen = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!chosen) return unknown(command);
    if (rest.includes('--help') || rest.includes('-h')) return print(chosen.usage, 0);
    return await chosen.run(rest, env);
  } catch (err) {
    return report(err);
  }
}

function print(text: string, code: number, stream: NodeJS.WritableStream = process.stdout): number {
  stream.write(`${text}\n`);
  return code;
}

function unknown(command: string): number {
  process.stderr.write(`celeriac: unknown command "${command}"\n${USAGE}\n`);
  return 2;
}

/** The version in celeriac's package.json, found above this file (dist/src/cli or src/cli). */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'celeriac' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new CeleriacError('CELERIAC_CLI_NO_VERSION', `no celeriac package.json above ${from}`);
  }
}

/** One clear line (or a list, for config problems), never a stack trace, for errors we expect. */
function report(err: unknown): number {
  if (err instanceof ConfigError || err instanceof ScheduleError) {
    process.stderr.write(`celeriac: ${err.message}\n`);
    return 2;
  }
  if (err instanceof CeleriacError) {
    process.stderr.write(`celeriac: ${err.message}\n`);
    return err.code === 'CELERIAC_CLI_USAGE' ? 2 : 1;
  }
  const code = (err as { code?: string }).code;
  if (code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`celeriac: ${(err as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`celeriac: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
