// docker-compose.yml stays valid and keeps the LMS stack's shape: parsed and validated by a real
// compose implementation (Debian's docker-compose, which needs no Docker engine for `config`), then
// the normalised model it prints is checked against the requirements.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBeatScheduleFile } from '../../../src/beat/schedule-file';
import { findUnknownEnvSettings, loadConfig } from '../../../src/config/load-config';
import { loadSmtpSettings } from '../../../src/tasks/email/smtp-settings';
import { loadLmsConfig } from '../../../examples/lms/lms-config';
import { commandOption as option, loadComposeModel, REPO_ROOT, type ComposeService } from './compose-model';

const REPO = REPO_ROOT;
const CELERY_APP = join(REPO, 'examples', 'lms', 'api', 'lms_api', 'celery_app.py');
const FLOWER_AUTH = 'ops:compose-test-secret';

let services: Record<string, ComposeService>;
let stderr: string;

beforeAll(async () => {
  ({ services, stderr } = await loadComposeModel({ FLOWER_BASIC_AUTH: FLOWER_AUTH }));
}, 60_000);

/** A service of the model; a missing one fails the test naming it. */
function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

const workerNames = (): string[] => Object.keys(services).filter((name) => service(name).command?.[0] === 'worker');

/** Queues the Python producer routes to: the values of `task_routes` in the API's celery_app.py. */
function routedQueues(): string[] {
  const source = readFileSync(CELERY_APP, 'utf8');
  const block = /task_routes=\{([\s\S]*?)\n\s*\},/.exec(source)?.[1];
  if (!block) throw new Error(`no task_routes in ${CELERY_APP}`);
  return [...block.matchAll(/"queue":\s*"([^"]+)"/g)].map((m) => m[1] ?? '');
}

it('validates with no warnings (every variable has a default or is set)', () => {
  expect(stderr).not.toMatch(/WARN/i);
});

it('has every service of the stack', () => {
  expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(
    ['api', 'beat', 'flower', 'mailpit', 'postgres', 'redis', 'worker-bulk', 'worker-certificates', 'worker-emails', 'worker-webhooks'].sort()));
});

it('workers consume every queue the FastAPI app routes to, in the issue\'s groups', () => {
  const routed = routedQueues();
  expect(routed).toEqual(expect.arrayContaining(['emails', 'progress', 'certificates', 'webhooks', 'messaging', 'notifications', 'reports', 'low_priority']));
  const consumed = new Map(workerNames().map((name) => [name, (option(service(name).command!, '-Q', '--queues') ?? '').split(',')]));
  expect([...consumed.values()].flat()).toEqual(expect.arrayContaining(routed));
  expect(consumed.get('worker-emails')?.sort()).toEqual(['emails', 'progress']);
  expect(consumed.get('worker-certificates')).toEqual(['certificates']);
  expect(consumed.get('worker-webhooks')).toEqual(['webhooks']);
  expect(consumed.get('worker-bulk')?.sort()).toEqual(['low_priority', 'messaging', 'notifications', 'reports']);
  // the dead-letter queue is where failures are copied, never consumed (it would rerun them)
  expect([...consumed.values()].flat()).not.toContain('dead_letter');
});

it('certificates run on the threads pool', () => {
  expect(option(service('worker-certificates').command!, '-P', '--pool')).toBe('threads');
});

it('workers scale: no container_name, no host ports; node names carry the container host name', () => {
  expect(workerNames().length).toBeGreaterThanOrEqual(4);
  for (const name of [...workerNames(), 'beat']) {
    expect({ name, container_name: service(name).container_name, ports: service(name).ports })
      .toEqual({ name, container_name: undefined, ports: undefined });
  }
  for (const name of workerNames()) expect(option(service(name).command!, '-n', '--hostname')).toMatch(/%h$/);
});

