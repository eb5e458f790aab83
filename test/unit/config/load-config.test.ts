import { findUnknownEnvSettings, loadConfig } from '../../../src/config/load-config';
import { ConfigError } from '../../../src/errors/celeriac-error';

describe('loadConfig', () => {
  it('uses Celery defaults', () => {
    const s = loadConfig({}, {});
    expect(s.broker_url).toBe('redis://localhost:6379/1');
    expect(s.result_backend).toBe('redis://localhost:6379/2');
    expect(s.worker_queues).toEqual(['celery']);
    expect(s.worker_prefetch_multiplier).toBe(4);
    expect(s.task_acks_late).toBe(false);
    expect(s.accept_content).toEqual(['json']);
    expect(s.result_expires).toBe(86400);
  });

  it('ranks flags over environment over app conf', () => {
    const s = loadConfig(
      { CELERY_BROKER_URL: 'redis://env/1', CELERY_WORKER_CONCURRENCY: '8', CELERY_TASK_ACKS_LATE: 'true' },
      { broker_url: 'redis://flag/1' },
      { broker_url: 'redis://app/1', worker_concurrency: 2, worker_queues: ['emails'] },
    );
    expect(s.broker_url).toBe('redis://flag/1');
    expect(s.worker_concurrency).toBe(8);
    expect(s.task_acks_late).toBe(true);
    expect(s.worker_queues).toEqual(['emails']);
  });

  it('parses JSON transport options from the environment', () => {
    const s = loadConfig({ CELERY_BROKER_TRANSPORT_OPTIONS: '{"visibility_timeout": 5}' }, {});
    expect(s.broker_transport_options).toEqual({ visibility_timeout: 5 });
  });

  it('reports every problem at once, naming the setting and where it came from', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ CELERY_WORKER_CONCURRENCY: 'many', CELERY_BROKER_TRANSPORT_OPTIONS: '{nope' },
        { worker_prefetch_multiplier: -1 as unknown as number }, { not_a_setting: 1 } as never);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.code).toBe('CELERIAC_CONFIG_INVALID');
    const text = err?.problems.join('\n') ?? '';
    expect(err?.problems).toHaveLength(4);
    expect(text).toMatch(/app conf: unknown setting "not_a_setting"/);
    expect(text).toMatch(/worker_concurrency \(environment CELERY_WORKER_CONCURRENCY\)/);
    expect(text).toMatch(/broker_transport_options \(environment CELERY_BROKER_TRANSPORT_OPTIONS\): expected a JSON object/);
    expect(text).toMatch(/worker_prefetch_multiplier \(command-line flag\)/);
  });
});

describe('worker_heap_growing_percent', () => {
  it('defaults to 100, takes 0 (V8 decides) from the environment, and names a bad value', () => {
    expect(loadConfig({}, {}).worker_heap_growing_percent).toBe(100);
    expect(loadConfig({ CELERY_WORKER_HEAP_GROWING_PERCENT: '0' }, {}).worker_heap_growing_percent).toBe(0);
    expect(() => loadConfig({ CELERY_WORKER_HEAP_GROWING_PERCENT: 'lots' }, {}))
      .toThrow(/worker_heap_growing_percent \(environment CELERY_WORKER_HEAP_GROWING_PERCENT\)/);
    expect(() => loadConfig({ CELERY_WORKER_HEAP_GROWING_PERCENT: '-5' }, {})).toThrow(/worker_heap_growing_percent/);
  });
});

describe('findUnknownEnvSettings', () => {
  it('names each CELERY_* variable that is no setting, with the closest known one by edit distance', () => {
    const found = findUnknownEnvSettings({
      CELERY_BROKER_ULR: 'redis://x/1', CELERY_WORKER_CONCURENCY: '4', CELERY_TASK_ACK_LATE: 'true', CELERY_RESULT_BACKEND: 'redis://x/2',
      CELERY_XYZZY: '1', PATH: '/bin', CELERIAC_VENV: '/v',
    });
    expect(found).toEqual([
      { variable: 'CELERY_BROKER_ULR', closest: 'CELERY_BROKER_URL' },
      { variable: 'CELERY_TASK_ACK_LATE', closest: 'CELERY_TASK_ACKS_LATE' },
      { variable: 'CELERY_WORKER_CONCURENCY', closest: 'CELERY_WORKER_CONCURRENCY' },
      { variable: 'CELERY_XYZZY', closest: null },
    ]);
  });

  it('is silent about known settings and the non-setting variables Python Celery reads', () => {
    expect(findUnknownEnvSettings({ CELERY_BROKER_URL: 'a', CELERY_TIMEZONE: 'UTC', CELERY_CONFIG_MODULE: 'celeryconfig', CELERY_RDB_PORT: '6900',
      CELERY_BROKER_CONNECTION_MAX_RETRIES: 'none' })).toEqual([]);
  });
});

describe('broker connection retry settings', () => {
  it("default as Celery's: retry on, startup follows it, 100 retries", () => {
    const s = loadConfig({}, {});
    expect([s.broker_connection_retry, s.broker_connection_retry_on_startup, s.broker_connection_max_retries]).toEqual([true, undefined, 100]);
  });

  it('read from the environment, `none` meaning for ever', () => {
    const s = loadConfig({ CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP: 'false', CELERY_BROKER_CONNECTION_MAX_RETRIES: 'none' }, {});
    expect(s.broker_connection_retry_on_startup).toBe(false);
    expect(s.broker_connection_max_retries).toBeNull();
  });

  it('binds the metrics server to loopback by default', () => {
    expect(loadConfig({}, {}).worker_metrics_host).toBe('127.0.0.1');
  });
});
