import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';

/** One redis-server or redis-sentinel process the test harness started on a port of its choosing. */
export interface RedisProcess {
  port: number;
  /** True while the process runs. */
  readonly running: boolean;
  /** SIGKILL and wait for exit (idempotent). */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (or `redis-sentinel <conf>` when `sentinelConf` is given) on `port` (a free
 * loopback port when omitted) with no persistence, in `dir`, and resolves once it logs readiness.
 * Starting on a given port lets a test bring a broker up where a worker already waits for it.
 */
export async function startRedisProcess(opts: { port?: number; dir?: string; args?: string[]; sentinelConf?: string } = {}): Promise<RedisProcess> {
  const port = opts.port ?? (await freePort());
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'celeriac-redis-'));
  let child: ChildProcess;
  if (opts.sentinelConf !== undefined) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${opts.sentinelConf}\n`);
    child = spawn(process.env.REDIS_SENTINEL ?? 'redis-sentinel', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    child = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--loglevel', 'notice', ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const stop = (): Promise<void> => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  }).then(() => { if (ownDir) rmSync(dir, { recursive: true, force: true }); });
  try {
    await waitForOutput(child, opts.sentinelConf !== undefined ? /Sentinel ID is|\+monitor master/ : /Ready to accept connections/);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, get running() { return child.exitCode === null && child.signalCode === null; }, stop };
}

/** A private Sentinel deployment: one master, one replica, three sentinels, all on loopback. */
export interface SentinelCluster {
  masterName: string;
  sentinelPorts: number[];
  /** Data nodes, by port. */
  nodes: Map<number, RedisProcess>;
  /** `sentinel://127.0.0.1:p1/db;sentinel://127.0.0.1:p2/db;...` as kombu and Celery take it. */
  url(db: number): string;
  /** Port of the node the sentinels name as master now. */
  masterPort(): Promise<number>;
  /**
   * `SENTINEL FAILOVER`; resolves with the new master's port once the sentinels name it and it runs as
   * master. The old master is demoted later (sentinel converts it about 8 s after the switch).
   */
  failover(): Promise<number>;
  /** Resolves once the node on `port` runs as a replica. */
  waitReplicaRole(port: number): Promise<void>;
  /** Resolves once every replica acknowledged the master's whole replication stream so far. */
  waitReplicated(): Promise<void>;
  /** Ends every process (sentinels too) and removes the temp dir. Safe to call after a failure. */
  stop(): Promise<void>;
}

/**
 * Starts master + replica (replication finished) and three sentinels that all see the replica,
 * in one temp dir. Everything started is stopped if a later step fails.
 */
export async function startSentinelCluster(masterName = 'celeriacmaster'): Promise<SentinelCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sentinel-'));
  const started: RedisProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await startRedisProcess({ dir, args: ['--dbfilename', 'master.rdb'] });
    started.push(master);
    const replica = await startRedisProcess({ dir, args: ['--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)] });
    started.push(replica);
    await waitFor(async () => (await info(replica.port, 'replication')).includes('master_link_status:up'), 'the replica to sync');
    const conf = [`sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`, `sentinel down-after-milliseconds ${masterName} 2000`,
      `sentinel failover-timeout ${masterName} 10000`, `sentinel parallel-syncs ${masterName} 1`].join('\n');
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await startRedisProcess({ dir, sentinelConf: conf });
      sentinels.push(s);
      started.push(s);
    }
    const sentinelPorts = sentinels.map((s) => s.port);
    await waitFor(async () => {
      for (const port of sentinelPorts) if (!(await sentinelSeesReplica(port, masterName))) return false;
      return true;
    }, 'every sentinel to see the replica');
    const nodes = new Map([[master.port, master], [replica.port, replica]]);
    const masterPort = async (): Promise<number> => withClient(sentinelPorts[0] as number, async (c) =>
      Number(((await c.call('SENTINEL', 'get-master-addr-by-name', masterName)) as string[])[1]));
    return {
      masterName, sentinelPorts, nodes, masterPort,
      url: (db) => sentinelPorts.map((p) => `sentinel://127.0.0.1:${p}/${db}`).join(';'),
      failover: async () => {
        const before = await masterPort();
        await withClient(sentinelPorts[0] as number, (c) => c.call('SENTINEL', 'FAILOVER', masterName));
        const after = await waitFor(async () => {
          const now = await masterPort();
          if (now === before) return false;
          const role = await info(now, 'replication');
          return role.includes('role:master') ? now : false;
        }, 'the sentinels to promote the replica');
        return after;
      },
      waitReplicaRole: async (port) => {
        await waitFor(async () => (await info(port, 'replication')).includes('role:slave'), `the node on ${port} to become a replica`);
      },
      waitReplicated: async () => {
        const port = await masterPort();
        await waitFor(async () => {
          const text = await info(port, 'replication');
          const masterOffset = Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? NaN);
          const offsets = [...text.matchAll(/slave\d+:.*offset=(\d+)/g)].map((m) => Number(m[1]));
          return offsets.length > 0 && offsets.every((o) => o >= masterOffset);
        }, 'the replica to acknowledge every write');
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function sentinelSeesReplica(port: number, masterName: string): Promise<boolean> {
  return withClient(port, async (c) => {
    const replicas = (await c.call('SENTINEL', 'REPLICAS', masterName)) as string[][];
    return replicas.some((fields) => {
      const flags = fields[fields.indexOf('flags') + 1] ?? '';
      return !/s_down|disconnected/.test(flags);
    });
  });
}

async function info(port: number, section: string): Promise<string> {
  return withClient(port, (c) => c.info(section));
}

async function withClient<T>(port: number, use: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await use(c);
  } finally {
    c.disconnect();
  }
}

/** Polls (50 ms → 250 ms) until `check` returns something truthy; rejects after 30 s naming `what`. */
async function waitFor<T>(check: () => Promise<T | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let interval = 50; ; interval = Math.min(interval * 2, 250)) {
    const value = await check().catch(() => false as const);
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

function waitForOutput(child: ChildProcess, ready: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (ready.test(out)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('error', (err) => reject(new Error(`cannot start ${String(child.spawnfile)}: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`${String(child.spawnfile)} exited (${code}) before ready:\n${out}`)));
  });
}
