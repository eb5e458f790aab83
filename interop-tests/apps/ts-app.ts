// A TypeScript app module loaded directly by `celeriac worker -A interop-tests/apps/ts-app.ts` (and
// `celeriac beat -A`): ES-module syntax, types, a task on the threads pool. Python calls tsapp.* by name.
import { isMainThread } from 'node:worker_threads';
import { Celery, type TaskContext } from '../../src/index';

interface Greeting {
  text: string;
  shout: boolean;
}

const app = new Celery('tsapp', { conf: { beat_schedule: {
  'ts-tick': { task: 'tsapp.add', schedule: 1, args: [1, 2], options: { queue: 'tsbeat' } },
} } });

app.task('tsapp.add', (x: number, y: number): number => x + y);

app.task('tsapp.greet', (name: string, greeting: string): Greeting => {
  const text = `${greeting}, ${name}`;
  return { text, shout: text === text.toUpperCase() };
}, { params: ['name', 'greeting'] as const });

app.task('tsapp.where', (task: TaskContext, n: number) => ({ id: task.request.id, n, inThread: !isMainThread }),
  { bind: true, pool: 'threads' });

export default app;
