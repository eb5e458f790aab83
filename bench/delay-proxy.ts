// A TCP proxy on loopback that holds every chunk for `delayMs` in each direction, in order: a slower
// network in front of Redis without root (no tc/netem). Run as its own process so its CPU is not the
// bench's: `node delay-proxy.js <targetPort> <delayMs>` prints `delay-proxy listening <port>`.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManagedProcess } from '../interop-tests/helpers/managed-process';

/**
 * Copies `from` to `to`, each chunk written no earlier than `delayMs` after it arrived. One FIFO and
 * one timer per direction keep the order; chunks due together are written together (bandwidth is not
 * limited, only latency added). Node timers have 1 ms granularity, so the added delay is 1-2 ms for 1.
 */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    let i = 0;
    let ok = true;
    for (; i < queue.length && (queue[i] as { due: number }).due <= now; i++) {
      const { chunk } = queue[i] as { chunk: Buffer | null };
      if (chunk === null) to.end();
      else ok = to.write(chunk) && ok;
    }
    queue.splice(0, i);
    if (!ok && !from.isPaused()) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    schedule();
  };
  const schedule = (): void => {
    if (timer !== undefined || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(1, (queue[0] as { due: number }).due - performance.now()));
  };
  from.on('data', (chunk: Buffer) => { queue.push({ due: performance.now() + delayMs, chunk }); schedule(); });
  from.on('end', () => { queue.push({ due: performance.now() + delayMs, chunk: null }); schedule(); });
}

/** Listens on a free loopback port and forwards to 127.0.0.1:targetPort with the delay both ways. */
export function listenDelayProxy(targetPort: number, delayMs: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const close = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    pipeDelayed(client, upstream, delayMs);
    pipeDelayed(upstream, client, delayMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** The proxy as a child process of the bench (tracked, so killAllChildren ends it too). */
export interface DelayProxy {
  port: number;
  pid: number;
  url(db: number): string;
  stop(): Promise<unknown>;
}

export async function startDelayProxy(targetPort: number, delayMs: number): Promise<DelayProxy> {
  const proc = new ManagedProcess({
    command: process.execPath, args: [join(__dirname, 'delay-proxy.js'), String(targetPort), String(delayMs)],
    env: process.env, label: 'delay proxy',
  });
  try {
    const line = await proc.waitForLine((l) => l.startsWith('delay-proxy listening '), 10_000, 'listening line');
    const port = Number(line.split(' ')[2]);
    return { port, pid: proc.pid, url: (db) => `redis://127.0.0.1:${port}/${db}`, stop: () => proc.stop('SIGTERM', 2000) };
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

if (require.main === module) {
  const [target, delay] = process.argv.slice(2).map(Number);
  listenDelayProxy(target as number, delay ?? 1).then((server) => {
    const address = server.address();
    process.stdout.write(`delay-proxy listening ${typeof address === 'object' && address ? address.port : '?'}\n`);
    process.once('SIGTERM', () => process.exit(0));
  }, (err: unknown) => {
    process.stderr.write(`delay-proxy: ${String(err)}\n`);
    process.exit(1);
  });
}
