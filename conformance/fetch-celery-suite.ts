// Fetches the integration suite of the pinned Celery at run time: the sdist from PyPI (through pip,
// so pip's index, proxy and certificate settings apply), unpacked into the gitignored cache. Nothing
// of Celery's is kept in the repository.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { CeleriacError } from '../src/errors/celeriac-error';

/** Where an unpacked suite lives: pytest runs with this as rootdir, `t.integration` importable from it. */
export interface CelerySuite {
  /** `<cache>/suite/celery-<version>`, holding only the sdist's `t/` folder. */
  root: string;
  /** Celery version of the sdist. */
  version: string;
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export function runCommand(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('error', (err) => reject(new CeleriacError('CELERIAC_CONFORMANCE_SPAWN', `cannot run ${cmd}: ${err.message}`, { cause: err })));
    child.once('exit', (code) => (code === 0 ? resolve(out)
      : reject(new CeleriacError('CELERIAC_CONFORMANCE_COMMAND', `${cmd} ${args.join(' ')} exited ${code}\n${out}`))));
  });
}

/**
 * Returns the unpacked `t/` of celery==`version`, downloading the sdist with
 * `pip download --no-deps --no-binary :all:` and extracting it on first use.
 */
export async function fetchCelerySuite(cacheDir: string, version: string, python: string): Promise<CelerySuite> {
  const root = join(cacheDir, 'suite', `celery-${version}`);
  if (existsSync(join(root, 't', 'integration', 'tasks.py'))) return { root, version };
  const sdistDir = join(cacheDir, 'sdist');
  mkdirSync(sdistDir, { recursive: true });
  const sdist = join(sdistDir, `celery-${version}.tar.gz`);
  if (!existsSync(sdist)) {
    await runCommand(python, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps',
      '--no-binary', ':all:', `celery==${version}`, '--dest', sdistDir]);
  }
  if (!existsSync(sdist)) {
    throw new CeleriacError('CELERIAC_CONFORMANCE_SDIST', `pip download left no ${sdist} (found: ${readdirSync(sdistDir).join(', ')})`);
  }
  // Unpack into a scratch folder and rename, so an interrupted run never leaves a half suite behind.
  const scratch = `${root}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  await runCommand('tar', ['-xzf', sdist, '-C', scratch, `celery-${version}/t`]);
  rmSync(root, { recursive: true, force: true });
  renameSync(join(scratch, `celery-${version}`), root);
  rmSync(scratch, { recursive: true, force: true });
  return { root, version };
}
