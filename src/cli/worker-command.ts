import { setFlagsFromString } from 'node:v8';
import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Settings, SettingsInput } from '../config/settings-schema';
import { findUnknownEnvSettings, loadConfig } from '../config/load-config';
import { CeleriacError } from '../errors/celeriac-error';
import { describeConnectError, isAuthError } from '../transport/redis/connect-redis-client';
import { isTlsError } from '../transport/tls-error';
import { safeUrl } from '../transport/safe-url';
import { createProducer } from '../producer/producer';
import { createTaskRouter, type TaskRoutes } from '../producer/task-router';
import { Worker } from '../worker/worker';
import { attachMonitoring } from './attach-monitoring';
import { buildStartupRetryPolicy, connectAtStartup, isStartupAborted, sleepUnlessAborted, type StartupTarget } from './connect-at-startup';
import { createBackendFor, createTransportFor } from './create-connections';
import { createLogger } from './create-logger';
import { loadApp } from './load-app';
import { expandNodeName } from './node-name';

/** `celeriac worker` usage text. */
export const WORKER_USAGE = `Usage: celeriac worker -A <app.js> [options]

  -A, --app <path>              app module whose default export is a Celery app (required)
  -Q, --queues <a,b>            queues to consume (default: celery)
  -c, --concurrency <n>         tasks run at once (default: number of CPUs)
  -n, --hostname <name>         node name, %h/%n/%d expanded (default: celery@%h)
  -l, --loglevel <level>        trace|debug|info|warning|error|critical (default: info)
  -b, --broker <url>            broker URL (env CELERY_BROKER_URL, default redis://localhost:6379/1)
      --result-backend <url>    result store URL (env CELERY_RESULT_BACKEND, default redis://localhost:6379/2)
      --prefetch-multiplier <n> messages reserved per slot (default: 4)
      --acks-late               ack after the task finished (all tasks)
  -E, --task-events             send task events (Flower also switches them on at run time)
      --heartbeat-interval <s>  seconds between worker heartbeats (default: 2.0)
      --metrics-port <port>     serve /metrics, /healthz, /readyz on this port (default: off; the seeds use 9540)
  -P, --pool <name>             threads: run tasks on worker threads (CPU-heavy work); event (default): on the
                                event loop. Celery's prefork|solo|eventlet|gevent are accepted and mean event
      --max-tasks-per-child <n> replace a pool thread after n tasks
      --soft-shutdown-timeout <s> after a warm shutdown began, seconds running tasks may still take; then
                                acks-late ones go back to their queues (default 0: wait for them)
      --max-memory-per-child <KiB> replace a pool thread whose heap exceeds this after a task
Every Celery setting can also come from CELERY_<SETTING_NAME> environment variables, e.g.
CELERY_BROKER_TRANSPORT_OPTIONS='{"visibility_timeout": 3600}'.`;

/** Parses worker flags into settings; unknown flags are errors that name the flag. */
export function parseWorkerFlags(argv: string[]): { appPath: string; flags: SettingsInput } {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      app: { type: 'string', short: 'A' }, queues: { type: 'string', short: 'Q' }, concurrency: { type: 'string', short: 'c' },
      hostname: { type: 'string', short: 'n' }, loglevel: { type: 'string', short: 'l' }, broker: { type: 'string', short: 'b' },
      'result-backend': { type: 'string' }, 'prefetch-multiplier': { type: 'string' }, 'acks-late': { type: 'boolean' },
      'task-events': { type: 'boolean', short: 'E' }, 'heartbeat-interval': { type: 'string' }, 'metrics-port': { type: 'string' },
      pool: { type: 'string', short: 'P' }, 'max-tasks-per-child': { type: 'string' }, 'max-memory-per-child': { type: 'string' },
      'soft-shutdown-timeout': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new CeleriacError('CELERIAC_CLI_USAGE', `unexpected argument "${positionals[0]}"`);
  if (!values.app) throw new CeleriacError('CELERIAC_CLI_USAGE', 'missing -A/--app <path to app module>');
  const flags: SettingsInput = {
    worker_queues: values.queues, worker_concurrency: values.concurrency as unknown as number, worker_hostname: values.hostname,
    worker_loglevel: values.loglevel?.toLowerCase() as SettingsInput['worker_loglevel'], broker_url: values.broker,
    result_backend: values['result-backend'], worker_prefetch_multiplier: values['prefetch-multiplier'] as unknown as number,
    task_acks_late: values['acks-late'] ? true : undefined,
    worker_send_task_events: values['task-events'] ? true : undefined,
    worker_heartbeat_interval: values['heartbeat-interval'] as unknown as number,
    worker_metrics_port: values['metrics-port'] as unknown as number,
    worker_pool: values.pool as SettingsInput['worker_pool'],
    worker_max_tasks_per_child: values['max-tasks-per-child'] as unknown as number,
    worker_max_memory_per_child: values['max-memory-per-child'] as unknown as number,
    worker_soft_shutdown_timeout: values['soft-shutdown-timeout'] as unknown as number,
  };
  return { appPath: values.app, flags };
}

