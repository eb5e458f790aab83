import { Celery } from '../../../src/app/celery';
import { bindArguments } from '../../../src/app/bind-arguments';
import { TaskError } from '../../../src/errors/celeriac-error';

// celery.map / celery.starmap as celery/app/builtins.py runs them: the named task per item, in order.
describe('built-in celery.map and celery.starmap', () => {
  const app = new Celery('builtins');
  app.task('t.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
  app.task('t.add', async (x: number, y: number) => x + y);
  app.task('t.bound', (_task, x: number) => x, { bind: true });

  const run = async (name: string, kwargs: Record<string, unknown>): Promise<unknown> => {
    const def = app.getTask(name);
    if (!def) throw new Error(`${name} not found`);
    return def.handler(...bindArguments(def, [], kwargs));
  };

  it('are found by name without being registered (taskNames stays the app\'s own)', () => {
    expect(app.getTask('celery.map')?.name).toBe('celery.map');
    expect(app.getTask('celery.starmap')?.name).toBe('celery.starmap');
    expect(app.getTask('celery.nope')).toBeUndefined();
    expect(app.taskNames()).toEqual(['t.add', 't.bound', 't.tsum']);
  });

  it('map calls the task with each item; starmap spreads each item', async () => {
    const task = { task: 't.tsum', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false };
    await expect(run('celery.map', { task, it: [[1, 2], [3, 4, 5]] })).resolves.toEqual([3, 12]);
    await expect(run('celery.starmap', { task: { ...task, task: 't.add' }, it: [[1, 2], [3, 4]] })).resolves.toEqual([3, 7]);
  });

  it('celery.accumulate returns all its args, or the one at index', async () => {
    const def = app.getTask('celery.accumulate');
    if (!def) throw new Error('celery.accumulate not found');
    expect(await def.handler(...bindArguments(def, [1, 2, 3], {}))).toEqual([1, 2, 3]);
    expect(await def.handler(...bindArguments(def, [1, 2, 3], { index: 1 }))).toBe(2);
    expect(await def.handler(...bindArguments(def, [[4, 5]], { index: 0 }))).toEqual([4, 5]);
  });

  it('refuse a task this worker lacks, and a bound task, with a TaskError', async () => {
    await expect(run('celery.map', { task: { task: 't.missing' }, it: [1] })).rejects.toThrow(TaskError);
    await expect(run('celery.map', { task: { task: 't.bound' }, it: [1] })).rejects.toThrow(/bound task/);
  });
});
