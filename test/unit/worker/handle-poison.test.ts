import pino from 'pino';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { Delivery, Transport } from '../../../src/transport/transport';
import { handlePoison, type PoisonReport } from '../../../src/worker/handle-poison';
import type { ResultWriter } from '../../../src/worker/result-writer';
import type { StoreOutcome } from '../../../src/worker/store-outcome';

const log = pino({ level: 'silent' });
const message: KombuMessage = { body: Buffer.from('x'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { id: 't1' }, properties: {} };
const report: PoisonReport = { code: 'CELERIAC_PROTOCOL_BAD_BODY', reason: 'bad body', taskId: 't1', exception: { excType: 'InvalidTaskError', excMessage: ['bad body'], excModule: 'celery.exceptions' } };

function harness(outcome: StoreOutcome, publishFails = false) {
  const calls: string[] = [];
  let onReject: () => void = () => undefined;
  const rejected = new Promise<void>((resolve) => { onReject = resolve; });
  const delivery: Delivery = { message, deliveryTag: 'tag1', queue: 'celery', route: { exchange: '', routingKey: 'celery' }, redelivered: false,
    ack: async () => { calls.push('ack'); }, reject: async (requeue) => { calls.push(`reject:${requeue}`); onReject(); } };
  const transport = { publish: async (_m: KombuMessage, r: Route) => { if (publishFails) throw new Error('down'); calls.push(`publish:${r.routingKey}`); } } as unknown as Transport;
  const writer = { markFailedWith: async () => { calls.push('failure'); return outcome; } } as unknown as ResultWriter;
  return { calls, rejected, run: (r: PoisonReport = report) => handlePoison(delivery, r, { transport, writer, poisonQueue: 'celeriac.poison', hostname: 'w@h', log, giveBackAfterMs: 0 }) };
}

describe('handlePoison', () => {
  it('stores the FAILURE, copies to the poison queue, then drops the original', async () => {
    const h = harness({ kind: 'stored', written: true });
    await h.run();
    expect(h.calls).toEqual(['failure', 'publish:celeriac.poison', 'reject:false']);
  });

  it('gives the message back to its queue later when its FAILURE could not be stored (nothing is lost)', async () => {
    const h = harness({ kind: 'unstored', error: new Error('backend down') });
    await h.run();
    expect(h.calls).toEqual(['failure']);
    await h.rejected;
    expect(h.calls).toEqual(['failure', 'reject:true']);
  });

  it('gives the message back later when the poison copy cannot be written', async () => {
    const h = harness({ kind: 'stored', written: true }, true);
    await h.run();
    await h.rejected;
    expect(h.calls).toEqual(['failure', 'reject:true']);
  });

  it('makes no second copy of what the transport already kept in the poison queue', async () => {
    const h = harness({ kind: 'stored', written: true });
    await h.run({ ...report, keptIn: 'celeriac.poison' });
    expect(h.calls).toEqual(['failure', 'reject:false']);
  });
});
