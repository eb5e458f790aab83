import pino from 'pino';
import { runInRequestScope } from '../../../src/app/request-context';
import { createProducer } from '../../../src/producer/producer';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import type { Transport } from '../../../src/transport/transport';

function recordingTransport(): Transport & { sent: { message: KombuMessage; route: Route }[] } {
  const sent: { message: KombuMessage; route: Route }[] = [];
  const unused = async (): Promise<never> => { throw new Error('not used by the producer'); };
  return {
    sent, connect: unused, declareQueue: unused, consume: unused, publishFanout: unused, subscribeFanout: unused, queueLength: unused, purge: unused,
    close: unused, publish: async (message, route) => { sent.push({ message, route }); },
  };
}

describe('createProducer().sendTask inside a task (request scope)', () => {
  const scope = { id: 'parent-1', task: 'tasks.parent', rootId: 'root-0', parentId: 'root-0', headers: { request_id: 'req-9', other: 'x' },
    fields: { request_id: 'req-9', organization_id: 'org-3' } };

  it('fills parent_id/root_id from the running task and copies its correlation fields into the headers; explicit headers win', async () => {
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger: pino({ enabled: false }) });
    await runInRequestScope(scope, () => producer.sendTask('tasks.child', [], {}, { headers: { organization_id: 'org-override' } }));
    const { headers } = transport.sent[0]?.message as KombuMessage;
    expect(headers).toMatchObject({ parent_id: 'parent-1', root_id: 'root-0', request_id: 'req-9', organization_id: 'org-override' });
    // Only the configured fields travel, not every header of the parent.
    expect(headers.other).toBeUndefined();
  });

  it('outside any task sends a top-level message (no parent, own root, no extra headers)', async () => {
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger: pino({ enabled: false }) });
    const r = await producer.sendTask('tasks.top');
    const { headers } = transport.sent[0]?.message as KombuMessage;
    expect(headers).toMatchObject({ parent_id: null, root_id: r.id });
    expect(headers.request_id).toBeUndefined();
  });
});
