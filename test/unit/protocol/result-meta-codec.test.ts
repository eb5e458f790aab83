import { decodeResultMeta, encodeResultMeta, PythonDatetime, type ResultMeta } from '../../../src/protocol';
import { loadPythonMetas } from './python-fixtures';

describe('result meta codec', () => {
  const metas = loadPythonMetas();

  it('round-trips every meta a Python worker stored, byte for byte', () => {
    expect(Object.keys(metas).length).toBeGreaterThanOrEqual(6);
    for (const text of Object.values(metas)) expect(encodeResultMeta(decodeResultMeta(text))).toBe(text);
  });

  it('decodes Python\'s FAILURE with a camelCase ExceptionInfo, the traceback and microsecond date_done', () => {
    const failure = decodeResultMeta(metas['celery-task-meta-00000302-0000-4000-8000-000000000302'] as string);
    expect(failure).toMatchObject({ status: 'FAILURE', taskId: '00000302-0000-4000-8000-000000000302', children: [],
      result: { excType: 'KeyError', excMessage: ['missing 7'], excModule: 'builtins' } });
    expect(failure.traceback).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*KeyError: 'missing 7'\n$/);
    expect(failure.dateDone).toBeInstanceOf(PythonDatetime);
    const astral = decodeResultMeta(metas['celery-task-meta-00000308-0000-4000-8000-000000000308'] as string);
    expect(astral.result).toEqual({ excType: 'ValueError', excMessage: ['é 😀'], excModule: 'builtins' });
  });

  it('decodes chain children and parent_id', () => {
    const step2 = decodeResultMeta(metas['celery-task-meta-00000307-0000-4000-8000-000000000307'] as string);
    expect(step2.parentId).toBe('00000306-0000-4000-8000-000000000306');
    const step1 = decodeResultMeta(metas['celery-task-meta-00000306-0000-4000-8000-000000000306'] as string);
    expect(step1.children).toEqual([[['00000307-0000-4000-8000-000000000307', null], null]]);
  });

  it('writes Python\'s key order with group_id, parent_id and result_extended fields', () => {
    const meta: ResultMeta = {
      taskId: 't', status: 'SUCCESS', result: { when: new Date('2024-01-02T03:04:05Z') }, traceback: null, children: [],
      dateDone: new Date('2026-11-21T04:22:04.333Z'), groupId: 'g', parentId: 'p',
      extended: { name: 'tapp.add', args: [2, 3], kwargs: {}, worker: 'celery@w', retries: 0, queue: 'celery' },
    };
    expect(encodeResultMeta(meta)).toBe('{"status": "SUCCESS", "result": {"when": {"__type__": "datetime", "__value__": "2024-01-02T03:04:05+00:00"}}, '
      + '"traceback": null, "children": [], "date_done": "2026-11-21T04:22:04.333000+00:00", "group_id": "g", "parent_id": "p", '
      + '"name": "tapp.add", "args": [2, 3], "kwargs": {}, "worker": "celery@w", "retries": 0, "queue": "celery", "task_id": "t"}');
    expect(decodeResultMeta(encodeResultMeta(meta))).toEqual(meta);
  });

  it('writes a stamped request\'s stamped_headers and each stamp as its own key after the extended fields', () => {
    const meta: ResultMeta = {
      taskId: 't', status: 'SUCCESS', result: 2, traceback: null, children: [], dateDone: null,
      extended: { name: 'tapp.add', args: [1, 1], kwargs: {}, worker: 'celery@w', retries: 0, queue: 'celery',
        stampedHeaders: ['monitoring_id'], stamps: { monitoring_id: ['m1'] } },
    };
    expect(encodeResultMeta(meta)).toBe('{"status": "SUCCESS", "result": 2, "traceback": null, "children": [], "date_done": null, '
      + '"name": "tapp.add", "args": [1, 1], "kwargs": {}, "worker": "celery@w", "retries": 0, "queue": "celery", '
      + '"stamped_headers": ["monitoring_id"], "monitoring_id": ["m1"], "task_id": "t"}');
    expect(decodeResultMeta(encodeResultMeta(meta))).toEqual(meta);
    const unstamped = { ...meta, extended: { ...meta.extended, stampedHeaders: null, stamps: {} } } as ResultMeta;
    expect(encodeResultMeta(unstamped)).not.toContain('stamped_headers');
  });

  it('writes an ExceptionInfo result in the wire shape', () => {
    const text = encodeResultMeta({ taskId: 't', status: 'REVOKED', result: { excType: 'TaskRevokedError', excMessage: ['revoked'],
      excModule: 'celery.exceptions' }, traceback: null, children: null, dateDone: null });
    expect(text).toBe('{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["revoked"], '
      + '"exc_module": "celery.exceptions"}, "traceback": null, "children": null, "date_done": null, "task_id": "t"}');
  });

  it('keeps an exc_type-shaped SUCCESS result as data', () => {
    const text = '{"status": "SUCCESS", "result": {"exc_type": "x"}, "traceback": null, "children": [], "date_done": null, "task_id": "t"}';
    expect(decodeResultMeta(text).result).toEqual({ exc_type: 'x' });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '[1]'],
    ['no status', '{"task_id": "t"}'],
    ['no task id', '{"status": "SUCCESS"}'],
    ['bad date_done', '{"status": "SUCCESS", "task_id": "t", "date_done": "later"}'],
    ['children not a list', '{"status": "SUCCESS", "task_id": "t", "children": 3}'],
  ])('refuses %s with CELERIAC_PROTOCOL_BAD_RESULT', (_what, text) => {
    expect(() => decodeResultMeta(text)).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_BAD_RESULT' }));
  });

  it('fails to encode an unserializable result with CELERIAC_PROTOCOL_ENCODE', () => {
    expect(() => encodeResultMeta({ taskId: 't', status: 'SUCCESS', result: () => 1, traceback: null, children: [], dateDone: null }))
      .toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_ENCODE' }));
  });
});
