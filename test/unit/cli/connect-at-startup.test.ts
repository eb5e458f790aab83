import { buildRetryDelaySec, buildStartupRetryPolicy, connectAtStartup, isStartupAborted, type StartupTarget } from '../../../src/cli/connect-at-startup';
import { TransportError } from '../../../src/errors/celeriac-error';

/** A log that keeps every record, and a sleep that only records what it was asked to wait. */
function harness(policy = { retry: true, maxRetries: 100 as number | null }) {
  const warnings: Array<Record<string, unknown>> = [];
  const infos: Array<Record<string, unknown>> = [];
  const slept: number[] = [];
  const controller = new AbortController();
  return {
    warnings, infos, slept, controller,
    opts: {
      policy,
      log: { warn: (o: object) => { warnings.push(o as Record<string, unknown>); }, info: (o: object) => { infos.push(o as Record<string, unknown>); } } as never,
      sleep: async (ms: number) => { slept.push(ms); },
      signal: controller.signal,
    },
  };
}

/** A target that fails `failures` times (connection refused), then connects. */
function flaky(failures: number, url = 'redis://:s3cret@10.0.0.9:6379/1'): StartupTarget & { calls: number } {
  const target = {
    role: 'broker', url, calls: 0,
    async connect() {
      target.calls++;
      if (target.calls <= failures) throw new TransportError('CELERIAC_TRANSPORT_UNREACHABLE', `cannot connect to Redis at redis://:***@10.0.0.9:6379/1: connection refused`);
    },
  };
  return target;
}

describe('buildRetryDelaySec', () => {
  it("follows kombu's retry_over_time intervals: 2, 4, ... 32, then 32", () => {
    expect([1, 2, 3, 4, 15, 16, 17, 50, 1000].map(buildRetryDelaySec)).toEqual([2, 4, 6, 8, 30, 32, 32, 32, 32]);
  });
});

describe('buildStartupRetryPolicy', () => {
  it('follows broker_connection_retry when broker_connection_retry_on_startup is unset, as Celery', () => {
    expect(buildStartupRetryPolicy({ broker_connection_retry: true, broker_connection_retry_on_startup: undefined, broker_connection_max_retries: 100 }))
      .toEqual({ retry: true, maxRetries: 100 });
    expect(buildStartupRetryPolicy({ broker_connection_retry: false, broker_connection_retry_on_startup: undefined, broker_connection_max_retries: 100 }).retry).toBe(false);
  });

  it('lets broker_connection_retry_on_startup win when set', () => {
    expect(buildStartupRetryPolicy({ broker_connection_retry: false, broker_connection_retry_on_startup: true, broker_connection_max_retries: null }))
      .toEqual({ retry: true, maxRetries: null });
    expect(buildStartupRetryPolicy({ broker_connection_retry: true, broker_connection_retry_on_startup: false, broker_connection_max_retries: 5 }).retry).toBe(false);
  });
});

describe('connectAtStartup', () => {
  it('retries with backoff and one warning per failed attempt naming the safe URL, attempt n of max and the next delay', async () => {
    const h = harness();
    const broker = flaky(4);
    await connectAtStartup([broker], h.opts);
    expect(broker.calls).toBe(5);
    expect(h.slept).toEqual([2000, 4000, 6000, 8000]);
    expect(h.warnings).toHaveLength(4);
    expect(h.warnings[0]).toMatchObject({ role: 'broker', url: 'redis://:***@10.0.0.9:6379/1', attempt: 1, maxAttempts: 101, nextDelaySec: 2 });
    expect(h.warnings[3]).toMatchObject({ attempt: 4, nextDelaySec: 8 });
    expect(JSON.stringify(h.warnings)).not.toContain('s3cret');
    expect(h.infos).toEqual([expect.objectContaining({ role: 'broker', attempts: 5 })]);
  });

  it('gives up after broker_connection_max_retries retries with the last error', async () => {
    const h = harness({ retry: true, maxRetries: 3 });
    const broker = flaky(10);
    await expect(connectAtStartup([broker], h.opts)).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_UNREACHABLE' });
    expect(broker.calls).toBe(4);
    expect(h.slept).toEqual([2000, 4000, 6000]);
  });

  it('makes one attempt when retrying is off, and when max retries is 0', async () => {
    for (const policy of [{ retry: false, maxRetries: 100 }, { retry: true, maxRetries: 0 }]) {
      const h = harness(policy);
      const broker = flaky(1);
      await expect(connectAtStartup([broker], h.opts)).rejects.toThrow(/connection refused/);
      expect(broker.calls).toBe(1);
      expect(h.warnings).toHaveLength(0);
    }
  });

  it('retries for ever when max retries is null (`none`)', async () => {
    const h = harness({ retry: true, maxRetries: null });
    const broker = flaky(200);
    await connectAtStartup([broker], h.opts);
    expect(broker.calls).toBe(201);
    expect(h.warnings[199]).toMatchObject({ attempt: 200, maxAttempts: null, nextDelaySec: 32 });
  });

  it('does not retry a refused password', async () => {
    const h = harness();
    const target: StartupTarget = { role: 'broker', url: 'redis://:bad@h/1', connect: async () => {
      throw new TransportError('CELERIAC_TRANSPORT_AUTH', 'cannot connect', { cause: new Error('WRONGPASS invalid username-password pair or user is disabled.') });
    } };
    await expect(connectAtStartup([target], h.opts)).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_AUTH' });
    expect(h.warnings).toHaveLength(0);
  });

  it('does not retry a certificate the client does not trust', async () => {
    const h = harness();
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    let calls = 0;
    const target: StartupTarget = { role: 'broker', url: 'rediss://h/1', connect: async () => {
      calls++;
      throw new TransportError('CELERIAC_TRANSPORT_TLS', 'cannot connect', { cause: untrusted });
    } };
    await expect(connectAtStartup([target], h.opts)).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_TLS' });
    expect(calls).toBe(1);
    expect(h.warnings).toHaveLength(0);
  });

  it('connects the targets in order and retries the result backend too', async () => {
    const h = harness();
    const broker = flaky(0);
    const results = { ...flaky(2, 'redis://:pw@h/2'), role: 'result backend' };
    const order: string[] = [];
    await connectAtStartup([
      { role: 'broker', url: broker.url, connect: async () => { order.push('broker'); await broker.connect(); } },
      { role: 'result backend', url: results.url, connect: async () => { order.push('results'); await results.connect.call(results); } },
    ], h.opts);
    expect(order).toEqual(['broker', 'results', 'results', 'results']);
    expect(h.warnings.map((w) => w.role)).toEqual(['result backend', 'result backend']);
  });

  it('stops retrying when a shutdown signal aborts the wait', async () => {
    const h = harness();
    const broker = flaky(1000);
    h.opts.sleep = async () => { if (broker.calls === 3) h.controller.abort(); };
    const err = await connectAtStartup([broker], h.opts).catch((e: unknown) => e);
    expect(isStartupAborted(err)).toBe(true);
    expect(broker.calls).toBe(3);
  });
});
