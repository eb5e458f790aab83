import { WorkerMetrics } from '../../../../src/worker/metrics/worker-metrics';
import { FakeTransport, FakeWorker, makeRequest } from '../control/fake-worker';

function setup() {
  const worker = new FakeWorker();
  const transport = new FakeTransport();
  const metrics = new WorkerMetrics({ inspector: worker, transport, processMetrics: false });
  return { worker, transport, metrics };
}

describe('WorkerMetrics', () => {
  it('counts task events by name and outcome, runtimes and retries', async () => {
    const { metrics } = setup();
    metrics.taskEvent('task-received', { uuid: 'u1', name: 'tapp.add' });
    metrics.taskEvent('task-started', { uuid: 'u1' });
    metrics.taskEvent('task-succeeded', { uuid: 'u1', runtimeSec: 0.3 });
    metrics.taskEvent('task-received', { uuid: 'u2', name: 'tapp.fail' });
    metrics.taskEvent('task-retried', { uuid: 'u2', error: new Error('x') });
    metrics.taskEvent('task-failed', { uuid: 'u3', runtimeSec: 2 });
    metrics.eventSent('worker-heartbeat');
    metrics.eventSent('worker-heartbeat');
    metrics.eventSent('task-started', 24);
    const text = await metrics.render();
    expect(text).toContain('celeriac_tasks_total{name="tapp.add",outcome="succeeded",worker="ts1@host"} 1');
    expect(text).toContain('celeriac_tasks_total{name="tapp.add",outcome="started",worker="ts1@host"} 1');
    expect(text).toContain('celeriac_tasks_total{name="tapp.fail",outcome="retried",worker="ts1@host"} 1');
    expect(text).toContain('celeriac_tasks_total{name="unknown",outcome="failed",worker="ts1@host"} 1');
    expect(text).toContain('celeriac_task_runtime_seconds_bucket{le="0.5",worker="ts1@host",name="tapp.add",outcome="succeeded"} 1');
    expect(text).toContain('celeriac_task_runtime_seconds_bucket{le="0.25",worker="ts1@host",name="tapp.add",outcome="succeeded"} 0');
    expect(text).toContain('celeriac_task_retries_total{name="tapp.fail",worker="ts1@host"} 1');
    expect(text).toContain('celeriac_events_sent_total{type="worker-heartbeat",worker="ts1@host"} 2');
    expect(text).toContain('celeriac_events_sent_total{type="task-started",worker="ts1@host"} 24');
    expect(metrics.contentType).toContain('text/plain');
  });

  it('samples active tasks, prefetch occupancy and queue lengths at scrape time', async () => {
    const { metrics, worker, transport } = setup();
    worker.active = [makeRequest('a'), makeRequest('b')];
    worker.reserved = [makeRequest('c')];
    worker.scheduled = [makeRequest('d')];
    worker.queues = ['celery', 'q2'];
    transport.lengths = { celery: 12, q2: 0 };
    let text = await metrics.render();
    expect(text).toContain('celeriac_active_tasks{worker="ts1@host"} 2');
    expect(text).toContain('celeriac_prefetched_messages{worker="ts1@host"} 4');
    expect(text).toContain('celeriac_prefetch_limit{worker="ts1@host"} 16');
    expect(text).toContain('celeriac_prefetch_occupancy_ratio{worker="ts1@host"} 0.25');
    expect(text).toContain('celeriac_queue_length{queue="celery",worker="ts1@host"} 12');
    expect(text).toContain('celeriac_queue_length{queue="q2",worker="ts1@host"} 0');
    worker.queues = ['celery'];
    text = await metrics.render();
    expect(text).not.toContain('queue="q2"');
  });

  it('exports Node process metrics when asked', async () => {
    const metrics = new WorkerMetrics({ inspector: new FakeWorker(), transport: new FakeTransport() });
    expect(await metrics.render()).toContain('celeriac_process_cpu_seconds_total');
  });
});