/** Runs a worker until SIGTERM/SIGINT; resolves with the process exit code. */
export async function runWorkerCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { appPath, flags } = parseWorkerFlags(argv);
  const app = loadApp(appPath);
  const settings: Settings = loadConfig(env, flags, app.conf);
  const logger = createLogger(settings.worker_loglevel);
  warnUnknownEnvSettings(env, logger);
  applyHeapGrowth(settings.worker_heap_growing_percent);
  const hostname = expandNodeName(settings.worker_hostname, osHostname());
  const transport = createTransportFor(settings, logger);
  const backend = createBackendFor(settings, logger);
  const worker = new Worker({
    app, transport, backend, settings, hostname, logger, appPath: resolvePath(appPath),
    // Remote `shutdown` behaves exactly like SIGTERM: the same warm shutdown path below.
    onShutdownRequested: () => { process.kill(process.pid, 'SIGTERM'); },
    followUps: { hostname: `gen${process.pid}@${osHostname()}`, replyTo: randomUUID(),
      router: createTaskRouter(settings.task_routes as TaskRoutes | undefined, settings.task_default_queue) },
  });
  // Tasks that send (delay, applyAsync, a canvas, addToChord) go through the worker's own connections
  // and settings (its -b/--result-backend included), as a Python worker's tasks use its app.
  app.useProducer(createProducer({ transport, backend, logger, signals: app.signals,
    conf: { task_routes: settings.task_routes as TaskRoutes | undefined, task_default_queue: settings.task_default_queue } }));
  attachMonitoring(worker, transport, backend, logger);
  if (settings.worker_pool !== 'event' && settings.worker_pool !== 'threads') {
    logger.info({ pool: settings.worker_pool }, 'pool has no Node equivalent; tasks run on the event loop (use -P threads for CPU-heavy tasks)');
  }
  logger.info({ broker: safeUrl(settings.broker_url), resultBackend: safeUrl(settings.result_backend), app: app.main }, 'starting worker');
  // Signal handlers go in before starting: a SIGTERM that arrives while the worker connects (retrying
  // a broker that is down) or starts must shut it down warmly, not kill the process.
  const connecting = new AbortController();
  const targets: StartupTarget[] = [{ role: 'broker', url: settings.broker_url, connect: () => transport.connect() }];
  if (backend) targets.push({ role: 'result backend', url: settings.result_backend, connect: () => backend.connect() });
  const starting = connectAtStartup(targets, { policy: buildStartupRetryPolicy(settings), log: logger, sleep: sleepUnlessAborted, signal: connecting.signal })
    .then(() => worker.start());
  const shutdown = waitForShutdown(worker, logger, starting.catch(() => undefined), settings, () => connecting.abort());
  try {
    await starting;
  } catch (err) {
    // A signal during the connection retries: the warm shutdown path closes what was opened.
    if (isStartupAborted(err)) return shutdown;
    await worker.close().catch(() => undefined);
    throw explainConnectFailure(err, settings);
  }
  return shutdown;
}

/** Warns once per `CELERY_*` variable that is no setting, naming the closest known one. */
function warnUnknownEnvSettings(env: NodeJS.ProcessEnv, logger: Logger): void {
  for (const { variable, closest } of findUnknownEnvSettings(env)) {
    logger.warn({ variable, closest }, closest ? 'unknown CELERY_* setting ignored; did you mean the closest known one?' : 'unknown CELERY_* setting ignored');
  }
}

