import { buildTaskEventFields, type TaskEventData, type TaskEventName } from '../../../../src/protocol/events/build-task-event-fields';
import { buildEvent, type EventOrigin } from '../../../../src/protocol/events/encode-event';
import { encodeTaskEvent } from '../../../../src/protocol/events/encode-task-event';
import { encodePythonJson } from '../../../../src/protocol/python-json';
import { buildTaskEventData } from '../../../../src/worker/events/build-task-event-data';
import { PYTHON_EVENT_REPRS } from '../../../../src/worker/events/python-event-reprs';

/** The general path encodeTaskEvent must match byte for byte: build the objects, then encode them. */
function general(type: TaskEventName, origin: EventOrigin, data: TaskEventData): string {
  return encodePythonJson(buildEvent(type, origin, buildTaskEventFields(type, data)));
}

const TYPES: TaskEventName[] = ['task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-rejected', 'task-revoked'];

const STRINGS = [
  '', 'bench.noop', '3f2a1c9e-1d2b-4c3d-9e8f-000000000001', 'say "hi"', 'back\\slash', 'tab\tnew\nline\r', '\u0000\u001f\u007f', 'del \u007f', '\u0080', '\u00ff\u0100',
  'é', 'naïve café', '日本語', '😀 astral', '\ud800 lone high', 'lone low \udc00', "it's", '</script>', ' ~!@#$%^&*()_+{}|:<>?',
  'x'.repeat(70_000), `${'é'.repeat(40_000)}😀${'a'.repeat(40_000)}`,
];
const NUMBERS = [0, -0, 1, 3, -1, 1.5, 0.1, 1e-7, 123456789012, 2 ** 53 + 2, 1e16, 1e21, -1e21, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE];
const DATES = [null, undefined, new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05.678Z'), new Date('1970-01-01T00:00:00.001Z')];

const ORIGINS: EventOrigin[] = [
  { hostname: 'ab@host', pid: 1234, clock: 7, timestampSec: 1795234917.9162476, timezoneOffsetMin: 0 },
  { hostname: 'celery@hôte-😀', pid: 1, clock: 0, timestampSec: 1795234917, timezoneOffsetMin: -330 },
  { hostname: 'w "q" \\', pid: 99999, clock: 2 ** 40, timestampSec: 0.5, timezoneOffsetMin: 300 },
  { hostname: '', pid: 0, clock: Number.NaN, timestampSec: Number.NaN, timezoneOffsetMin: 60 },
  { hostname: 'x', pid: 2, clock: 3, timestampSec: 1e16, timezoneOffsetMin: -60 },
];

/** Data of every shape the fields take: each string, number, date and flag in some position. */
function dataCases(): TaskEventData[] {
  const cases: TaskEventData[] = [{ uuid: 'u' }];
  STRINGS.forEach((s, i) => {
    const other = STRINGS[(i + 3) % STRINGS.length] as string;
    cases.push({
      uuid: s, name: other, argsRepr: s, kwargsRepr: other, rootId: s, parentId: other, resultRepr: s, exceptionRepr: other,
      traceback: s, signum: s,
    });
    cases.push({ uuid: 'u', name: s, rootId: null, parentId: undefined, signum: null, resultRepr: other });
  });
  NUMBERS.forEach((n, i) => {
    cases.push({ uuid: 'u', retries: n, runtimeSec: n, requeue: i % 2 === 0, terminated: i % 3 === 0, expired: i % 2 === 1 });
  });
  DATES.forEach((d, i) => cases.push({ uuid: 'u', eta: d, expires: DATES[(i + 1) % DATES.length] ?? null }));
  return cases;
}

describe('encodeTaskEvent (the direct writer) against the general path', () => {
  it('writes the same text for every type, origin and field shape', () => {
    let compared = 0;
    for (const origin of ORIGINS) {
      for (const data of dataCases()) {
        for (const type of TYPES) {
          expect(encodeTaskEvent(type, origin, data)).toBe(general(type, origin, data));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('keeps the general path’s text when a field holds a value of an unexpected type', () => {
    const odd: unknown[] = [{ a: 1 }, [1, 'é'], new Date('2024-01-02T03:04:05Z'), () => 1, Symbol('s'), new String('boxed'), 5, true];
    const origin = ORIGINS[0] as EventOrigin;
    for (const value of odd) {
      for (const key of ['uuid', 'name', 'argsRepr', 'rootId', 'retries', 'resultRepr', 'traceback', 'requeue', 'signum'] as const) {
        const data = { uuid: 'u', [key]: value } as unknown as TaskEventData;
        for (const type of TYPES) expect(encodeTaskEvent(type, origin, data)).toBe(general(type, origin, data));
      }
    }
    const oddOrigin = { ...origin, hostname: undefined, pid: '7' } as unknown as EventOrigin;
    expect(encodeTaskEvent('task-started', oddOrigin, { uuid: 'u' })).toBe(general('task-started', oddOrigin, { uuid: 'u' }));
    // a type buildTaskEventFields does not know: no fields of its own, as the general path writes it
    const unknownType = 'task-custom' as TaskEventName;
    expect(encodeTaskEvent(unknownType, origin, { uuid: 'u' })).toBe(general(unknownType, origin, { uuid: 'u' }));
  });

  it('fails as the general path does on a value JSON cannot hold', () => {
    const data = { uuid: 'u', retries: 10n } as unknown as TaskEventData;
    expect(() => general('task-received', ORIGINS[0] as EventOrigin, data)).toThrow(TypeError);
    expect(() => encodeTaskEvent('task-received', ORIGINS[0] as EventOrigin, data)).toThrow(TypeError);
  });

  it('matches with the Python reprs of args, kwargs and results of many shapes', () => {
    const values: unknown[] = [
      null, undefined, true, false, 0, -7, 1.5, 1e-7, 1e21, Number.NaN, Infinity, 2n ** 70n, 'done', "it's", 'é😀', '\n\t"\\',
      [], [1], [1, 'two', null], { a: 1, 'b c': [true, { d: 'é' }] }, { deep: { deeper: { deepest: { x: 1 } } } },
      Array.from({ length: 400 }, (_, i) => i), 'y'.repeat(2000), Buffer.from('bytes'), new Date('2024-01-02T03:04:05.678Z'),
    ];
    const origin = ORIGINS[1] as EventOrigin;
    for (const value of values) {
      const args = Array.isArray(value) ? value : [value];
      const kwargs = { v: value };
      for (const fields of [
        { uuid: 'u', name: 'tapp.add', args, kwargs, retries: 2, eta: null, expires: null, rootId: 'r', parentId: null },
        { uuid: 'u', name: 'tapp.add', args, kwargs, argsRepr: null, kwargsRepr: null },
        { uuid: 'u', result: value, runtimeSec: 0.000123456789 },
        { uuid: 'u', error: new TypeError(`boom ${String(typeof value)}`), runtimeSec: 1 },
      ]) {
        const data = buildTaskEventData(fields, PYTHON_EVENT_REPRS);
        for (const type of TYPES) expect(encodeTaskEvent(type, origin, data)).toBe(general(type, origin, data));
      }
    }
  });
});
