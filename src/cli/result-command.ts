import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { loadConfig } from '../config/load-config';
import { isRpcBackendUrl } from '../backend/rpc/create-rpc-result-backend';
import { BackendError, CeleriacError } from '../errors/celeriac-error';
import { AsyncResult } from '../producer/async-result';
import { createBackendFor } from './create-connections';
import { createLogger } from './create-logger';

/** `celeriac result` usage text. */
export const RESULT_USAGE = `Usage: celeriac result <task id> [options]

Waits for the task's result and prints it as JSON, as \`celery result\` (which prints Python's repr).
A failed or revoked task prints its exception on stderr and exits 1.
      --traceback            print the stored traceback instead (at once, without waiting)
  -t, --timeout <s>          give up after this many seconds, exit 1 (default: wait, as celery result)
      --result-backend <url> result store URL (env CELERY_RESULT_BACKEND, default redis://localhost:6379/2)`;

/** What the result command needs from the outside world (tests pass an in-memory backend). */
export interface ResultCommandIo {
  /** Builds the result backend; default createBackendFor (null when `disabled`). */
  createBackend?: (settings: Settings, logger: Logger) => ResultBackend | null;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** `celeriac result ID [--traceback] [-t s]`: resolves with the exit code (0 success, 1 failed/revoked/timed out). */
export async function runResultCommand(argv: string[], env: NodeJS.ProcessEnv, io: ResultCommandIo = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: { traceback: { type: 'boolean' }, timeout: { type: 'string', short: 't' }, 'result-backend': { type: 'string' } },
  });
  const [taskId, extra] = positionals;
  if (taskId === undefined || taskId === '') throw new CeleriacError('CELERIAC_CLI_USAGE', 'result needs a task id, e.g. `celeriac result 5f0c...`');
  if (extra !== undefined) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${extra}"`);
  const timeoutSec = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutSec !== undefined && !(Number.isFinite(timeoutSec) && timeoutSec > 0)) {
    throw new CeleriacError('CELERIAC_CLI_USAGE', `--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  const stdout = io.stdout ?? ((t: string) => { process.stdout.write(t); });
  const stderr = io.stderr ?? ((t: string) => { process.stderr.write(t); });
  const settings = loadConfig(env, { result_backend: values['result-backend'] } satisfies SettingsInput);
  if (isRpcBackendUrl(settings.result_backend)) {
    // Celery's rpc results are messages to the sending client's own reply queue: another process cannot look them up.
    throw new BackendError('CELERIAC_BACKEND_UNSUPPORTED', 'result_backend rpc:// keeps no results to look up by task id: only the client that sent '
      + 'the task receives them (on its reply queue); use AsyncResult.get() there, or a Redis result backend');
  }
  const backend = (io.createBackend ?? createBackendFor)(settings, createLogger('warn', process.stderr));
  if (!backend) throw new CeleriacError('CELERIAC_CLI_USAGE', 'result_backend is disabled: there is no stored result to read');
  try {
    await backend.connect();
    const result = new AsyncResult(taskId, backend);
    if (values.traceback) {
      const meta = await result.meta();
      if (meta?.traceback) stdout(meta.traceback.endsWith('\n') ? meta.traceback : `${meta.traceback}\n`);
      else stderr(`no traceback stored for task ${taskId} (state ${meta?.status ?? 'PENDING'})\n`);
      return 0;
    }
    const value = await result.get({ propagate: false, ...(timeoutSec !== undefined ? { timeout: timeoutSec } : {}) });
    // Only FAILURE and REVOKED come back as an Error (propagate: false); a returned value is JSON.
    if (value instanceof Error) {
      stderr(`task ${taskId} ${(await result.state()).toLowerCase()}: ${value.name}: ${value.message}\n`);
      return 1;
    }
    stdout(`${JSON.stringify(value ?? null)}\n`);
    return 0;
  } finally {
    await backend.close().catch(() => undefined);
  }
}
