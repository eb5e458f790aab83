import { ControlClient } from '../../../../src/worker/control/control-client';
import { ControlServer } from '../../../../src/worker/control/control-server';
import { formatControlReplies } from '../../../../src/worker/control/format-control-replies';
import { RevokedSet } from '../../../../src/worker/control/revoked-set';
import { RevokedStamps } from '../../../../src/worker/control/revoked-stamps';
import { LamportClock } from '../../../../src/worker/events/lamport-clock';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { encodeControlRequest } from '../../../../src/protocol/pidbox/encode-control-request';
import { FakeWorker, testReprs } from './fake-worker';

/** Wire spec §11 item 17: the captured `celery inspect ping` request body. */
const CAPTURED_PING_REQUEST_B64 = 'eyJtZXRob2QiOiAicGluZyIsICJhcmd1bWVudHMiOiB7fSwgImRlc3RpbmF0aW9uIjogbnVsbCwgInBhdHRlcm4iOiBudWxsLCAibWF0Y2hlciI6IG51bGwsICJ0aWNrZXQiOiAiMmVmNjJmY2MtM2RkOC00YjVlLThmYTItZDgzNzk1OGZlMDZkIiwgInJlcGx5X3RvIjogeyJleGNoYW5nZSI6ICJyZXBseS5jZWxlcnkucGlkYm94IiwgInJvdXRpbmdfa2V5IjogIjIwOWU2NzU5LTA0MzctMzlhMC05NmQ2LTk4YzcyNzIyZmViOSJ9fQ==';

function startWorker(transport: MemoryTransport, hostname: string): { server: ControlServer; worker: FakeWorker } {
  const worker = new FakeWorker();
  worker.hostname = hostname;
  const server = new ControlServer({
    transport,
    context: {
      inspector: worker, controller: worker, revoked: new RevokedSet(), revokedStamps: new RevokedStamps(), clock: new LamportClock(), reprs: testReprs,
      events: null, limits: null, now: () => Date.now(), pid: process.pid,
    },
  });
  return { server, worker };
}

describe('ControlClient', () => {
  it('encodes requests byte for byte as kombu does', () => {
    const message = encodeControlRequest({
      method: 'ping', arguments: {}, destination: null, ticket: '2ef62fcc-3dd8-4b5e-8fa2-d837958fe06d',
      replyTo: { exchange: 'reply.celery.pidbox', routingKey: '209e6759-0437-39a0-96d6-98c72722feb9' },
    }, 1, 1795234932.1299376);
    expect(message.body.toString('base64')).toBe(CAPTURED_PING_REQUEST_B64);
    expect(message.headers).toEqual({ clock: 1, expires: 1795234932.1299376 });
    expect(message.properties).toEqual({ delivery_mode: 2 });
  });

  it('pings every worker through the reply-exchange binding, and honours destination', async () => {
    const transport = new MemoryTransport();
    const a = startWorker(transport, 'a@host');
    const b = startWorker(transport, 'b@host');
    await a.server.start();
    await b.server.start();
    const client = new ControlClient({ transport, oid: 'oid-test' });

    const all = await client.call('ping', { timeoutMs: 200, limit: 2 });
    expect(all).toEqual(expect.arrayContaining([{ 'a@host': { ok: 'pong' } }, { 'b@host': { ok: 'pong' } }]));
    expect(all).toHaveLength(2);

    const one = await client.call('stats', { destination: ['b@host'], timeoutMs: 1000 });
    expect(one).toHaveLength(1);
    expect(Object.keys(one[0] as object)).toEqual(['b@host']);

    await client.cast('pool_grow', { n: 1 }, ['a@host']);
    await client.call('ping', { destination: ['a@host'] }); // requests are handled in order: the cast ran first
    expect(a.worker.calls).toEqual([['resizePool', 1]]);
    expect(b.worker.calls).toEqual([]);

    await a.server.close();
    await b.server.close();
    expect(await client.call('ping', { timeoutMs: 20 })).toEqual([]);
    await transport.close();
  });

  it('prints replies as the celery CLI does', () => {
    const replies = [{ 'a@host': { ok: 'pong' } }, { 'b@host': { error: "KeyError('x')" } }];
    expect(formatControlReplies(replies, { showReply: false })).toBe('->  a@host: OK\n->  b@host: ERROR\n\n2 nodes online.');
    expect(formatControlReplies(replies.slice(0, 1), { showReply: true })).toBe('->  a@host: OK\n        pong\n\n1 node online.');
    expect(formatControlReplies([{ 'a@host': ['t1', 't2'] }], { showReply: true })).toBe('->  a@host: OK\n    * t1\n    * t2\n\n1 node online.');
  });
});
