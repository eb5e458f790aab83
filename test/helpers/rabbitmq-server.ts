import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/transport/amqp/amqp-long-int-tag'; // before amqplib loads, as the transport does
import { connect } from 'amqplib';
import { freePort } from './free-port';

/** A private rabbitmq-server started for one test file; never a broker the tests did not start. */
export interface RabbitMqServer {
  /** AMQP port on 127.0.0.1. */
  port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>/<vhost>` (or another scheme such as `pyamqp`). */
  url(scheme?: string): string;
  /** Node name (`celeriac-<pid>-<n>@localhost`), unique per server. */
  nodename: string;
  /** Runs `rabbitmqctl <args>` against this node; resolves to its stdout, rejects on a non-zero exit. */
  ctl(...args: string[]): Promise<string>;
  /** Closes every client connection (`rabbitmqctl close_all_connections`), as a network failure would. */
  closeAllConnections(): Promise<void>;
  /** Stops the broker and the epmd it started, then removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

const SERVER_BIN = process.env.RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL_BIN = join(SERVER_BIN, '..', 'rabbitmqctl');
let started = 0;

/**
 * Starts Debian's rabbitmq-server (the script that runs as the current user, not the `su` wrapper)
 * on free ports: AMQP, Erlang distribution and a private epmd, its own node name, mnesia and log
 * dirs under a temp dir, no plugins (so no management listener). Resolves once the broker logs its
 * startup and accepts an AMQP connection.
 */
export async function startRabbitMqServer(): Promise<RabbitMqServer> {
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-rabbitmq-'));
  const nodename = `celeriac-${process.pid}-${++started}@localhost`;
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq.conf'), 'loopback_users = none\nlog.console = true\nlog.console.level = info\nlog.file = false\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: nodename, RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1', RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort), ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'), RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'), RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'), RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'), RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  const child = spawn(SERVER_BIN, [], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const killEpmd = (): void => { spawnSync('epmd', ['-kill'], { env, stdio: 'ignore', timeout: 5000 }); };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => { clearTimeout(force); resolve(); });
      child.kill('SIGTERM');
    }).then(() => {
      killEpmd();
      rmSync(dir, { recursive: true, force: true });
    });
    return stopped;
  };
  const url = (scheme = 'amqp'): string => `${scheme}://guest:guest@127.0.0.1:${port}//`;
  try {
    await waitStarted(child);
    const probe = await connect(url());
    await probe.close();
  } catch (err) {
    await stop();
    throw err;
  }
  const ctl = (...args: string[]): Promise<string> => runCtl(env, ['-n', nodename, ...args]);
  const closeAllConnections = async (): Promise<void> => { await ctl('close_all_connections', 'test: connection severed'); };
  return { port, nodename, url, ctl, closeAllConnections, stop };
}

function runCtl(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CTL_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: env.HOME });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`rabbitmqctl ${args.join(' ')} exited ${code}: ${err || out}`))));
  });
}

function waitStarted(child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rabbitmq-server not started after ${timeoutMs} ms:\n${out.slice(-4000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes('Server startup complete')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot start rabbitmq-server: ${err.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`rabbitmq-server exited (${code}) before startup:\n${out.slice(-4000)}`)); });
  });
}
