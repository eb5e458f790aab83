import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Kills the broker (SIGKILL: no clean shutdown) and starts it again on the same ports and data; resolves once it accepts AMQP. */
  killAndRestart(): Promise<void>;
  /** Stops the broker and its epmd, then removes its data dir. Idempotent. */
  stop(): Promise<void>;
  /** The TLS listener's port on 127.0.0.1, when started with `tls`. */
  tlsPort?: number;
}

/** A TLS listener beside the plain one: the broker's certificate, and the CA client certificates must chain to. */
export interface RabbitMqTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Refuse clients without a certificate (verify_peer + fail_if_no_peer_cert). */
  requireClientCert: boolean;
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
export async function startRabbitMqServer(opts: { tls?: RabbitMqTls } = {}): Promise<RabbitMqServer> {
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const { tls } = opts;
  const tlsPort = tls ? await freePort() : undefined;
  const tlsConf = tls ? [`listeners.ssl.default = 127.0.0.1:${String(tlsPort)}`, `ssl_options.cacertfile = ${tls.caFile}`,
    `ssl_options.certfile = ${tls.certFile}`, `ssl_options.keyfile = ${tls.keyFile}`,
    `ssl_options.verify = ${tls.requireClientCert ? 'verify_peer' : 'verify_none'}`, `ssl_options.fail_if_no_peer_cert = ${String(tls.requireClientCert)}`, ''].join('\n') : '';
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-rabbitmq-'));
  const nodename = `celeriac-${process.pid}-${++started}@localhost`;
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq.conf'), `loopback_users = none\nlog.console = true\nlog.console.level = info\nlog.file = false\n${tlsConf}`);
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
  // Our own epmd, in the foreground as our child (not the daemon erl would start and leave behind).
  const epmd = spawn('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { env, stdio: 'ignore' });
  await waitEpmdListening(env, epmd);
  const spawnServer = (): ChildProcess => spawn(SERVER_BIN, [], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let child = spawnServer();
  let stopped: Promise<void> | undefined;
  // The script we spawn runs the Erlang VM as its own child; the VM's OS pid is in the pid file.
  const killVm = (): void => {
    const pid = Number(readFileSafe(join(dir, 'rabbitmq.pid')).trim());
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  };
  const stop = (): Promise<void> => {
    stopped ??= killed(child, 'SIGTERM').then(killVm).then(() => killed(epmd, 'SIGKILL')).then(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    return stopped;
  };
  const url = (scheme = 'amqp'): string => `${scheme}://guest:guest@127.0.0.1:${port}//`;
  const waitAccepting = async (): Promise<void> => {
    await waitStarted(child);
    const probe = await connect(url());
    await probe.close();
  };
  try {
    await waitAccepting();
  } catch (err) {
    await stop();
    throw err;
  }
  const killAndRestart = async (): Promise<void> => {
    const script = child;
    const exited = new Promise<void>((resolve) => {
      if (script.exitCode !== null || script.signalCode !== null) resolve();
      else script.once('exit', () => resolve());
    });
    killVm();
    await exited; // the script ends with its VM
    await waitUnregistered(env, nodename);
    child = spawnServer();
    await waitAccepting();
  };
  const ctl = (...args: string[]): Promise<string> => runCtl(env, ['-n', nodename, ...args]);
  const closeAllConnections = async (): Promise<void> => { await ctl('close_all_connections', 'test: connection severed'); };
  return { port, nodename, url, ctl, closeAllConnections, killAndRestart, stop, ...(tlsPort !== undefined ? { tlsPort } : {}) };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Sends `signal` (SIGKILL after 15 s) and resolves once the process has exited. */
function killed(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const force = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.once('exit', () => { clearTimeout(force); resolve(); });
    proc.kill(signal);
  });
}

/** Resolves once our epmd answers (else erl would start a daemon epmd of its own on that port). */
async function waitEpmdListening(env: NodeJS.ProcessEnv, epmd: ChildProcess, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (epmd.exitCode !== null) throw new Error(`epmd exited (${epmd.exitCode}) on port ${env.ERL_EPMD_PORT}`);
    if (spawnSync('epmd', ['-names'], { env, stdio: 'ignore', timeout: 5000 }).status === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  epmd.kill('SIGKILL');
  throw new Error(`epmd not listening on port ${env.ERL_EPMD_PORT} after ${timeoutMs} ms`);
}

/** A killed node stays in epmd until epmd sees its socket close; a new one of that name cannot start before. */
async function waitUnregistered(env: NodeJS.ProcessEnv, nodename: string, timeoutMs = 15_000): Promise<void> {
  const name = nodename.split('@')[0] as string;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const names = spawnSync('epmd', ['-names'], { env, encoding: 'utf8', timeout: 5000 }).stdout ?? '';
    if (!names.includes(`name ${name} `)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${nodename} still registered in epmd after ${timeoutMs} ms`);
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