function waitForShutdown(worker: Worker, logger: Logger, started: Promise<void>, settings: Settings, onFirstSignal: () => void): Promise<number> {
  // Past the worker's own bounds (soft shutdown, one close timeout per step) the process exits anyway:
  // a broker that is gone must never keep a stopping worker alive.
  const closeBoundMs = settings.worker_close_timeout * 1000 * 6;
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'cold shutdown: returning unacked messages to their queues and exiting');
        const exit = (): void => logger.flush(() => resolve(1));
        exitAnywayAfter(closeBoundMs, logger, () => resolve(1));
        worker.terminate().then(exit, (err: unknown) => {
          logger.error({ err }, 'error during cold shutdown; unacked messages come back after the visibility timeout');
          exit();
        });
        return;
      }
      logger.info({ signal }, 'warm shutdown requested');
      onFirstSignal();
      started.then(() => {
        if (settings.worker_soft_shutdown_timeout > 0) exitAnywayAfter(settings.worker_soft_shutdown_timeout * 1000 + closeBoundMs, logger, () => resolve(1));
        return worker.close();
      }).then(() => logger.flush(() => resolve(0)), (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        logger.flush(() => resolve(1));
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** Last resort: resolves the exit after `ms` even if closing still waits on a dead connection. */
function exitAnywayAfter(ms: number, logger: Logger, exit: () => void): void {
  setTimeout(() => {
    logger.error({ afterMs: ms }, 'shutdown did not finish in time; exiting anyway (unacked messages come back after the visibility timeout)');
    logger.flush(exit);
  }, ms).unref();
}

function explainConnectFailure(err: unknown, settings: Settings): unknown {
  const code = (err as { code?: string }).code ?? '';
  const message = String((err as Error).message);
  // A certificate problem: the message says what to fix; "start Redis" would mislead.
  if (isTlsError(err) || !/CONNECT|UNREACHABLE|AUTH|ECONNREFUSED/i.test(code + message)) return err;
  const isBackend = code.startsWith('CELERIAC_BACKEND');
  const url = isBackend ? settings.result_backend : settings.broker_url;
  const envName = isBackend ? 'CELERY_RESULT_BACKEND' : 'CELERY_BROKER_URL';
  if (isAuthError(err)) {
    // The backend client reports the last error (the ready check's NOAUTH) even when AUTH itself was refused: tell them apart by the URL.
    const why = urlHasPassword(url) ? describeConnectError(new Error('WRONGPASS')) : describeConnectError(new Error('NOAUTH'));
    const text = isBackend ? `cannot connect to the result backend at ${safeUrl(url)}: ${why}` : message;
    return new CeleriacError('CELERIAC_CLI_AUTH', `${text}. Fix the password in ${envName}.`, { cause: err });
  }
  const local = /^redis:\/\/(.*@)?(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(url);
  const hint = local
    ? ` Start Redis with \`sudo apt-get install -y redis-server && sudo service redis-server start\` (or \`docker compose up -d redis\`), or set ${envName}.`
    : ` Check that Redis runs there, or set ${envName}.`;
  return new CeleriacError('CELERIAC_CLI_CONNECT', `${message}.${hint}`, { cause: err });
}

/** True when the URL carries a password (userinfo after the first ':'), whichever Redis dialect it is. */
function urlHasPassword(url: string): boolean {
  try {
    return new URL(url.split(';')[0]?.replace(/^[a-z][a-z0-9+.-]*:/i, 'http:') ?? '').password !== '';
  } catch {
    return false;
  }
}

/**
 * Caps how far V8 lets the old generation grow before its next full collection. A draining worker
 * promotes a few KiB per task (requests live across young-generation collections while they wait in
 * the prefetch window) that die soon after; V8's default growth lets that garbage reach about 4x
 * the live heap (old space 17 -> 80 MiB, RSS ~165 MiB in the bench). At 100% a full collection runs
 * at 2x: RSS ~128 MiB, CPU per task within noise (README "Memory"). V8 reads the flag at every full
 * collection, so setting it at run time takes effect; 0 leaves V8's own heuristic.
 */
function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
