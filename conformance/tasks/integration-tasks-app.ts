// A TypeScript port of Celery 5.6.2's t/integration/tasks.py under the suite's task names, so the
// suite's tests run against a celeriac worker: `celeriac worker -A conformance/tasks/integration-tasks-app.ts`.
// Written from the behaviour tasks.py describes, against celeriac's public API; tasks needing APIs
// celeriac lacks are listed in unported-tasks.ts and left unregistered.
import { Celery } from '../../src/index';
import { registerBasicTasks } from './register-basic-tasks';
import { registerCanvasTasks } from './register-canvas-tasks';
import { registerRedisTasks, type SuiteRedisEnv } from './register-redis-tasks';
import { registerRetryTasks } from './register-retry-tasks';
import { registerSignatureTasks } from './register-signature-tasks';

/** The app with every ported task; `env` says where the Redis-writing tasks connect. */
export function createIntegrationTasksApp(env: SuiteRedisEnv): Celery {
  // result_extended as the suite's celery_config sets it for the worker it starts.
  const app = new Celery('celery.tests', { conf: { result_extended: true } });
  registerBasicTasks(app);
  registerRetryTasks(app);
  registerRedisTasks(app, env);
  registerSignatureTasks(app);
  registerCanvasTasks(app, env);
  return app;
}

export default createIntegrationTasksApp({ REDIS_HOST: process.env.REDIS_HOST, REDIS_PORT: process.env.REDIS_PORT });
