import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port';

const ROOT = join(__dirname, '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/celeriac.js'), ...args], { env: { ...process.env, ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('celeriac CLI errors', () => {
  it('says in one line that the broker is unreachable, with how to start Redis, and exits 1', async () => {
    const port = await freePort();
    const r = await runCli(['worker', '-A', 'examples/app.js'], {
      CELERY_BROKER_URL: `redis://:s3cret@127.0.0.1:${port}/1`, CELERY_RESULT_BACKEND: `redis://127.0.0.1:${port}/2`,
      // Startup retries are on by default, as Celery's (interop-tests/worker-startup.test.ts): off here for the one-shot failure.
      CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP: 'false',
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^celeriac: cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/1.*Start Redis with/);
    expect(r.stderr + r.stdout).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every bad setting at once and exits 2', async () => {
    const r = await runCli(['worker', '-A', 'examples/app.js', '-c', 'zero', '--prefetch-multiplier=-3'], {
      CELERY_BROKER_TRANSPORT_OPTIONS: '{oops',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/worker_concurrency \(command-line flag\)/);
    expect(r.stderr).toMatch(/worker_prefetch_multiplier \(command-line flag\)/);
    expect(r.stderr).toMatch(/broker_transport_options \(environment CELERY_BROKER_TRANSPORT_OPTIONS\)/);
  });

  it('names an unknown flag and a missing app module', async () => {
    const unknown = await runCli(['worker', '-A', 'examples/app.js', '--frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const missing = await runCli(['worker', '-A', 'nope/app.js'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^celeriac: app module not found: .*nope\/app\.js/);
  });
});
