import type { KombuMessage } from '../../../../src/protocol/kombu-message';
import { parsePythonDatetime } from '../../../../src/protocol/python-datetime';
import { ControlServer } from '../../../../src/worker/control/control-server';
import type { ControlContext } from '../../../../src/worker/control/control-context';
import { RevokedSet } from '../../../../src/worker/control/revoked-set';
import { RevokedStamps } from '../../../../src/worker/control/revoked-stamps';
import { LamportClock } from '../../../../src/worker/events/lamport-clock';
import { FakeTransport, FakeWorker, bodyOf, makeRequest, testReprs, type Published } from './fake-worker';

function setup(overrides: Partial<ControlContext> = {}) {
  const transport = new FakeTransport();
  const worker = new FakeWorker();
  const events = { on: false, beats: 0 };
  let monotonic = 100;
  const context: ControlContext = {
    inspector: worker,
    controller: worker,
    revoked: new RevokedSet({ nowSec: () => monotonic }),
    revokedStamps: new RevokedStamps(),
    clock: new LamportClock(),
    reprs: testReprs,
    events: {
      enableTaskEvents: () => (events.on ? false : (events.on = true)),
      disableTaskEvents: () => (events.on ? !(events.on = false) : false),
      sendRequestedHeartbeat: async () => { events.beats++; },
    },
    limits: null,
    now: () => worker.startedAtMs + 18_400,
    pid: 4242,
    ...overrides,
  };
  const server = new ControlServer({ transport, context });
  // the client's reply queue binding, through which replies are routed (kombu's reply exchange lookup)
  void transport.declareQueue('oid-1.reply.celery.pidbox', { exchange: 'reply.celery.pidbox', routingKey: 'oid-1' });
  return { transport, worker, context, server, events, tick: (s: number) => { monotonic += s; } };
}

let ticket = 0;
/** Broadcasts a request as `celery inspect` / Flower do, and resolves with the reply body for our node (or times out). */
async function call(
  transport: FakeTransport, method: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {},
): Promise<unknown> {
  const t = `ticket-${++ticket}`;
  await transport.publishFanout('celery.pidbox', '', request({
    method, arguments: args, destination: null, pattern: null, matcher: null,
    ticket: t, reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'oid-1' }, ...extra,
  }));
  const reply = await transport.waitFor((p) => p.kind === 'publish' && p.message.headers.ticket === t);
  return bodyOf(reply)['ts1@host'];
}

function request(body: Record<string, unknown>, clock = 50): KombuMessage {
  return {
    body: Buffer.from(JSON.stringify(body)), contentType: 'application/json', contentEncoding: 'utf-8',
    headers: { clock, expires: 0 }, properties: {},
  };
}

