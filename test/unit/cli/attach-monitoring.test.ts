import pino from 'pino';
import { Celery } from '../../../src/app/celery';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import { attachMonitoring } from '../../../src/cli/attach-monitoring';
import { loadConfig } from '../../../src/config/load-config';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { Worker } from '../../../src/worker/worker';

function monitored(port: number): ReturnType<typeof attachMonitoring> {
  const transport = new MemoryTransport();
  const backend = new MemoryResultBackend();
  const settings = loadConfig({}, { worker_metrics_port: port });
  const worker = new Worker({ app: new Celery('mon'), transport, backend, settings, hostname: 'mon@test', logger: pino({ level: 'silent' }),
    followUps: { hostname: 'mon@test', replyTo: 'oid-mon' } });
  return attachMonitoring(worker, transport, backend, pino({ level: 'silent' }));
}

describe('attachMonitoring', () => {
  it('counts nothing and serves nothing without worker_metrics_port (no per-task cost for metrics no endpoint serves)', () => {
    const { metrics, health, events, control } = monitored(0);
    expect(metrics).toBeNull();
    expect(health).toBeNull();
    expect(events).toBeDefined();
    expect(control).toBeDefined();
  });

  it('builds the metrics and the health server that serves them with worker_metrics_port', async () => {
    const { metrics, health } = monitored(9540);
    expect(health).not.toBeNull();
    expect(metrics).not.toBeNull();
    expect(await metrics?.render()).toContain('celeriac_tasks_total');
  });
});
