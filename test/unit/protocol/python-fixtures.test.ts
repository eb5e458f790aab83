import { inflateSync } from 'node:zlib';
import {
  decodeRedisEnvelope, decodeTaskMessage, encodeTaskMessage, pythonRepr, type TaskMessage,
} from '../../../src/protocol';
import { fixture, loadProducerFixtures } from './python-fixtures';

const all = loadProducerFixtures();

/**
 * Reprs JS cannot rebuild from the decoded values: send_task's list args (`[1, 2]`, not a tuple) and a
 * kwarg that was a Python tuple (JSON turns it into a list). These re-encode with the wire repr.
 */
const REPR_FROM_WIRE = new Set(['v11-send-task-headers', 'v22-kwargs-heavy']);
const opts = { accept: ['json'], maxBodyBytes: 1 << 20 };

function decodeAll(name: string): TaskMessage[] {
  return fixture(all, name).elements.map((e) => decodeTaskMessage(decodeRedisEnvelope(e.raw).message, opts));
}

/** Fixtures whose re-encoding must be byte-identical to Python's (headers JSON, body bytes, properties). */
const BYTE_EQUAL = ['v01-plain', 'v02-countdown-expires-priority', 'v03-priority-9', 'v04-queue-q2', 'v05-non-ascii',
  'v07-link-link-error', 'v08-chain-first', 'v09-group', 'v10-chord-header', 'v11-send-task-headers', 'v20-priority-50',
  'v22-kwargs-heavy', 'v23-astral'];

