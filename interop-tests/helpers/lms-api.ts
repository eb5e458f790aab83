import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CeleriacError } from '../../src/errors/celeriac-error';
import { freePort } from '../../test/helpers/free-port';
import { ManagedProcess } from './managed-process';
import { REPO_ROOT, venvBin } from './python';
import { waitUntil, type WaitOptions } from './redis-probe';

/** The LMS example's FastAPI app (the `lms_api` package lives here). */
export const LMS_API_DIR = join(REPO_ROOT, 'examples', 'lms', 'api');

/** Where the API finds its broker, result backend, database and file store. */
export interface LmsApiOptions {
  brokerUrl: string;
  backendUrl: string;
  /** `postgresql://...`; without it the API uses the SQLite file `sqlitePath`. */
  databaseUrl?: string;
  sqlitePath?: string;
  /** Root of the file store shared with the workers (STORAGE_DIR; certificates under certificates/). */
  storageDir?: string;
  /** More environment for the API process. */
  env?: Record<string, string>;
}

/** An HTTP answer: status and the parsed JSON body (or the raw text when it is not JSON). */
export interface LmsApiResponse<T = any> {
  status: number;
  body: T;
}

/** `GET /api/tasks/{id}`: the state and, by state, result / error / retry_reason / info. */
export interface TaskStatus {
  task_id: string;
  state: string;
  result?: unknown;
  error?: { type: string; message: string };
  retry_reason?: { type: string; message: string };
  info?: Record<string, unknown>;
}

/** A course the seed command created. */
export interface SeededCourse {
  courseId: string;
  lessonIds: string[];
}

/** A running `uvicorn lms_api.main:app` on a free loopback port. */
export interface LmsApi {
  baseUrl: string;
  process: ManagedProcess;
  /** Sends one JSON request (`body` as JSON) and returns the status and parsed answer. */
  request<T = any>(method: string, path: string, body?: unknown): Promise<LmsApiResponse<T>>;
  /**
   * Polls `GET /api/tasks/{id}` (as a client of the API would) until its state is one of `states`,
   * and resolves with that answer; rejects at the deadline naming the last state seen.
   */
  waitForTask(taskId: string, states: string[], opts?: WaitOptions): Promise<TaskStatus>;
  /** Runs `python -m lms_api.seed --lessons N` against the same database. */
  seedCourse(lessons: number, title?: string): Promise<SeededCourse>;
  /** SIGTERM (uvicorn's graceful shutdown), SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/** The environment the API and its seed command run with. */
export function lmsApiEnv(opts: LmsApiOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
    CELERY_BROKER_URL: opts.brokerUrl, CELERY_RESULT_BACKEND: opts.backendUrl, ...opts.env,
  };
  delete env.DATABASE_URL;
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  if (opts.sqlitePath) env.LMS_SQLITE_PATH = opts.sqlitePath;
  if (opts.storageDir) env.STORAGE_DIR = opts.storageDir;
  return env;
}

/**
 * Starts uvicorn serving the LMS API and resolves once it logs that it is listening (the schema is
 * created during startup, so the database is ready too). Retries on a port taken in between.
 */
export async function startLmsApi(opts: LmsApiOptions): Promise<LmsApi> {
  if (!opts.databaseUrl && !opts.sqlitePath) throw new CeleriacError('CELERIAC_TEST_USAGE', 'startLmsApi needs databaseUrl or sqlitePath');
  const env = lmsApiEnv(opts);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = new ManagedProcess({
      command: venvBin('python'),
      args: ['-m', 'uvicorn', 'lms_api.main:app', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'info'],
      cwd: LMS_API_DIR, env, label: `lms-api :${port}`,
    });
    try {
      await proc.waitForLine((l) => l.includes('Uvicorn running on'), 60_000, 'uvicorn listening');
    } catch (err) {
      await proc.kill();
      if (attempt < 3 && proc.lines.some((l) => l.includes('address already in use'))) continue;
      throw err;
    }
    return buildLmsApi(`http://127.0.0.1:${port}`, proc, env);
  }
}

function buildLmsApi(baseUrl: string, proc: ManagedProcess, env: NodeJS.ProcessEnv): LmsApi {
  let stopping: Promise<void> | undefined;
  const api: LmsApi = {
    baseUrl,
    process: proc,
    async waitForTask(taskId, states, opts) {
      let last = 'no answer';
      try {
        return await waitUntil(async () => {
          const res = await api.request<TaskStatus>('GET', `/api/tasks/${encodeURIComponent(taskId)}`);
          last = res.status === 200 ? res.body.state : `HTTP ${res.status}`;
          return res.status === 200 && states.includes(res.body.state) ? res.body : undefined;
        }, `task ${taskId} in ${states.join('|')}`, { maxIntervalMs: 200, ...opts });
      } catch (err) {
        throw new CeleriacError('CELERIAC_TEST_WAIT_TIMEOUT', `task ${taskId} never reached ${states.join('|')} (last: ${last})`, { cause: err });
      }
    },
    async request(method, path, body) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (a file download): keep the text
      }
      return { status: res.status, body: parsed as never };
    },
    async seedCourse(lessons, title = 'Celery for TypeScript') {
      const out = await promisify(execFile)(venvBin('python'), ['-m', 'lms_api.seed', '--lessons', String(lessons), '--title', title],
        { cwd: LMS_API_DIR, env, timeout: 60_000 });
      const seeded = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as { course_id: string; lesson_ids: string[] };
      return { courseId: seeded.course_id, lessonIds: seeded.lesson_ids };
    },
    stop() {
      stopping ??= proc.stop('SIGTERM', 10_000).then(() => undefined);
      return stopping;
    },
  };
  return api;
}
