import { HealthServer } from '../../../../src/worker/health/health-server';

async function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('HealthServer', () => {
  let server: HealthServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('serves /healthz, /metrics and a /readyz that names what failed', async () => {
    let consuming = false;
    let brokerUp = true;
    server = new HealthServer({
      port: 0,
      host: '127.0.0.1',
      isConsuming: () => consuming,
      checks: {
        broker: async () => { if (!brokerUp) throw new Error('connect ECONNREFUSED'); },
        resultStore: async () => undefined,
      },
      metrics: { render: async () => 'celeriac_up 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' },
    });
    await server.start();
    const port = server.port;
    expect(port).toBeGreaterThan(0);

    expect(await get(port, '/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await get(port, '/metrics')).toMatchObject({ status: 200, body: 'celeriac_up 1\n', type: expect.stringContaining('text/plain') });

    let ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', failed: { consuming: 'worker is not consuming' } });

    consuming = true;
    brokerUp = false;
    ready = await get(port, '/readyz');
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', failed: { broker: 'connect ECONNREFUSED' } });

    brokerUp = true;
    expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: '{"status":"ready"}' });
    expect((await get(port, '/nope')).status).toBe(404);
  });

  it('fails a readiness check that hangs past its deadline', async () => {
    server = new HealthServer({
      port: 0, host: '127.0.0.1', isConsuming: () => true, checkTimeoutMs: 50,
      checks: { resultStore: () => new Promise<void>(() => undefined) },
    });
    await server.start();
    const ready = await get(server.port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).failed.resultStore).toMatch(/timed out after 50 ms/);
    expect((await get(server.port, '/metrics')).status).toBe(404);
  });

  it('reports a busy port with a typed error, and close() is idempotent', async () => {
    server = new HealthServer({ port: 0, host: '127.0.0.1', isConsuming: () => true });
    await server.start();
    const clash = new HealthServer({ port: server.port, host: '127.0.0.1', isConsuming: () => true });
    await expect(clash.start()).rejects.toMatchObject({ code: 'CELERIAC_TRANSPORT_HTTP_LISTEN' });
    await clash.close();
    await server.close();
    await server.close();
  });
});
