import { ConfigError, CeleriacError } from '../errors/celeriac-error';
import { BEAT_USAGE, runBeatCommand } from './beat-command';
import { ScheduleError } from '../beat/schedule-error';
import { runWorkerCommand, WORKER_USAGE } from './worker-command';
import { DLQ_USAGE, runDlqCommand } from './dlq-command';
import { INSPECT_USAGE, runInspectCommand, runStatusCommand, STATUS_USAGE } from './inspect-command';

const USAGE = `Usage: celeriac <command> [options]

Commands:
  worker   run a worker (celeriac worker --help)
  beat     send periodic tasks, highly available (celeriac beat --help)
  status   list the workers that answer (celeriac status --help)
  inspect  ask workers for stats, active, registered, ... (celeriac inspect --help)
  dlq      list, requeue or purge a dead-letter/poison queue (celeriac dlq --help)
  dlq      list, requeue or purge a dead-letter or poison queue (celeriac dlq --help)
  version  print the version
`;

/** CLI entry: runs a command and returns the exit code. The only place that decides exit codes. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'worker':
        if (rest.includes('--help') || rest.includes('-h')) return print(WORKER_USAGE, 0);
        return await runWorkerCommand(rest, env);
      case 'beat':
        if (rest.includes('--help') || rest.includes('-h')) return print(BEAT_USAGE, 0);
        return await runBeatCommand(rest, env);
      case 'status':
        if (rest.includes('--help') || rest.includes('-h')) return print(STATUS_USAGE, 0);
        return await runStatusCommand(rest, env);
      case 'inspect':
        if (rest.includes('--help') || rest.includes('-h')) return print(INSPECT_USAGE, 0);
        return await runInspectCommand(rest, env);
      case 'dlq':
        if (rest.includes('--help') || rest.includes('-h')) return print(DLQ_USAGE, 0);
        return await runDlqCommand(rest, env);
      case 'version':
      case '--version':
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return print((require('../../../package.json') as { version: string }).version, 0);
      case undefined:
      case 'help':
      case '--help':
        return print(USAGE, command === undefined ? 2 : 0);
      default:
        process.stderr.write(`celeriac: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    return report(err);
  }
}

function print(text: string, code: number): number {
  process.stdout.write(`${text}\n`);
  return code;
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
