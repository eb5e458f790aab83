// A task run on the threads pool sees the same request scope as one run on the event loop: ids,
// headers, the configured correlation fields in its task logger and in the headers of tasks it sends.
import { join } from 'node:path';
import pino from 'pino';
import type { Celery } from '../../../../src/app/celery';
import { MemoryResultBackend } from '../../../../src/backend/memory-result-backend';
import { loadConfig } from '../../../../src/config/load-config';
import type { Route } from '../../../../src/protocol/kombu-message';
import { MemoryTransport } from '../../../../src/transport/memory/memory-transport';
import { Worker } from '../../../../src/worker/worker';
import { wireTask } from '../../../helpers/task-wire';

const APP_PATH = join(__dirname, 'fixtures', 'context-app.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = require(APP_PATH) as Celery;
const Q: Route = { exchange: '', routingKey: 'celery' };
// Pool threads transpile the TypeScript sources on start (~1 s each under jest).
jest.setTimeout(30_000);

let worker: Worker;
let transport: MemoryTransport;
let backend: MemoryResultBackend;

beforeAll(async () => {
  transport = new MemoryTransport();
  backend = new MemoryResultBackend();
  const settings = loadConfig({}, { worker_concurrency: 2, worker_log_context_fields: ['request_id', 'organization_id'] });
  worker = new Worker({ app, transport, backend, settings, hostname: 'ts1@test', logger: pino({ level: 'silent' }), appPath: APP_PATH,
    followUps: { hostname: 'gen1@test', replyTo: 'oid-test' } });
  await worker.start();
});
afterAll(() => worker.close());

interface Seen {
  threadId: number;
  scope: { id: string; task: string; rootId: string; parentId: string | null; headers: Record<string, unknown>; fields: Record<string, unknown> } | null;
  logFields?: Record<string, unknown>;
  sentHeaders?: Record<string, unknown>;
}

async function run(msg: ReturnType<typeof wireTask>): Promise<Seen> {
  await transport.publish(msg, Q);
  const meta = await backend.waitForResult(String(msg.headers.id), 20_000);
  expect(meta.status).toBe('SUCCESS');
  return meta.result as Seen;
}

describe('request scope on the threads pool', () => {
  it('a bound task sees its ids and headers, logs the correlation fields, and copies them to a task it sends with delay()', async () => {
    const msg = wireTask('ctx.bound', [], { kwargs: {}, headers: { root_id: 'root-1', parent_id: 'parent-1', request_id: 'r-1', organization_id: 7 } });
    const id = String(msg.headers.id);
    const seen = await run(msg);
    expect(seen.threadId).toBeGreaterThan(0);
    expect(seen.scope).toEqual({
      id, task: 'ctx.bound', rootId: 'root-1', parentId: 'parent-1',
      headers: { request_id: 'r-1', organization_id: 7 }, fields: { request_id: 'r-1', organization_id: 7 },
    });
    expect(seen.logFields).toMatchObject({ taskId: id, taskName: 'ctx.bound', request_id: 'r-1', organization_id: 7 });
    expect(seen.sentHeaders).toMatchObject({ task: 'ctx.child', parent_id: id, root_id: 'root-1', request_id: 'r-1', organization_id: 7 });
  });

  it('an unbound task sees its scope across an await; fields come from the kwargs when the headers lack them', async () => {
    const msg = wireTask('ctx.plain', [], { kwargs: { organization_id: 'org-9' }, headers: { request_id: 'r-2' } });
    const seen = await run(msg);
    expect(seen.threadId).toBeGreaterThan(0);
    expect(seen.scope).toMatchObject({ id: String(msg.headers.id), task: 'ctx.plain', parentId: null, fields: { request_id: 'r-2', organization_id: 'org-9' } });
  });
});
