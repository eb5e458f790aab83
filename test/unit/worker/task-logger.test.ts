import { Writable } from 'node:stream';
import pino from 'pino';
import { createTaskLogger } from '../../../src/worker/task-logger';

function capture(level = 'info'): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level, redact: ['password'] }, sink), lines };
}

const strip = (l: Record<string, unknown>): Record<string, unknown> => { const { time: _t, pid: _p, hostname: _h, ...rest } = l; return rest; };

describe('createTaskLogger', () => {
  it('writes the same fields as parent.child(bindings) for objects, errors, strings and no message', () => {
    const a = capture();
    const b = capture();
    const bindings = { taskId: 't1', taskName: 'x.y', retries: 2 };
    const lazy = createTaskLogger(a.log, bindings);
    const child = b.log.child(bindings);
    for (const l of [lazy, child]) {
      l.info({ runtimeMs: 3 }, 'task succeeded');
      l.error(new TypeError('boom'), 'task failed');
      l.warn('plain %s', 'text');
      l.info({ password: 'hunter2' }, 'redacted');
    }
    expect(a.lines.map(strip)).toEqual(b.lines.map(strip));
    expect(JSON.stringify(a.lines)).not.toContain('hunter2');
  });

  it('writes nothing below the level, and creates a real child only when something else is asked for', () => {
    const { log, lines } = capture('warn');
    const spy = jest.spyOn(log, 'child');
    const lazy = createTaskLogger(log, { taskId: 't2' });
    lazy.info({ a: 1 }, 'hidden');
    lazy.debug('hidden too');
    expect(lazy.isLevelEnabled('info')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
    const grandchild = lazy.child({ step: 1 });
    // One child with the task's bindings (pino children inherit the spied method, so the grandchild counts too).
    expect(spy.mock.calls.map((c) => c[0])).toEqual([{ taskId: 't2' }, { step: 1 }]);
    grandchild.warn('from user code');
    lazy.warn('after');
    expect(lines.map((l) => [l.taskId, l.step, l.msg])).toEqual([['t2', 1, 'from user code'], ['t2', undefined, 'after']]);
    expect(lazy.bindings()).toEqual({ taskId: 't2' });
  });
});
