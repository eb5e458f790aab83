import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';

/** A private PostgreSQL cluster started for one test file; never a server the tests did not start. */
export interface PostgresServer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust auth, loopback only). */
  url(database?: string): string;
  /** Creates an empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, waits for the process to exit, removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

const BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const READY_LINE = 'database system is ready to accept connections';

/** The account postgres runs as: itself when not root; the `postgres` system user when root (postgres refuses root). */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function bin(name: string): string {
  return join(BIN_DIR, name);
}

/**
 * Runs initdb in a fresh temp dir and starts `postgres` on a free loopback port, with its unix socket
 * in the same temp dir; resolves when the server logs it is ready and answers a query.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const account = serverAccount();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (account) for (const p of [dir, socketDir]) chownSync(p, account.uid, account.gid);
  const spawnOpts = { ...(account ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  try {
    execFileSync(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { ...spawnOpts, stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${e.stderr?.toString() ?? e.message}`);
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(bin('postgres'), ['-D', data, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'],
    { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitReady(child, port);
    } catch (err) {
      await kill(child);
      if (attempt < 3 && /could not bind|already in use/i.test((err as Error).message)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return buildServer(child, port, dir);
  }
}

function buildServer(child: ChildProcess, port: number, dir: string): PostgresServer {
  const url = (database = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped: Promise<void> | undefined;
  return {
    port,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop() {
      // SIGINT is PostgreSQL's fast shutdown: it disconnects clients and exits cleanly.
      stopped ??= kill(child, 'SIGINT').then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Resolves on the server's ready line followed by a successful query; rejects if it exits first. */
function waitReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const fail = (err: Error): void => { if (!settled) { settled = true; reject(err); } };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (!out.includes(READY_LINE)) return;
      child.stderr?.off('data', onData);
      child.stderr?.resume();
      const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      client.connect().then(() => client.query('SELECT 1')).then(() => client.end()).then(() => {
        if (!settled) { settled = true; resolve(); }
      }, (err: Error) => { void client.end().catch(() => undefined); fail(new Error(`postgres logged ready but refused a query: ${err.message}`)); });
    };
    child.stdout?.resume();
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(new Error(`cannot start postgres: ${err.message}`)));
    child.once('exit', (code, signal) => fail(new Error(`postgres exited (${code ?? signal}) before ready:\n${out}`)));
  });
}