describe('ControlServer', () => {
  it('answers ping through the reply exchange with the ticket and an adjusted clock', async () => {
    const { transport, server } = setup();
    await server.start();
    expect(await call(transport, 'ping')).toEqual({ ok: 'pong' });
    const reply = transport.published.find((p) => p.kind === 'publish') as Published;
    expect(reply.exchange).toBe('reply.celery.pidbox');
    expect(reply.routingKey).toBe('oid-1');
    expect(reply.message.headers).toEqual({ ticket: 'ticket-1', clock: 52 });
    expect(reply.message.properties).toEqual({ delivery_mode: 1 });
    await server.close();
    await server.close();
    expect(transport.subscriptionCount).toBe(0);
  });

  it('ignores requests for other nodes and casts without reply_to', async () => {
    const { transport, server, worker } = setup();
    await server.start();
    await transport.publishFanout('celery.pidbox', '', request({ method: 'pool_grow', arguments: { n: 1 }, destination: ['other@host'] }));
    await transport.publishFanout('celery.pidbox', '', request({ method: 'pool_grow', arguments: { n: 2 }, pattern: 'other*', matcher: 'glob' }));
    await transport.publishFanout('celery.pidbox', '', request({ method: 'pool_grow', arguments: { n: 3 } }));
    expect(await call(transport, 'ping', {}, { destination: ['ts1@host'] })).toEqual({ ok: 'pong' });
    await server.close();
    expect(worker.calls).toEqual([['resizePool', 3]]);
    expect(transport.published.filter((p) => p.kind === 'publish')).toHaveLength(1);
  });

  it('replies KeyError for unknown commands and repr(exc) for failing ones, as kombu', async () => {
    const { transport, server } = setup();
    await server.start();
    expect(await call(transport, 'nosuchcmd')).toEqual({ error: "KeyError('nosuchcmd')" });
    expect(await call(transport, 'pool_grow', { n: 'lots' })).toEqual({ error: "TypeError('n must be a positive integer, got lots')" });
    expect(await call(transport, 'autoscale', { max: 4, min: 1 })).toEqual({ error: "ValueError('Autoscale not enabled')" });
    await server.close();
  });

  it('reports stats in the shape Flower and celery inspect stats read', async () => {
    const { transport, server } = setup();
    await server.start();
    const stats = await call(transport, 'stats') as Record<string, any>;
    expect(Object.keys(stats)).toEqual(['total', 'pid', 'clock', 'uptime', 'pool', 'broker', 'prefetch_count', 'rusage']);
    expect(stats).toMatchObject({ total: { 'tapp.add': 8, 'tapp.tsum': 1 }, pid: 4242, uptime: 18, prefetch_count: 16 });
    expect(typeof stats.clock).toBe('string');
    expect(stats.pool).toMatchObject({ 'max-concurrency': 4, processes: [4242], 'max-tasks-per-child': null });
    expect(stats.broker).toMatchObject({ hostname: 'broker.example', port: 6380, virtual_host: '3', transport: 'redis', userid: null });
    expect(JSON.stringify(stats)).not.toContain('s3cret');
    expect(Object.keys(stats.rusage)).toEqual(expect.arrayContaining(['utime', 'stime', 'maxrss', 'nvcsw', 'nivcsw']));
    await server.close();
  });

  it('lists active (safe and not), reserved, scheduled, registered, queues and query_task', async () => {
    const { transport, server, worker } = setup();
    worker.active = [makeRequest('a1')];
    worker.reserved = [makeRequest('r1', { timeStartSec: null, acknowledged: false, argsRepr: null, args: [7] })];
    worker.scheduled = [makeRequest('s1', { eta: parsePythonDatetime('2026-11-21T10:00:00.512345+00:00'), timeStartSec: null })];
    await server.start();
    expect(await call(transport, 'active', { safe: true })).toEqual([{
      id: 'a1', name: 'tapp.add', args: '(2, 3)', kwargs: '{}', type: 'tapp.add', hostname: 'ts1@host',
      time_start: 1795234996.9225783, acknowledged: true,
      delivery_info: { exchange: '', routing_key: 'celery', priority: 0, redelivered: false }, worker_pid: 4242,
    }]);
    expect(await call(transport, 'active')).toMatchObject([{ args: [2, 3], kwargs: {} }]);
    expect(await call(transport, 'reserved')).toMatchObject([{ id: 'r1', args: [7], time_start: null, worker_pid: null }]);
    expect(await call(transport, 'scheduled')).toMatchObject([
      // the message's microseconds survive, as Python's eta.isoformat()
      { eta: '2026-11-21T10:00:00.512345+00:00', priority: 6, request: { id: 's1', acknowledged: false, time_start: null } },
    ]);
    // Celery's default items (exchange, routing_key, rate_limit): only a set rate limit shows
    expect(await call(transport, 'registered')).toEqual(['tapp.add [rate_limit=10/m]', 'tapp.tsum']);
    expect(await call(transport, 'dump_tasks', { builtins: true, taskinfoitems: ['name'] }))
      .toEqual(['celery.chord_unlock [name=celery.chord_unlock]', 'tapp.add [name=tapp.add]', 'tapp.tsum [name=tapp.tsum]']);
    expect(await call(transport, 'registered', { taskinfoitems: ['name', 'acks_late', 'max_retries', 'time_limit', 'exchange'] }))
      .toEqual(['tapp.add [name=tapp.add acks_late=False max_retries=3]', 'tapp.tsum [name=tapp.tsum acks_late=False max_retries=3]']);
    expect(await call(transport, 'active_queues')).toMatchObject([{ name: 'celery', routing_key: 'celery', exchange: { name: 'celery', type: 'direct' } }]);
    expect(await call(transport, 'query_task', { ids: ['a1', 's1', 'zz'] })).toEqual({ a1: ['active', expect.objectContaining({ id: 'a1' })] });
    await server.close();
  });

  it('revokes, terminates and shares revokes through hello with float times', async () => {
    const { transport, server, worker, context, tick } = setup();
    worker.active = [makeRequest('run1')];
    await server.start();
    expect(await call(transport, 'revoke', { task_id: 'r1' })).toEqual({ ok: "tasks {'r1'} flagged as revoked" });
    expect(await call(transport, 'revoke', { task_id: ['run1', 'x'], terminate: true, signal: 'SIGKILL' })).toEqual({ ok: 'terminate: run1' });
    expect(await call(transport, 'terminate', { task_id: 'nope', signal: 'SIGTERM' })).toEqual({ ok: 'terminate: tasks unknown' });
    expect(worker.calls[1]).toEqual(['revoke', ['run1', 'x'], { terminate: true, signal: 'SIGKILL' }]);
    expect(context.revoked.isRevoked('r1')).toBe(true);
    tick(1);
    expect(await call(transport, 'revoked')).toEqual(['r1', 'run1', 'x', 'nope']);

    expect(await call(transport, 'hello', { from_node: 'ts1@host', revoked: {} })).toBeNull();
    const t = 'hello-ticket';
    await transport.publishFanout('celery.pidbox', '', request({
      method: 'hello', arguments: { from_node: 'celery@py', revoked: { peer1: [544.91063693, 'peer1'] } },
      ticket: t, reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'oid-1' },
    }));
    const reply = await transport.waitFor((p) => p.message.headers.ticket === t);
    // Python's LimitedSet.update rejects integral times unless written as floats
    expect(reply.message.body.toString()).toContain('"r1": [100.0, "r1"]');
    expect(bodyOf(reply)['ts1@host'].revoked.peer1).toEqual([544.91063693, 'peer1']);
    expect(context.revoked.isRevoked('peer1')).toBe(true);
    await server.close();
  });

  it('revoke_by_stamped_headers flags stamps, and with terminate aborts only running tasks whose stamps match', async () => {
    const { transport, server, worker, context } = setup();
    worker.active = [makeRequest('m1', { stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: ['abc', 7] } }),
      makeRequest('m2', { stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: 'other' } }), makeRequest('plain')];
    await server.start();
    expect(await call(transport, 'revoke_by_stamped_headers', { headers: { myheader: ['myvalue'] }, terminate: false }))
      .toEqual({ ok: "headers {'myheader': ['myvalue']} flagged as revoked, but not terminated" });
    expect(await call(transport, 'revoke_by_stamped_headers', { headers: { monitoring_id: 'nope' }, terminate: true }))
      .toEqual({ ok: "headers {'monitoring_id': 'nope'} were not terminated" });
    expect(worker.calls).toEqual([]);
    expect(await call(transport, 'revoke_by_stamped_headers', { headers: { monitoring_id: [7, 'x'] }, terminate: true, signal: 'SIGKILL' }))
      .toEqual({ ok: "headers defaultdict(<class 'set'>, {'monitoring_id': {7}}) revoked" });
    expect(worker.calls).toEqual([['terminateRequests', ['m1'], { signal: 'SIGKILL' }]]);
    // the CLI form `celery control revoke_by_stamped_headers k=v` sends a list of "k=v"
    expect(await call(transport, 'revoke_by_stamped_headers', { headers: ['cli_stamp=v1'] }))
      .toEqual({ ok: "headers {'cli_stamp': 'v1'} flagged as revoked, but not terminated" });
    expect(context.revokedStamps.toJSON()).toEqual({ myheader: ['myvalue'], monitoring_id: ['nope', 7, 'x'], cli_stamp: ['v1'] });
    expect(context.revokedStamps.match(['monitoring_id'], { monitoring_id: 'x' })).toEqual({ header: 'monitoring_id', value: 'x' });
    await server.close();
  });

  it('switches events, heartbeats, changes queues and pool, and shuts down without replying', async () => {
    const { transport, server, worker, events } = setup();
    await server.start();
    expect(await call(transport, 'enable_events')).toEqual({ ok: 'task events enabled' });
    expect(await call(transport, 'enable_events')).toEqual({ ok: 'task events already enabled' });
    expect(await call(transport, 'disable_events')).toEqual({ ok: 'task events disabled' });
    expect(await call(transport, 'disable_events')).toEqual({ ok: 'task events already disabled' });
    expect(await call(transport, 'heartbeat')).toBeNull();
    expect(events.beats).toBe(1);
    expect(await call(transport, 'clock')).toEqual({ clock: expect.any(Number) });
    expect(await call(transport, 'add_consumer', { queue: 'q2' })).toEqual({ ok: 'add consumer q2' });
    expect(await call(transport, 'cancel_consumer', { queue: 'q2' })).toEqual({ ok: 'no longer consuming from q2' });
    expect(await call(transport, 'pool_grow', { n: 2 })).toEqual({ ok: 'pool will grow' });
    expect(await call(transport, 'pool_shrink')).toEqual({ ok: 'pool will shrink' });
    expect(await call(transport, 'rate_limit', { task_name: 'tapp.add', rate_limit: 'x/m' }))
      .toEqual({ error: "Invalid rate limit string: ValueError('could not convert string to float: \\'x\\'')" });
    const before = transport.published.length;
    await server.handleMessage({ exchange: 'celery.pidbox', routingKey: '', message: request({
      method: 'shutdown', arguments: {}, ticket: 'sd', reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'oid-1' },
    }) });
    expect(transport.published.length).toBe(before);
    expect(worker.calls).toEqual([['addQueue', 'q2'], ['cancelQueue', 'q2'], ['resizePool', 2], ['resizePool', -1], ['shutdown']]);
    await server.close();
  });

  it('reports conf without secrets and drops malformed requests', async () => {
    const warnings: unknown[] = [];
    const { transport, context } = setup();
    const server = new ControlServer({ transport, context, logger: { warn: (o: unknown) => warnings.push(o), debug: () => undefined, info: () => undefined } as never });
    await server.start();
    await transport.publishFanout('celery.pidbox', '', { ...request({}), body: Buffer.from('{') });
    expect(warnings).toHaveLength(1);
    const conf = await call(transport, 'conf') as Record<string, unknown>;
    // what differs from Celery's defaults (celeriac's own settings: from celeriac's), censored as Python does
    expect(conf).toEqual({
      broker_url: 'redis://:********@broker.example:6380/3', result_backend: 'redis://localhost:6379/2', worker_concurrency: 97,
      result_backend_base_sleep_between_retries_ms: 100, result_backend_max_retries: 5, task_reject_on_worker_lost: false,
      timezone: 'UTC', worker_pool: 'event', worker_log_color: false, deprecated_settings: null, include: [],
    });
    const all = await call(transport, 'conf', { with_defaults: true }) as Record<string, unknown>;
    expect(all).toMatchObject({ deprecated_settings: 'set()', worker_hijack_root_logger: true, enable_utc: true, accept_content: ['json'], broker_heartbeat: 120,
      result_expires: '1 day, 0:00:00', task_default_queue: 'celery', worker_prefetch_multiplier: 4, worker_poison_queue: 'celeriac.poison' });
    expect(JSON.stringify(all)).not.toContain('s3cret');
    expect(await call(transport, 'report')).toEqual({ ok: expect.stringContaining('software -> celeriac:') });
    await server.close();
  });
});