it('workers are built from the repo Dockerfile and probe /healthz on their metrics port', () => {
  for (const name of workerNames()) {
    const svc = service(name);
    expect(svc.build?.context).toBe(REPO);
    const port = svc.environment?.CELERY_WORKER_METRICS_PORT;
    expect(port).toMatch(/^\d+$/);
    expect(svc.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${port}/healthz`);
    expect(svc.depends_on?.redis?.condition).toBe('service_healthy');
    expect(svc.environment?.CELERY_BROKER_URL).toBe('redis://redis:6379/1');
    expect(svc.environment?.CELERY_RESULT_BACKEND).toBe('redis://redis:6379/2');
  }
});

it('the workers\' CELERY_* environment is what celeriac\'s config loader accepts', () => {
  for (const name of workerNames()) {
    const env = service(name).environment ?? {};
    expect({ name, unknown: findUnknownEnvSettings(env) }).toEqual({ name, unknown: [] });
    const settings = loadConfig(env, {});
    expect({ name, port: settings.worker_metrics_port, host: settings.worker_metrics_host, dlq: settings.task_dead_letter_queue })
      .toEqual({ name, port: 9540, host: '0.0.0.0', dlq: 'dead_letter' });
  }
});

it('every long-running service has a health check (beat serves none and says so)', () => {
  for (const [name, svc] of Object.entries(services)) {
    // compose v1 prints `disable: true` as `test: [NONE]`
    const disabled = svc.healthcheck?.disable === true || svc.healthcheck?.test?.[0] === 'NONE';
    expect({ name, disabled, hasTest: (svc.healthcheck?.test?.length ?? 0) > 0 })
      .toEqual({ name, disabled: name === 'beat', hasTest: true });
  }
});

it('the API and the workers share one PostgreSQL database and the file store', () => {
  const url = service('api').environment?.DATABASE_URL;
  expect(url).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
  expect(service('api').depends_on?.postgres?.condition).toBe('service_healthy');
  for (const name of workerNames()) {
    expect(service(name).environment?.DATABASE_URL).toBe(url);
    // as the LMS worker app reads its environment
    const lms = loadLmsConfig(service(name).environment ?? {});
    expect({ name, db: lms.databaseUrl, storage: lms.storageDir, publicUrl: lms.publicUrl })
      .toEqual({ name, db: url, storage: service('api').environment?.STORAGE_DIR, publicUrl: 'http://localhost:8000' });
  }
  // compose v1 prints volumes as `source:target:mode` strings, the spec's long form as objects
  const volumeAt = (svc: ComposeService, target: string): string | undefined => {
    for (const v of svc.volumes ?? []) {
      const [source, at] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
      if (at === target) return source;
    }
    return undefined;
  };
  for (const name of ['api', 'worker-certificates', 'worker-bulk']) {
    const svc = service(name);
    expect({ name, volume: volumeAt(svc, svc.environment?.STORAGE_DIR ?? '(no STORAGE_DIR)') }).toEqual({ name, volume: 'storage' });
  }
  expect(service('api').build?.context).toBe(join(REPO, 'examples', 'lms', 'api'));
});

it('workers send mail to the SMTP catcher', () => {
  expect(service('mailpit').image).toMatch(/^axllent\/mailpit/);
  for (const name of workerNames()) {
    // read by the email family's own settings loader, as the worker will read it
    const smtp = loadSmtpSettings(service(name).environment ?? {});
    expect({ name, host: smtp.host, port: smtp.port, secure: smtp.secure, auth: smtp.auth })
      .toEqual({ name, host: 'mailpit', port: 1025, secure: false, auth: null });
  }
});

it('beat runs the LMS schedule file; Flower takes its basic auth from the environment', () => {
  expect(service('beat').command?.[0]).toBe('beat');
  expect(option(service('beat').command!, '--schedule')).toBe('/opt/celeriac/examples/lms/beat-schedule.yaml');
  expect(service('flower').environment?.FLOWER_BASIC_AUTH).toBe(FLOWER_AUTH);
});

it('every task beat sends goes to a queue a worker consumes', async () => {
  const schedule = option(service('beat').command ?? [], '--schedule') ?? '';
  const { entries } = await readBeatScheduleFile(join(REPO, schedule.replace(/^\/opt\/celeriac\//, '')));
  const consumed = workerNames().flatMap((name) => (option(service(name).command ?? [], '-Q', '--queues') ?? '').split(','));
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    expect({ task: entry.task, queue: entry.options.queue, consumed: consumed.includes(entry.options.queue ?? 'celery') })
      .toEqual({ task: entry.task, queue: 'low_priority', consumed: true });
  }
});

it('the images it builds run as non-root users', () => {
  for (const dockerfile of [join(REPO, 'Dockerfile'), join(REPO, 'examples', 'lms', 'api', 'Dockerfile')]) {
    const users = [...readFileSync(dockerfile, 'utf8').matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect({ dockerfile, last: users.at(-1) }).toEqual({ dockerfile, last: expect.not.stringMatching(/^(root|0)(:|$)/) });
  }
});

it('the modules the containers load exist in the repository (the image copies examples/)', () => {
  const inRepo = (p: string): string => join(REPO, p.replace(/^\/opt\/celeriac\//, ''));
  const paths = new Set<string>([option(service('beat').command!, '--schedule')!]);
  for (const name of workerNames()) paths.add(option(service(name).command!, '-A', '--app')!);
  for (const p of paths) expect({ p, exists: existsSync(inRepo(p)) }).toEqual({ p, exists: true });
});
