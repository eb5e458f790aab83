// Request context end to end: a real Python producer sends tasks with custom headers and kwargs; the
// celeriac worker (worker_log_context_fields = request_id, organization_id, order_id) logs them on
// the task's lines, user lines included, on the event loop and on a pool thread, and copies them to
// the headers of the follow-ups it sends (delay() inside the task, and the link callback).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startCeleriacWorker, type CeleriacWorker } from './helpers/celeriac-worker';
import { celeryEnv, REPO_ROOT, runPythonJson } from './helpers/python';

const CONTEXT_APP = join(REPO_ROOT, 'interop-tests', 'apps', 'context-app.js');

// The Python side: Celery's own apply_async with headers=, kwargs= and link=; prints what .get() returned.
const SCRIPT = String.raw`
import json, os
from celery import Celery, signature

app = Celery('ctx', broker=os.environ['CELERY_BROKER_URL'], backend=os.environ['CELERY_RESULT_BACKEND'])

@app.task(name='ctx.handle')
def handle(order_id):
    raise RuntimeError('runs on the celeriac worker')

@app.task(name='ctx.handle_threads')
def handle_threads(order_id):
    raise RuntimeError('runs on the celeriac worker')

out = {}
for key, task, headers, order in [('event', handle, {'request_id': 'r-1', 'organization_id': 7}, 'o-1'),
                                  ('threads', handle_threads, {'request_id': 'r-2', 'organization_id': 8}, 'o-2')]:
    link = signature('ctx.audit', args=['link:' + order], immutable=True, queue='audit', app=app)
    r = task.apply_async(kwargs={'order_id': order}, headers=headers, link=link)
    out[key] = {'id': r.id, 'result': r.get(timeout=90)}
print(json.dumps(out))
`;

interface Ran { id: string; result: { thread: number; scope: { id: string; rootId: string; fields: Record<string, unknown> } | null } }
interface Report { event: Ran; threads: Ran }
interface Envelope { headers: Record<string, unknown> & { task: string; id: string; parent_id: string | null; root_id: string }; body: string }

let redis: RedisServer;
let worker: CeleriacWorker;
let scratch: string;
let report: Report;
let audits: Envelope[];

beforeAll(async () => {
  redis = await startRedisServer();
  scratch = mkdtempSync(join(tmpdir(), 'celeriac-context-'));
  const script = join(scratch, 'context_calls.py');
  writeFileSync(script, SCRIPT);
  worker = await startCeleriacWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), app: CONTEXT_APP, queues: ['celery'], concurrency: 2 });
  report = await runPythonJson<Report>(script, { env: celeryEnv(redis.url(1), redis.url(2)), timeoutMs: 150_000 });
  // The results are stored after the follow-ups were published (as Celery's trace): all four are in the list now.
  const probe = new Redis(redis.url(1));
  try {
    audits = (await probe.lrange('audit', 0, -1)).map((raw) => JSON.parse(raw) as Envelope);
  } finally {
    probe.disconnect();
  }
});

afterAll(async () => {
  await worker?.stop();
  await killAllChildren();
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const CASES = [
  { key: 'event', fields: { request_id: 'r-1', organization_id: 7, order_id: 'o-1' } },
  { key: 'threads', fields: { request_id: 'r-2', organization_id: 8, order_id: 'o-2' } },
] as const;

describe('request context from a Python producer to a celeriac worker and on to its follow-ups', () => {
  it.each(CASES)('$key: the task ran in a scope holding the headers and the kwarg', ({ key, fields }) => {
    const ran = report[key];
    expect(ran.result.scope).toEqual({ id: ran.id, rootId: ran.id, fields });
    if (key === 'threads') expect(ran.result.thread).toBeGreaterThan(0);
    else expect(ran.result.thread).toBe(0);
  });

  it.each(CASES)('$key: the user\'s log line and the worker\'s own task lines carry the fields', ({ key, fields }) => {
    const { id } = report[key];
    const lines = worker.records().filter((r) => r.taskId === id);
    const user = lines.filter((r) => r.msg === 'handling order');
    expect(user).toHaveLength(1);
    expect(user[0]).toMatchObject({ ...fields, orderId: fields.order_id, taskName: `ctx.${key === 'event' ? 'handle' : 'handle_threads'}` });
    if (key === 'threads') expect(user[0]?.thread).toEqual(expect.any(Number));
    const succeeded = lines.filter((r) => r.msg === 'task succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject(fields);
  });

  it.each(CASES)('$key: the delay() follow-up and the link callback carry the fields, with the task as their parent and root', ({ key, fields }) => {
    const { id } = report[key];
    expect(audits).toHaveLength(4);
    const children = audits.filter((a) => a.headers.parent_id === id);
    const args = children.map((a) => (JSON.parse(Buffer.from(a.body, 'base64').toString()) as [unknown[]])[0][0]).sort();
    expect(args).toEqual([`delay:${fields.order_id}`, `link:${fields.order_id}`]);
    for (const child of children) {
      expect(child.headers).toMatchObject({ task: 'ctx.audit', root_id: id, ...fields });
    }
  });
});
