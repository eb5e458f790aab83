import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../../../src/worker/time-limit-errors';
import { loadIsolated } from '../../helpers/load-isolated';
import { TaskError } from '../../../src/errors/celeriac-error';

type Module = typeof import('../../../src/worker/time-limit-errors');

describe('time limit errors', () => {
  it('are caught with instanceof across two copies of the module, each by its own class only', () => {
    const other = loadIsolated(() => jest.requireActual<Module>('../../../src/worker/time-limit-errors'));
    expect(other.SoftTimeLimitExceeded).not.toBe(SoftTimeLimitExceeded);
    const soft = new other.SoftTimeLimitExceeded(1);
    const hard = new other.TimeLimitExceeded(2);
    expect(soft instanceof SoftTimeLimitExceeded).toBe(true);
    expect(hard instanceof TimeLimitExceeded).toBe(true);
    expect(new SoftTimeLimitExceeded(1) instanceof other.SoftTimeLimitExceeded).toBe(true);
    expect(soft instanceof TimeLimitExceeded).toBe(false);
    expect(hard instanceof SoftTimeLimitExceeded).toBe(false);
    expect(new Error('x') instanceof SoftTimeLimitExceeded).toBe(false);
    expect((null as unknown) instanceof SoftTimeLimitExceeded).toBe(false);
    expect(new SoftTimeLimitExceeded(1)).toBeInstanceOf(TaskError);
  });

  it('carry the Python class, module and args a Python worker stores', () => {
    const soft = new SoftTimeLimitExceeded(1);
    expect([soft.pythonType, soft.pythonModule, soft.pythonArgs, soft.code]).toEqual(
      ['SoftTimeLimitExceeded', 'billiard.exceptions', ['SoftTimeLimitExceeded(1)'], 'CELERIAC_TASK_SOFT_TIME_LIMIT']);
    const hard = new TimeLimitExceeded(2);
    expect([hard.pythonType, hard.pythonModule, hard.pythonArgs, hard.code]).toEqual(
      ['TimeLimitExceeded', 'billiard.exceptions', [2], 'CELERIAC_TASK_TIME_LIMIT']);
  });
});
