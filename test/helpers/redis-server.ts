import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** A private redis-server started for a test run; never a server the tests did not start. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>/<db>` */
  url(db?: number): string;
  stop(): Promise<void>;
}

/** TLS for a test server: it then listens on TLS only, and `url()` gives `rediss://` URLs. */
export interface RedisServerTls {
  certFile: string;
  keyFile: string;
  /** CA that client certificates must chain to. */
  caFile: string;
  /** `yes`: a client certificate is required; `no`: none is asked for. */
  authClients: 'yes' | 'no' | 'optional';
}

/**
 * Starts `redis-server` (or $REDIS_SERVER) on a free loopback port with no persistence, and resolves
 * once it logs that it accepts connections.
 */
export async function startRedisServer(opts: { tls?: RedisServerTls } = {}): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-'));
    const { tls } = opts;
    const listen = tls ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile,
      '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients] : ['--port', String(port)];
    const child = spawn(bin, [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitReady(child);
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (attempt < 3) continue; // port taken between freePort() and bind
      throw err;
    }
    let stopped: Promise<void> | undefined;
    return {
      port,
      url: (db = 0) => `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}/${db}`,
      stop: () => {
        stopped ??= new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }).then(() => rmSync(dir, { recursive: true, force: true }));
        return stopped;
      },
    };
  }
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('error', (err) => reject(new Error(`cannot start redis-server: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before ready:\n${out}`)));
  });
}