describe('golden messages captured from Python Celery 5.6.2', () => {
  it('has every vector of spec §11 that the script captures', () => {
    expect([...all.keys()]).toEqual(expect.arrayContaining([...BYTE_EQUAL, 'v06-typed-naive', 'v06b-typed-more',
      'v19-protocol-v1', 'v21-zlib', 'v24-pickle']));
  });

  it('decodes the plain delay message (§2.2)', () => {
    const [m] = decodeAll('v01-plain');
    expect(m).toEqual<TaskMessage>({
      protocol: 2, id: '00000001-0000-4000-8000-000000000001', task: 'tapp.add', args: [2, 3], kwargs: {},
      shadow: null, eta: null, expires: null, group: null, groupIndex: null, retries: 0,
      timeLimitSec: { hard: null, soft: null }, rootId: '00000001-0000-4000-8000-000000000001', parentId: null,
      argsRepr: '(2, 3)', kwargsRepr: '{}', origin: expect.stringMatching(/^gen\d+@/) as unknown as string,
      ignoreResult: false, replacedTaskNesting: 0, stampedHeaders: null, stamps: {}, customHeaders: {},
      embed: { callbacks: null, errbacks: null, chain: null, chord: null },
      correlationId: '00000001-0000-4000-8000-000000000001', replyTo: expect.any(String) as unknown as string, priority: 0,
      properties: expect.objectContaining({ correlation_id: '00000001-0000-4000-8000-000000000001', priority: 0 }) as unknown as Record<string, unknown>,
    });
  });

  it('decodes eta/expires as instants 10 s and 60 s after sending, priority 5', () => {
    const [m] = decodeAll('v02-countdown-expires-priority') as [TaskMessage];
    expect(m.eta).toBeInstanceOf(Date);
    expect((m.expires as Date).getTime() - (m.eta as Date).getTime()).toBe(50_000);
    expect(m.priority).toBe(5);
  });

  it('decodes canvas embeds: link/link_error, chain (reverse order), group and chord members', () => {
    const [linked] = decodeAll('v07-link-link-error') as [TaskMessage];
    expect(linked.embed.callbacks).toEqual([expect.objectContaining({ task: 'tapp.add', args: [10], immutable: false })]);
    expect(linked.embed.errbacks).toEqual([expect.objectContaining({ args: [0, 0], immutable: true })]);
    const [chained] = decodeAll('v08-chain-first') as [TaskMessage];
    expect(chained.embed.chain?.map((s) => (s.options as { task_id: string }).task_id))
      .toEqual(['00000082-0000-4000-8000-000000000082', '00000081-0000-4000-8000-000000000081']);
    const group = decodeAll('v09-group');
    expect(group.map((m) => [m.group, m.groupIndex, m.rootId === m.id])).toEqual([
      ['00000009-0000-4000-8000-000000000009', 0, true], ['00000009-0000-4000-8000-000000000009', 1, true]]);
    const chord = decodeAll('v10-chord-header');
    expect(chord.map((m) => m.embed.chord?.task)).toEqual(['tapp.tsum', 'tapp.tsum']);
    expect((chord[0]?.embed.chord?.options as { group_id: string }).group_id).toBe(chord[0]?.group);
  });

  it('decodes send_task extras: shadow, time limits, custom header', () => {
    const [m] = decodeAll('v11-send-task-headers') as [TaskMessage];
    expect([m.shadow, m.timeLimitSec, m.customHeaders, m.argsRepr]).toEqual(['alias', { hard: 30, soft: 20 }, { 'x-custom': 'v' }, '[1, 2]']);
  });

  it('decodes unicode (BMP escapes and astral surrogate pairs) and every JSON kwarg type, big ints exactly', () => {
    expect(decodeAll('v05-non-ascii')[0]?.args).toEqual(['é', '✓']);
    const [astral] = decodeAll('v23-astral') as [TaskMessage];
    expect(astral.args).toEqual(['😀']);
    expect(astral.kwargs).toEqual({ k: 'café 😀' });
    const [heavy] = decodeAll('v22-kwargs-heavy') as [TaskMessage];
    expect(heavy.kwargs).toEqual({ x: 1, y: -2.5, name: 'it\'s "q"\n\t\\', flag: true, none: null,
      nested: { a: [1, 2, { b: false }], empty: {} }, tuple: [1], big: 9007199254740993n });
  });

  it('decodes kombu typed values', () => {
    const [naive] = decodeAll('v06-typed-naive') as [TaskMessage];
    expect(naive.args).toEqual([new Date('2024-01-02T03:04:05Z'), '1.5']);
    const [typed] = decodeAll('v06b-typed-more') as [TaskMessage];
    expect(typed.args[0]).toEqual([new Date('2024-01-02T03:04:05.678Z'), '2024-02-29', '13:14:15.000016',
      '12345678-1234-5678-1234-567812345678', Buffer.from('text'), Buffer.from([0xff, 0x00, 0xfe])]);
  });

  it('decodes the protocol 1 message (§11.19) as protocol 1', () => {
    const [m] = decodeAll('v19-protocol-v1') as [TaskMessage];
    expect(m).toMatchObject({ protocol: 1, task: 'tapp.add', id: '00000019-0000-4000-8000-000000000019', args: [2, 3],
      kwargs: {}, retries: 0, group: null, rootId: null, argsRepr: null, embed: { callbacks: null, errbacks: null, chain: null, chord: null } });
  });

  it('decompresses the zlib message', () => {
    expect(decodeAll('v21-zlib')[0]?.args).toEqual([2, 3]);
  });

  it('refuses the pickle message with CONTENT_DISALLOWED, naming the task', () => {
    const { message } = decodeRedisEnvelope(fixture(all, 'v24-pickle').elements[0]?.raw ?? '');
    expect(() => decodeTaskMessage(message, opts)).toThrow(expect.objectContaining({
      code: 'CELERIAC_PROTOCOL_CONTENT_DISALLOWED', taskId: '00000024-0000-4000-8000-000000000024', taskName: 'tapp.add' }));
  });

  describe.each(BYTE_EQUAL)('re-encoding %s from its decoded fields', (name) => {
    it('gives Python\'s exact header JSON, body bytes and properties', () => {
      for (const element of fixture(all, name).elements) {
        const { message, envelope } = decodeRedisEnvelope(element.raw);
        const m = decodeTaskMessage(message, opts);
        const fromWire = REPR_FROM_WIRE.has(name);
        const out = encodeTaskMessage({ ...m, argsRepr: fromWire ? m.argsRepr : null, kwargsRepr: fromWire ? m.kwargsRepr : null }, new Date(0));
        expect(JSON.stringify(out.headers)).toBe(JSON.stringify(message.headers));
        expect(out.body.toString('base64')).toBe(envelope.body);
        const { delivery_info: _i, body_encoding: _b, delivery_tag: _t, expiration, ...rest } = message.properties;
        const { expiration: ourExpiration, ...ours } = out.properties;
        expect(ours).toEqual(rest);
        expect(ourExpiration === undefined).toBe(expiration === undefined);
      }
    });
  });

  it('reproduces the reprs of the list/tuple cases given the Python shapes', () => {
    expect(pythonRepr([1, 2])).toBe('[1, 2]');
    const heavy = decodeAll('v22-kwargs-heavy')[0] as TaskMessage;
    const repr = pythonRepr(heavy.kwargs);
    expect(repr.replace("'tuple': [1]", "'tuple': (1,)")).toBe(heavy.kwargsRepr);
  });

  it('computes expiration "60000" for expires=60 as Python does', () => {
    const now = new Date('2026-11-21T05:02:24.209447Z');
    expect(encodeTaskMessage({ task: 't', id: 'i', expiresSec: 60 }, now).properties.expiration).toBe('60000');
  });

  it('re-encodes the zlib message to the same JSON (Node\'s deflate bytes differ from CPython\'s)', () => {
    const { message } = decodeRedisEnvelope(fixture(all, 'v21-zlib').elements[0]?.raw ?? '');
    const m = decodeTaskMessage(message, opts);
    const out = encodeTaskMessage({ ...m, compression: 'zlib' }, new Date(0));
    expect(out.headers.compression).toBe('application/x-gzip');
    expect(JSON.stringify(out.headers)).toBe(JSON.stringify(message.headers));
    expect(inflateSync(out.body).equals(inflateSync(message.body))).toBe(true);
  });

  it('pythonRepr reproduces every captured argsrepr/kwargsrepr that JSON can carry', () => {
    for (const name of BYTE_EQUAL.filter((n) => !REPR_FROM_WIRE.has(n))) {
      for (const element of fixture(all, name).elements) {
        const m = decodeTaskMessage(decodeRedisEnvelope(element.raw).message, opts);
        expect([name, pythonRepr(m.args, { tuple: true, maxChars: 1024 })]).toEqual([name, m.argsRepr]);
        expect([name, pythonRepr(m.kwargs, { maxChars: 1024 })]).toEqual([name, m.kwargsRepr]);
      }
    }
  });
});
