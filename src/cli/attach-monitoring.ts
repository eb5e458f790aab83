import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend';
import type { Transport } from '../transport/transport';
import { ControlServer } from '../worker/control/control-server';
import { Mingle } from '../worker/control/mingle';
import { EventDispatcher } from '../worker/events/event-dispatcher';
import { LamportClock } from '../worker/events/lamport-clock';
import { PYTHON_EVENT_REPRS } from '../worker/events/python-event-reprs';
import { HealthServer } from '../worker/health/health-server';
import { WorkerMetrics } from '../worker/metrics/worker-metrics';
import type { Worker } from '../worker/worker';

/** What attachMonitoring built, for the CLI to report. */
export interface Monitoring {
  events: EventDispatcher;
  control: ControlServer;
  /** Null when `worker_metrics_port` is 0: nothing could read them, so nothing is counted. */
  metrics: WorkerMetrics | null;
  /** Null when `worker_metrics_port` is 0. */
  health: HealthServer | null;
}

/**
 * Wires what makes a celeriac worker look like a Python one to Flower and `celery inspect`: worker
 * and task events (one Lamport clock shared with remote control), the pidbox control server, and
 * Prometheus metrics with health endpoints (only with `worker_metrics_port`: counting per task what no
 * endpoint serves cost CPU on every task). Started before consuming, closed after running tasks.
 */
export function attachMonitoring(worker: Worker, transport: Transport, backend: ResultBackend | null, logger: Logger): Monitoring {
  const { settings } = worker;
  const clock = new LamportClock();
  const metrics = settings.worker_metrics_port > 0 ? new WorkerMetrics({ inspector: worker, transport }) : null;
  const events = new EventDispatcher({
    transport, inspector: worker, clock, reprs: PYTHON_EVENT_REPRS, heartbeatIntervalSec: settings.worker_heartbeat_interval,
    sendTaskEvents: settings.worker_send_task_events, logger: logger.child({ component: 'events' }),
    ...(metrics ? { onPublished: (type: string, count: number) => metrics.eventSent(type, count) } : {}),
  });
  const control = new ControlServer({
    transport, logger: logger.child({ component: 'control' }),
    context: { inspector: worker, controller: worker, revoked: worker.revoked, revokedStamps: worker.revokedStamps, clock, reprs: PYTHON_EVENT_REPRS, events, limits: worker.limits,
      now: () => Date.now(), pid: process.pid },
  });
  worker.addEventSink(events);
  if (metrics) worker.addEventSink(metrics);
  // Control first, so a revoke sent while we start is heard before the first task runs.
  worker.addMonitor(control);
  // Mingle after control starts (so we answer neighbours' hellos too) and before consuming.
  worker.addMonitor(new Mingle({ transport, hostname: worker.hostname, revoked: worker.revoked, clock, logger: logger.child({ component: 'mingle' }) }));
  worker.addMonitor(events);
  let health: HealthServer | null = null;
  if (metrics) {
    const queue = settings.worker_queues[0] ?? 'celery';
    health = new HealthServer({
      port: settings.worker_metrics_port, host: settings.worker_metrics_host, metrics, isConsuming: () => worker.isConsuming(),
      checks: {
        broker: async () => { await transport.queueLength(queue); },
        ...(backend ? { resultStore: async () => { await backend.getTaskMeta('celeriac-readiness-probe'); } } : {}),
      },
    });
    worker.addMonitor(health);
  }
  return { events, control, metrics, health };
}
