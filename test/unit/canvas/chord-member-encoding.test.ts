import { buildChordKeys, chordErrorMessage, encodeChordMember } from '../../../src/backend/chord/redis-chord-store';
import { loadFollowUps, tid, viewEnvelope } from './python-followups';

const fx = loadFollowUps();

describe('chord records are byte-identical to what a Python worker ZADDs (vector 10)', () => {
  const group = viewEnvelope(fx.held[0] as string).headers.group as string;

  it('SUCCESS and FAILURE members, scored by group_index', () => {
    expect(fx.chordZset).toEqual([
      [encodeChordMember({ group, groupIndex: 0, taskId: tid(1011), state: 'SUCCESS', result: 6 }), 0],
      [encodeChordMember({ group, groupIndex: 1, taskId: tid(1012), state: 'FAILURE', exception: { excType: 'KeyError', excMessage: ['m'], excModule: 'builtins' } }), 1],
    ]);
  });

  it('keys follow the backend prefix rule; ChordError text as Python words it', () => {
    expect(buildChordKeys('', 'g')).toEqual({ results: 'celery-taskset-meta-g.j', extra: 'celery-taskset-meta-g.t', size: 'celery-taskset-meta-g.s', group: 'celery-taskset-meta-g' });
    expect(buildChordKeys('pfx_', 'g').size).toBe('pfx_celery-taskset-meta-g.s');
    expect(chordErrorMessage({ taskId: 'x', exception: { excType: 'KeyError', excMessage: ['m'], excModule: 'builtins' } }))
      .toBe("Dependency x raised KeyError('m')");
  });
});
