import { runInspectCommand, runStatusCommand, EXIT_NO_REPLIES, type InspectCommandIo } from '../../../src/cli/inspect-command';
import { CeleriacError } from '../../../src/errors/celeriac-error';
import type { Settings } from '../../../src/config/settings-schema';
import type { Transport } from '../../../src/transport/transport';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { ControlServer } from '../../../src/worker/control/control-server';
import { RevokedSet } from '../../../src/worker/control/revoked-set';
import { RevokedStamps } from '../../../src/worker/control/revoked-stamps';
import { LamportClock } from '../../../src/worker/events/lamport-clock';
import { FakeWorker, makeRequest, testReprs } from '../worker/control/fake-worker';

const ENV = { CELERY_BROKER_URL: 'redis://broker.example:6390/4' };

/** One command run over a shared in-memory broker: what it printed, the settings it built, whether it closed. */
interface Run {
  code: number;
  out: string;
  err: string;
  settings: Settings | null;
  closed: boolean;
}

async function run(command: typeof runInspectCommand, argv: string[], broker: MemoryTransport, env = ENV): Promise<Run> {
  const result: Run = { code: -1, out: '', err: '', settings: null, closed: false };
  const io: InspectCommandIo = {
    // The command closes its transport; the shared broker must outlive it, so close is only recorded.
    createTransport: (settings) => {
      result.settings = settings;
      return new Proxy(broker, {
        get: (target, prop) => (prop === 'close' ? async () => { result.closed = true; } : Reflect.get(target, prop, target)),
      }) as Transport;
    },
    stdout: (t) => { result.out += t; },
    stderr: (t) => { result.err += t; },
  };
  result.code = await command(argv, env, io);
  return result;
}

function startNode(broker: MemoryTransport, hostname: string): { server: ControlServer; worker: FakeWorker } {
  const worker = new FakeWorker();
  worker.hostname = hostname;
  const server = new ControlServer({
    transport: broker,
    context: { inspector: worker, controller: worker, revoked: new RevokedSet(), revokedStamps: new RevokedStamps(), clock: new LamportClock(), reprs: testReprs,
      events: null, limits: null, now: () => Date.now(), pid: 4242 },
  });
  return { server, worker };
}

describe('celeriac status / inspect', () => {
  let broker: MemoryTransport;
  let nodes: Array<{ server: ControlServer; worker: FakeWorker }>;

  beforeEach(async () => {
    broker = new MemoryTransport();
    nodes = [startNode(broker, 'a@host'), startNode(broker, 'b@host')];
    for (const n of nodes) await n.server.start();
  });

  afterEach(async () => {
    for (const n of nodes) await n.server.close();
    await broker.close();
  });

  it('status lists every node that answers a ping, without bodies, and closes its transport', async () => {
    const r = await run(runStatusCommand, ['-t', '0.2'], broker);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('->')).sort()).toEqual(['->  a@host: OK', '->  b@host: OK']);
    expect(r.out).toMatch(/\n\n2 nodes online\.\n$/);
    expect(r.out).not.toContain('pong');
    expect(r.closed).toBe(true);
    expect(r.settings?.broker_url).toBe('redis://broker.example:6390/4');
  });

  it('-b overrides CELERY_BROKER_URL; -d limits the answer to the named node; --json prints {node: reply}', async () => {
    const r = await run(runInspectCommand, ['ping', '-d', 'b@host', '--json', '-b', 'redis://other.example:1/0'], broker);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ 'b@host': { ok: 'pong' } });
    expect(r.settings?.broker_url).toBe('redis://other.example:1/0');
  });

  it('inspect shows each reply body as the celery CLI does', async () => {
    const r = await run(runInspectCommand, ['active_queues', '-d', 'a@host'], broker);
    expect(r.code).toBe(0);
    expect(r.out).toContain('->  a@host: OK\n');
    expect(r.out).toContain("    * {'name': 'celery', 'exchange': {'name': 'celery'");
    expect(r.out).toMatch(/1 node online\.\n$/);
  });

  it('query_task sends the positional ids as `ids`', async () => {
    nodes[0]!.worker.active = [makeRequest('t-1')];
    const r = await run(runInspectCommand, ['query_task', 't-1', 't-2', '-d', 'a@host', '-j'], broker);
    const body = JSON.parse(r.out) as Record<string, Record<string, [string, { id: string }]>>;
    expect(Object.keys(body['a@host']!)).toEqual(['t-1']);
    expect(body['a@host']!['t-1']![0]).toBe('active');
  });

  it('no replies: the celery message on stderr, exit 69, transport closed', async () => {
    const r = await run(runInspectCommand, ['ping', '-d', 'nobody@host', '-t', '0.05'], broker);
    expect(r.code).toBe(EXIT_NO_REPLIES);
    expect(r.err).toBe('Error: No nodes replied within time constraint\n');
    expect(r.out).toBe('');
    expect(r.closed).toBe(true);
  });

  it('refuses unknown methods, missing methods, stray status arguments and bad timeouts as usage errors', async () => {
    const usage = { code: 'CELERIAC_CLI_USAGE' };
    await expect(run(runInspectCommand, ['frobnicate'], broker)).rejects.toMatchObject(usage);
    await expect(run(runInspectCommand, [], broker)).rejects.toMatchObject(usage);
    await expect(run(runStatusCommand, ['extra'], broker)).rejects.toMatchObject(usage);
    await expect(run(runStatusCommand, ['-t', '0'], broker)).rejects.toBeInstanceOf(CeleriacError);
    await expect(run(runInspectCommand, ['conf', 'maybe'], broker)).rejects.toMatchObject(usage);
  });
});
