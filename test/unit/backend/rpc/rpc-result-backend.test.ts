import pino from 'pino';
import { createRpcResultBackend, isRpcBackendUrl, rpcBackendUrlProblem } from '../../../../src/backend/rpc/create-rpc-result-backend';
import { RPC_NO_CHORD_SUPPORT, RpcResultBackend } from '../../../../src/backend/rpc/rpc-result-backend';
import type { RpcReply, RpcReplyChannel, RpcReplyProperties, RpcReplyQueueSpec } from '../../../../src/backend/rpc/rpc-reply-channel';
import { applyCanvas } from '../../../../src/producer/apply-canvas';
import { createProducer } from '../../../../src/producer/producer';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { createTaskRouter } from '../../../../src/producer/task-router';
import { buildMeta } from '../../../contract/result-backend-contract';

/** An in-memory broker with only the default exchange: a reply reaches a queue that is being consumed, else it is dropped. */
class MemoryReplyChannel implements RpcReplyChannel {
  readonly queues = new Map<string, { spec: RpcReplyQueueSpec; onReply: (r: RpcReply) => void }>();
  readonly published: Array<{ replyTo: string; body: string; properties: RpcReplyProperties }> = [];
  failNextPublish: Error | null = null;
  closed = 0;
  async connect(): Promise<void> { /* nothing to open */ }
  async publishReply(replyTo: string, body: Buffer, properties: RpcReplyProperties): Promise<void> {
    if (this.failNextPublish) { const e = this.failNextPublish; this.failNextPublish = null; throw e; }
    this.published.push({ replyTo, body: body.toString(), properties });
    const q = this.queues.get(replyTo);
    if (q) queueMicrotask(() => q.onReply({ body, contentType: properties.contentType, contentEncoding: properties.contentEncoding, correlationId: properties.correlationId }));
  }
  async consumeReplies(spec: RpcReplyQueueSpec, onReply: (r: RpcReply) => void): Promise<void> {
    this.queues.set(spec.name, { spec, onReply });
  }
  async close(): Promise<void> { this.closed += 1; }
}

