import { markClassAcrossCopies } from '../../../src/errors/mark-class-across-copies';
import { loadIsolated } from '../../helpers/load-isolated';
import { Ignore, MaxRetriesExceededError, Reject, Replaced, TaskSignal } from '../../../src/canvas/task-signals';

type Signals = typeof import('../../../src/canvas/task-signals');

describe('markClassAcrossCopies', () => {
  it('makes the task signals of another copy of the module instances of this copy\'s classes, subclasses included', () => {
    const other = loadIsolated(() => jest.requireActual<Signals>('../../../src/canvas/task-signals'));
    expect(other.Reject).not.toBe(Reject);
    const reject = new other.Reject('bad', false);
    expect(reject instanceof Reject).toBe(true);
    expect(reject instanceof TaskSignal).toBe(true);
    expect(reject instanceof Ignore).toBe(false);
    const replaced = new other.Replaced([]);
    expect(replaced instanceof Replaced).toBe(true);
    expect(replaced instanceof Ignore).toBe(true);
    expect(new other.Ignore() instanceof Replaced).toBe(false);
    expect(new Ignore() instanceof other.Ignore).toBe(true);
    expect(new other.MaxRetriesExceededError('m', [], {}) instanceof MaxRetriesExceededError).toBe(true);
    expect(new Error('x') instanceof TaskSignal).toBe(false);
    expect(({}) instanceof Ignore).toBe(false);
  });

  it('leaves an unmarked subclass to the usual prototype check, and marks only under the given name', () => {
    class AppIgnore extends Ignore {}
    expect(new AppIgnore() instanceof AppIgnore).toBe(true);
    expect(new AppIgnore() instanceof Ignore).toBe(true);
    expect(new Ignore() instanceof AppIgnore).toBe(false);
    class A {}
    class B {}
    markClassAcrossCopies(A, 'test.A');
    markClassAcrossCopies(B, 'test.B');
    expect(new A() instanceof A).toBe(true);
    expect(new A() instanceof B).toBe(false);
    expect((null as unknown) instanceof A).toBe(false);
  });
});
