import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CeleriacError } from '../../src/errors/celeriac-error';
import { freePort } from '../../test/helpers/free-port';
import { trackChild, waitForExit } from './child-registry';

/**
 * A private redis-server that a test can kill (`kill -9`) and start again on the same port with its
 * data (AOF with fsync always, so every acknowledged write survives the kill), to take a server away
 * from a running worker and give it back.
 */
export class RestartableRedis {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-restartable-'));

  private constructor(readonly port: number, private readonly extraArgs: readonly string[]) {}

  /** Starts one on a free loopback port; `extraArgs` are redis-server options (`--proto-max-bulk-len`, '1mb'). */
  static async start(extraArgs: readonly string[] = []): Promise<RestartableRedis> {
    for (let attempt = 0; ; attempt++) {
      const server = new RestartableRedis(await freePort(), extraArgs);
      try {
        await server.restart();
        return server;
      } catch (err) {
        await server.destroy();
        if (attempt >= 3) throw err; // the port was taken between freePort() and bind
      }
    }
  }

  /** `redis://127.0.0.1:<port>/<db>` */
  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.child !== null;
  }

  /** `kill -9` the server and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGKILL');
    await waitForExit(child);
  }

  /** Starts the server (again) on the same port and directory; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child) return;
    const bin = process.env.REDIS_SERVER ?? 'redis-server';
    const child = trackChild(spawn(bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--dir', this.dir, '--loglevel', 'notice', ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null): void => reject(new CeleriacError('CELERIAC_TEST_REDIS_START', `redis-server exited (${code}) before ready:\n${out}`));
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
      child.once('exit', onExit);
    });
    this.child = child;
  }

  /** Kills the server and removes its data directory. Idempotent. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