const silent = pino({ level: 'silent' });
const exc = { excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins' };

function setup(options: Partial<ConstructorParameters<typeof RpcResultBackend>[1]> = {}): { channel: MemoryReplyChannel; client: RpcResultBackend; worker: RpcResultBackend } {
  const channel = new MemoryReplyChannel();
  const client = new RpcResultBackend(channel, { resultExpiresSec: 86400, persistent: false, replyQueue: 'client-oid', ...options }, silent);
  const worker = new RpcResultBackend(channel, { resultExpiresSec: 86400, persistent: false, ...options }, silent);
  return { channel, client, worker };
}

describe('RpcResultBackend', () => {
  it('sends each state to reply_to, correlated by task id, as a transient json message', async () => {
    const { channel, worker } = setup();
    expect(await worker.storeResult(buildMeta('t1', 'STARTED', { pid: 1, hostname: 'h' }), { replyTo: 'somebody', correlationId: 't1' })).toBe(true);
    expect(await worker.storeResult(buildMeta('t1', 'SUCCESS', 3), { replyTo: 'somebody', correlationId: null })).toBe(true);
    expect(channel.published.map((p) => [p.replyTo, p.properties])).toEqual([
      ['somebody', { correlationId: 't1', contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1 }],
      ['somebody', { correlationId: 't1', contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1 }],
    ]);
    expect(JSON.parse(channel.published[1]?.body ?? '')).toEqual({ task_id: 't1', status: 'SUCCESS', result: 3, traceback: null, children: [] });
  });

  it('sends persistent replies with result_persistent', async () => {
    const { channel, worker } = setup({ persistent: true });
    await worker.storeResult(buildMeta('t1', 'SUCCESS', 3), { replyTo: 'r' });
    expect(channel.published[0]?.properties.deliveryMode).toBe(2);
  });

  it('sends nothing (and does not fail) for a request without a usable reply_to', async () => {
    const { channel, worker } = setup();
    expect(await worker.storeResult(buildMeta('t1', 'SUCCESS', 3))).toBe(false);
    expect(await worker.storeResult(buildMeta('t1', 'SUCCESS', 3), { replyTo: '' })).toBe(false);
    expect(await worker.storeResult(buildMeta('t1', 'SUCCESS', 3), { replyTo: 'x'.repeat(256) })).toBe(false);
    expect(channel.published).toEqual([]);
  });

  it('reports a publish the broker did not confirm as CELERIAC_BACKEND_IO (the worker retries it), an unencodable result as the encoder error', async () => {
    const { channel, worker } = setup();
    channel.failNextPublish = new Error('channel closed');
    await expect(worker.storeResult(buildMeta('t1', 'SUCCESS', 3), { replyTo: 'r' })).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_IO' });
    await expect(worker.storeResult(buildMeta('t1', 'SUCCESS', 'x'.repeat(64)), { replyTo: 'r', maxEncodedBytes: 10 }))
      .rejects.toMatchObject({ code: 'CELERIAC_PROTOCOL_ENCODE_TOO_LARGE' });
  });

  it('declares the reply queue as Celery\'s binding (x-expires = result_expires) once, on first use', async () => {
    const { channel, client } = setup({ resultExpiresSec: 60 });
    expect(channel.queues.size).toBe(0);
    await Promise.all([client.startConsuming(), client.getTaskMeta('t'), client.startConsuming()]);
    expect([...channel.queues.values()].map((q) => q.spec)).toEqual([{ name: 'client-oid', expiresMs: 60_000 }]);
    const never = setup({ resultExpiresSec: null });
    await never.client.startConsuming();
    expect(never.channel.queues.get('client-oid')?.spec.expiresMs).toBeNull();
  });

  it('resolves waits started before and after the reply; buffers results nobody waits for yet', async () => {
    const { client, worker } = setup();
    await client.startConsuming();
    const early = client.waitForResult('a', 5000);
    await worker.storeResult(buildMeta('a', 'STARTED', { pid: 1, hostname: 'h' }), { replyTo: client.replyQueue });
    await worker.storeResult(buildMeta('a', 'SUCCESS', 'A'), { replyTo: client.replyQueue });
    await worker.storeResult(buildMeta('b', 'FAILURE', exc), { replyTo: client.replyQueue });
    await expect(early).resolves.toMatchObject({ taskId: 'a', status: 'SUCCESS', result: 'A' });
    await expect(client.waitForResult('b', 5000)).resolves.toMatchObject({ taskId: 'b', status: 'FAILURE', result: exc });
    // A second get() of the same result returns it again (Celery's AsyncResult cache).
    await expect(client.waitForResult('a', 5000)).resolves.toMatchObject({ result: 'A' });
  });

  it('answers getTaskMeta with the latest state received; a later state never replaces a ready one; unknown ids are PENDING (null)', async () => {
    const { client, worker } = setup();
    await client.startConsuming();
    const done = client.waitForResult('t', 5000);
    await worker.storeResult(buildMeta('t', 'STARTED', { pid: 1, hostname: 'h' }), { replyTo: client.replyQueue });
    const started = client.waitForResult('other', 5000).catch(() => undefined);
    await new Promise<void>((r) => setImmediate(r));
    expect(await client.getTaskMeta('t')).toMatchObject({ status: 'STARTED' });
    await worker.storeResult(buildMeta('t', 'SUCCESS', 1), { replyTo: client.replyQueue });
    await done;
    await worker.storeResult(buildMeta('t', 'RETRY', exc), { replyTo: client.replyQueue });
    await new Promise<void>((r) => setImmediate(r));
    expect(await client.getTaskMeta('t')).toMatchObject({ status: 'SUCCESS', result: 1 });
    expect(await client.getTaskMeta('never-sent')).toBeNull();
    await client.close();
    await started;
  });

  it('times out a wait with CELERIAC_BACKEND_TIMEOUT and rejects pending waits on close (idempotent)', async () => {
    const { channel, client } = setup();
    await expect(client.waitForResult('none', 20)).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_TIMEOUT' });
    const pending = client.waitForResult('none', 5000);
    await Promise.all([client.close(), client.close()]);
    await expect(pending).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
    expect(channel.closed).toBe(1);
    await expect(client.getTaskMeta('x')).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
    await expect(client.storeResult(buildMeta('x', 'SUCCESS', 1), { replyTo: 'r' })).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_CLOSED' });
  });

  it('keeps at most bufferMax task ids, dropping the least recently updated', async () => {
    const { client, worker } = setup({ bufferMax: 2 });
    await client.startConsuming();
    for (const id of ['1', '2', '3']) await worker.storeResult(buildMeta(id, 'SUCCESS', id), { replyTo: client.replyQueue });
    await new Promise<void>((r) => setImmediate(r));
    expect(client.bufferedResults).toBe(2);
    expect(await client.getTaskMeta('1')).toBeNull();
    expect(await client.getTaskMeta('3')).toMatchObject({ result: '3' });
  });

  it('drops a reply it cannot decode without failing the consumer', async () => {
    const { channel, client, worker } = setup();
    await client.startConsuming();
    channel.queues.get('client-oid')?.onReply({ body: Buffer.from('not json'), contentType: 'application/json', contentEncoding: 'utf-8', correlationId: 'x' });
    channel.queues.get('client-oid')?.onReply({ body: Buffer.from('x'), contentType: 'application/x-python-serialize', contentEncoding: 'binary', correlationId: 'x' });
    await worker.storeResult(buildMeta('ok', 'SUCCESS', 1), { replyTo: client.replyQueue });
    await expect(client.waitForResult('ok', 5000)).resolves.toMatchObject({ result: 1 });
  });

  it('refuses forget (Celery: NotImplementedError) and chords, with Celery\'s message', async () => {
    const { client } = setup();
    await expect(client.forget('t')).rejects.toMatchObject({ code: 'CELERIAC_BACKEND_UNSUPPORTED' });
    expect(client.chordRefusal).toBe(RPC_NO_CHORD_SUPPORT);
    expect(RPC_NO_CHORD_SUPPORT.startsWith('The "rpc" result backend does not support chords!')).toBe(true);
    const published: unknown[] = [];
    const chord = { task: 'celery.chord', args: [], kwargs: { header: { task: 'celery.group', args: [], kwargs: { tasks: [{ task: 'a', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false }] }, options: {}, subtask_type: 'group', immutable: false },
      body: { task: 'b', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false } }, options: {}, subtask_type: 'chord', immutable: false };
    await expect(applyCanvas(chord as never, {}, { backend: client, publish: async (p) => { published.push(p); },
      context: { now: new Date(), hostname: 'h', replyTo: client.replyQueue, router: createTaskRouter(undefined, 'celery') } }))
      .rejects.toMatchObject({ code: 'CELERIAC_CANVAS_UNSUPPORTED', message: RPC_NO_CHORD_SUPPORT });
    expect(published).toEqual([]);
  });
});

describe('a producer with an rpc backend', () => {
  it('names the backend\'s reply queue as reply_to, declares it before the first publish, and gets the reply by push', async () => {
    const { channel, client, worker } = setup();
    const transport = new MemoryTransport();
    await transport.connect();
    const order: string[] = [];
    const publish = transport.publish.bind(transport);
    transport.publish = async (message, route) => { order.push(channel.queues.has('client-oid') ? 'publish after declare' : 'publish before declare'); return publish(message, route); };
    const producer = createProducer({ transport, backend: client, logger: silent });
    const result = await producer.sendTask('tapp.add', [1, 2]);
    expect(order).toEqual(['publish after declare']);
    const [message] = await new Promise<Array<{ message: { properties: Record<string, unknown> } }>>((resolve) => {
      const got: Array<{ message: { properties: Record<string, unknown> } }> = [];
      void transport.consume(['celery'], 1, (d) => { got.push(d); void d.ack(); resolve(got); });
    });
    expect(message?.message.properties).toMatchObject({ reply_to: 'client-oid', correlation_id: result.id });
    await worker.storeResult(buildMeta(result.id, 'SUCCESS', 3), { replyTo: message?.message.properties.reply_to as string, correlationId: result.id });
    expect(await result.get({ timeout: 5 })).toBe(3);
    await transport.close();
  });
});

describe('rpc result_backend URLs', () => {
  const base = { brokerUrl: 'amqp://guest:secret@h//', brokerTransportOptions: {}, resultExpiresSec: 86400, persistent: false };

  it('accepts what Celery accepts as its rpc backend', () => {
    for (const url of ['rpc', 'rpc://', 'rpc:///', 'rpc://ignored-host/vh', 'RPC://', 'rpc+amqp://x']) {
      expect(isRpcBackendUrl(url)).toBe(true);
      expect(rpcBackendUrlProblem(url)).toBeNull();
      expect(createRpcResultBackend({ ...base, resultBackend: url }, silent)).toBeInstanceOf(RpcResultBackend);
    }
    expect(isRpcBackendUrl('redis://h/2')).toBe(false);
  });

  it('refuses rpc look-alikes and Celery 4\'s amqp backend with CELERIAC_BACKEND_BAD_URL, password hidden', () => {
    for (const url of ['rpc:', 'rpc:/', 'rpc:/x', 'rpcs://', 'amqp://u:pw@h//', 'pyamqp://h']) {
      expect(isRpcBackendUrl(url)).toBe(true);
      let caught: unknown;
      try { createRpcResultBackend({ ...base, resultBackend: url }, silent); } catch (err) { caught = err; }
      expect(caught).toMatchObject({ name: 'BackendError', code: 'CELERIAC_BACKEND_BAD_URL' });
      expect((caught as Error).message).not.toContain('pw');
    }
    expect(rpcBackendUrlProblem('amqp://h')).toMatch(/Celery 5 has no "amqp" result backend.*use rpc:\/\//);
  });

  it('needs an AMQP broker: rpc:// over redis:// is CELERIAC_BACKEND_UNSUPPORTED, naming the broker without its password', () => {
    expect(() => createRpcResultBackend({ ...base, resultBackend: 'rpc://', brokerUrl: 'redis://:pw@h:6379/1' }, silent))
      .toThrow(expect.objectContaining({ code: 'CELERIAC_BACKEND_UNSUPPORTED', message: expect.stringMatching(/needs an AMQP broker.*redis:\/\/.*h:6379/) }));
    expect(() => createRpcResultBackend({ ...base, resultBackend: 'rpc://', brokerUrl: 'redis://:pw@h:6379/1' }, silent)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(':pw@') }));
  });
});
