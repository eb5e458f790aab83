// celeriac control: positional words become arguments as Celery's _compile_arguments makes them, the
// command reaches every node (or -d ones) over the pidbox, replies print as `celery control` prints
// them (no "N nodes online" line; --json a list), and no reply exits 69.
import { buildControlArguments, runControlCommand } from '../../../src/cli/control-command';
import { EXIT_NO_REPLIES, type InspectCommandIo } from '../../../src/cli/inspect-command';
import type { Transport } from '../../../src/transport/transport';
import { MemoryTransport } from '../../../src/transport/memory/memory-transport';
import { ControlServer } from '../../../src/worker/control/control-server';
import { RevokedSet } from '../../../src/worker/control/revoked-set';
import { RevokedStamps } from '../../../src/worker/control/revoked-stamps';
import { LamportClock } from '../../../src/worker/events/lamport-clock';
import { FakeWorker, testReprs } from '../worker/control/fake-worker';

const ENV = { CELERY_BROKER_URL: 'redis://broker.example:6390/4' };

async function run(argv: string[], broker: MemoryTransport): Promise<{ code: number; out: string; err: string; closed: boolean }> {
  const result = { code: -1, out: '', err: '', closed: false };
  const io: InspectCommandIo = {
    createTransport: () => new Proxy(broker, {
      get: (target, prop) => (prop === 'close' ? async () => { result.closed = true; } : Reflect.get(target, prop, target)),
    }) as Transport,
    stdout: (t) => { result.out += t; },
    stderr: (t) => { result.err += t; },
  };
  result.code = await runControlCommand(argv, ENV, io);
  return result;
}

describe('buildControlArguments', () => {
  it('maps words to the declared arguments with their types, the rest to the variadic list', () => {
    expect(buildControlArguments('revoke', ['a', 'b'])).toEqual({ task_id: ['a', 'b'] });
    expect(buildControlArguments('terminate', ['SIGKILL', 'a'])).toEqual({ signal: 'SIGKILL', task_id: ['a'] });
    expect(buildControlArguments('rate_limit', ['tapp.add', '5/m'])).toEqual({ task_name: 'tapp.add', rate_limit: '5/m' });
    expect(buildControlArguments('time_limit', ['tapp.add', '1.5', '3'])).toEqual({ task_name: 'tapp.add', soft: 1.5, hard: 3 });
    expect(buildControlArguments('pool_grow', [])).toEqual({});
    expect(buildControlArguments('add_consumer', ['q1', 'ex', 'topic', 'rk'])).toEqual({ queue: 'q1', exchange: 'ex', exchange_type: 'topic', routing_key: 'rk' });
    expect(buildControlArguments('revoke_by_stamped_headers', ['k=v'])).toEqual({ headers: ['k=v'] });
  });

  it('refuses unknown commands, extra words and bad numbers with CELERIAC_CLI_USAGE', () => {
    expect(() => buildControlArguments('ping', [])).toThrow(/unknown control command "ping"/);
    expect(() => buildControlArguments('cancel_consumer', ['a', 'b'])).toThrow(/takes arguments: <queue>/);
    expect(() => buildControlArguments('shutdown', ['now'])).toThrow(/takes arguments: \(none\)/);
    expect(() => buildControlArguments('pool_grow', ['1.5'])).toThrow(expect.objectContaining({ code: 'CELERIAC_CLI_USAGE', message: 'n must be an integer, got "1.5"' }));
    expect(() => buildControlArguments('time_limit', ['t', 'soon'])).toThrow(/soft must be a number/);
  });
});

describe('celeriac control', () => {
  let broker: MemoryTransport;
  let servers: ControlServer[];
  let workers: FakeWorker[];

  beforeEach(async () => {
    broker = new MemoryTransport();
    workers = ['a@host', 'b@host'].map((h) => { const w = new FakeWorker(); w.hostname = h; return w; });
    servers = workers.map((w) => new ControlServer({ transport: broker, context: { inspector: w, controller: w, revoked: new RevokedSet(),
      revokedStamps: new RevokedStamps(), clock: new LamportClock(), reprs: testReprs, events: null, limits: null, now: () => Date.now(), pid: 4242 } }));
    for (const s of servers) await s.start();
  });
  afterEach(async () => {
    for (const s of servers) await s.close();
  });

  it('add_consumer reaches only -d nodes; the reply prints as celery control prints it', async () => {
    const r = await run(['add_consumer', 'extra', '-d', 'b@host', '-t', '2'], broker);
    expect(r).toEqual({ code: 0, out: '->  b@host: OK\n        add consumer extra\n', err: '', closed: true });
    expect(workers[1]?.calls).toContainEqual(['addQueue', 'extra']);
    expect(workers[0]?.calls).not.toContainEqual(['addQueue', 'extra']);
  });

  it('--json prints the list of replies of every node', async () => {
    const r = await run(['pool_grow', '2', '--json', '-t', '0.5'], broker);
    expect(r.code).toBe(0);
    const replies = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(replies.map((x) => Object.keys(x)[0]).sort()).toEqual(['a@host', 'b@host']);
    expect(workers.every((w) => w.calls.some((c) => c[0] === 'resizePool' && c[1] === 2))).toBe(true);
  });

  it('exits 69 when no node replies', async () => {
    expect(await run(['enable_events', '-d', 'nobody@host', '-t', '0.2'], broker))
      .toEqual({ code: EXIT_NO_REPLIES, out: '', err: 'Error: No nodes replied within time constraint\n', closed: true });
  });
});
