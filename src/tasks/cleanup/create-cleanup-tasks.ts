import { z } from 'zod';
import type { TaskContext } from '../../app/task-context';
import { coerceError } from '../../errors/coerce-error';
import { parseTaskArguments } from '../parse-task-arguments';
import type { FileTree } from './file-tree';
import type { HealthProbe } from './health-probe';
import type { SessionStore } from './session-store';

/** Keyword names of `cleanup_old_files(max_age_days)`. */
export const cleanupOldFilesParams = ['max_age_days'] as const;
/** Arguments of `cleanup_old_files`; default 30 days. */
export const cleanupOldFilesArgs = z.tuple([z.number().positive().max(36_500).optional().transform((d) => d ?? 30)]);

const DAY_MS = 86_400_000;

/** What `createCleanupTasks` needs. */
export interface CleanupTasksOptions {
  /** The storage directory `cleanup_old_files` sweeps. */
  storage: FileTree;
  /** The temp directory `cleanup_temporary_files` sweeps. */
  temporary: FileTree;
  sessions: SessionStore;
  /** What `periodic_health_check` checks (e.g. the database and storage probes). */
  probes: readonly HealthProbe[];
  /** Age past which temporary files go (default 24 hours). */
  temporaryMaxAgeMs?: number;
  /** A probe slower than this counts as unhealthy (default 5 s). */
  probeTimeoutMs?: number;
  now?: () => Date;
}

/** What the two file sweeps return. */
export interface FileSweepResult {
  root: string;
  removed: number;
  kept: number;
  bytes_freed: number;
  /** Files that could not be removed (first 20), e.g. permissions. */
  errors: Array<{ path: string; error: string }>;
}

/** `periodic_health_check`'s result. */
export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  checks: Record<string, { status: 'healthy' | 'unhealthy'; response_time_ms: number; error?: string; [detail: string]: unknown }>;
  checked_at: string;
}

type Ctx = Pick<TaskContext, 'log' | 'signal'>;

/** The maintenance family's handlers (beat sends them to `low_priority`). */
export interface CleanupTasks {
  cleanupOldFiles(task: Ctx, maxAgeDays?: unknown): Promise<FileSweepResult & { max_age_days: number }>;
  cleanupTemporaryFiles(task: Ctx): Promise<FileSweepResult>;
  cleanupOldSessions(task: Ctx): Promise<{ deleted: number }>;
  periodicHealthCheck(task: Ctx): Promise<HealthReport>;
}

/** Removes the files of `tree` last modified before `cutoff`, and only those. */
export async function sweepFiles(tree: FileTree, cutoff: Date, signal: AbortSignal): Promise<FileSweepResult> {
  const result: FileSweepResult = { root: tree.root, removed: 0, kept: 0, bytes_freed: 0, errors: [] };
  for await (const file of tree.listFiles()) {
    if (signal.aborted) throw signal.reason;
    if (file.modifiedAt.getTime() >= cutoff.getTime()) { result.kept++; continue; }
    try {
      if (await tree.removeFile(file.path)) { result.removed++; result.bytes_freed += file.sizeBytes; }
    } catch (err) {
      if (result.errors.length < 20) result.errors.push({ path: file.path, error: coerceError(err).message });
    }
  }
  return result;
}

async function runProbe(probe: HealthProbe, timeoutMs: number): Promise<HealthReport['checks'][string]> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); });
    const details = (await Promise.race([probe.check(), timeout])) ?? {};
    return { ...details, status: 'healthy', response_time_ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'unhealthy', response_time_ms: Math.round((performance.now() - started) * 10) / 10, error: coerceError(err).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the maintenance handlers. */
export function createCleanupTasks(options: CleanupTasksOptions): CleanupTasks {
  const now = options.now ?? (() => new Date());
  const tempMaxAgeMs = options.temporaryMaxAgeMs ?? DAY_MS;
  return {
    async cleanupOldFiles(task, rawMaxAgeDays: unknown = undefined) {
      const [maxAgeDays] = parseTaskArguments('cleanup_old_files', cleanupOldFilesArgs, [rawMaxAgeDays]);
      const result = await sweepFiles(options.storage, new Date(now().getTime() - maxAgeDays * DAY_MS), task.signal);
      task.log.info({ root: result.root, removed: result.removed, kept: result.kept, maxAgeDays }, 'old files removed');
      return { ...result, max_age_days: maxAgeDays };
    },
    async cleanupTemporaryFiles(task) {
      const result = await sweepFiles(options.temporary, new Date(now().getTime() - tempMaxAgeMs), task.signal);
      task.log.info({ root: result.root, removed: result.removed, kept: result.kept }, 'temporary files removed');
      return result;
    },
    async cleanupOldSessions(task) {
      const deleted = await options.sessions.deleteExpiredSessions(now());
      task.log.info({ deleted }, 'expired sessions deleted');
      return { deleted };
    },
    async periodicHealthCheck(task) {
      const timeoutMs = options.probeTimeoutMs ?? 5000;
      const results = await Promise.all(options.probes.map(async (p) => [p.name, await runProbe(p, timeoutMs)] as const));
      const checks = Object.fromEntries(results);
      const status = results.every(([, r]) => r.status === 'healthy') ? 'healthy' : 'unhealthy';
      if (status !== 'healthy') task.log.warn({ checks }, 'health check failed');
      return { status, checks, checked_at: now().toISOString() };
    },
  };
}
