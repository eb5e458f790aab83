import { pyFloat } from '../../../protocol/events/python-float';
import type { ControlContext, ControlHandler } from '../control-context';
import { buildBrokerInfo } from './build-broker-info';

/** Pool implementation name shown by Flower and `celery inspect stats` (Python: `celery.concurrency.prefork:TaskPool`). */
export const POOL_IMPLEMENTATION = 'celeriac:AsyncPool';

/**
 * `stats`: `WorkController.stats()` in Python's key order: total, pid, clock (a string), uptime
 * (whole seconds), pool, broker, prefetch_count, rusage.
 */
export const stats: ControlHandler = (ctx) => {
  const { inspector } = ctx;
  return {
    total: inspector.totals(),
    pid: ctx.pid,
    clock: String(ctx.clock.value),
    uptime: Math.round((ctx.now() - inspector.startedAtMs) / 1000),
    pool: {
      implementation: POOL_IMPLEMENTATION,
      'max-concurrency': inspector.concurrency(),
      processes: [ctx.pid],
      'max-tasks-per-child': null,
      'put-guarded-by-semaphore': false,
      timeouts: [],
    },
    broker: buildBrokerInfo(inspector.settings.broker_url, inspector.settings.broker_transport_options),
    prefetch_count: inspector.prefetchCount(),
    rusage: buildRusage(),
  };
};

/** `resource.getrusage(RUSAGE_SELF)` as Python's worker reports it (times in float seconds, maxrss in KiB). */
export function buildRusage(): Record<string, unknown> {
  const u = process.resourceUsage();
  return {
    utime: pyFloat(u.userCPUTime / 1e6),
    stime: pyFloat(u.systemCPUTime / 1e6),
    maxrss: u.maxRSS,
    ixrss: u.sharedMemorySize,
    idrss: u.unsharedDataSize,
    isrss: u.unsharedStackSize,
    minflt: u.minorPageFault,
    majflt: u.majorPageFault,
    nswap: u.swappedOut,
    inblock: u.fsRead,
    oublock: u.fsWrite,
    msgsnd: u.ipcSent,
    msgrcv: u.ipcReceived,
    nsignals: u.signalsCount,
    nvcsw: u.voluntaryContextSwitches,
    nivcsw: u.involuntaryContextSwitches,
  };
}

/** `ping`: `{"ok": "pong"}`. */
export const ping: ControlHandler = () => ({ ok: 'pong' });

/** `clock`: `{"clock": <int>}`. */
export const clock: ControlHandler = (ctx: ControlContext) => ({ clock: ctx.clock.value });
