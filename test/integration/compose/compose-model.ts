import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

/** Repository root (docker-compose.yml lives there). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** One service as `docker-compose config` prints it (v1 normalises volumes to strings). */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  expose?: string[];
  container_name?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: Array<{ source?: string; target: string } | string>;
  depends_on?: Record<string, { condition: string }>;
}

/**
 * Parses and validates docker-compose.yml with a real compose implementation (Debian's
 * docker-compose v1: `config` checks the schema, build paths and interpolation without a Docker
 * engine, and fails on an invalid file) and returns the resolved model. A few seconds: it is a
 * Python program importing docker-py.
 */
export async function loadComposeModel(env: Record<string, string> = {}): Promise<{ services: Record<string, ComposeService>; stderr: string }> {
  const out = await promisify(execFile)('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'],
    { cwd: REPO_ROOT, env: { ...process.env, ...env } })
    .catch((err: Error & { stderr?: string }) => {
      throw new Error(`docker-compose config rejected docker-compose.yml (scripts/ensure-deps.sh installs docker-compose):\n${err.stderr ?? err.message}`);
    });
  return { services: (parse(out.stdout) as { services: Record<string, ComposeService> }).services, stderr: out.stderr };
}

/** The value after `flag` (or in `--long=value`) in a command, else undefined. */
export function commandOption(command: string[], ...flags: string[]): string | undefined {
  for (const [i, arg] of command.entries()) {
    if (flags.includes(arg)) return command[i + 1];
    const eq = flags.find((f) => arg.startsWith(`${f}=`));
    if (eq) return arg.slice(eq.length + 1);
  }
  return undefined;
}
