import { buildSignatureMessage } from '../../../src/canvas/build-signature-message';
import { CanvasError } from '../../../src/canvas/canvas-error';
import { buildSignatureWire, encodeSignature, parseSignature } from '../../../src/canvas/signature';
import { ProtocolError } from '../../../src/errors/celeriac-error';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import { loadFollowUps, producerProperties, taskMessageOf, tid, viewEnvelope } from './python-followups';

const fx = loadFollowUps();
const byId = (list: string[], id: string): string => list.find((raw) => viewEnvelope(raw).headers.id === id) as string;
const base = { now: new Date('2026-11-21T05:00:00.250Z'), hostname: 'gen1@host', replyTo: 'oid-1' };

describe('buildSignatureMessage', () => {
  it('chord body after the last header member: results prepended, group = chord gid, parent = last member (vector 10)', () => {
    const lastHeader = taskMessageOf(byId(fx.consumed, tid(1002)));
    const python = decodeRedisEnvelope(byId(fx.followUps, tid(1003))).message;
    const body = parseSignature(lastHeader.embed.chord, 'embed.chord');
    const planned = buildSignatureMessage(body, { ...base, hostname: python.headers.origin as string, parent: lastHeader, prependArgs: [[2, 4]] });
    expect(planned.message.body.toString()).toBe(python.body.toString());
    expect(planned.message.headers).toEqual(python.headers);
    expect(planned.message.properties).toEqual(producerProperties(python.properties));
    expect(planned.taskId).toBe(tid(1003));
  });

  it('maps options: countdown, expires, time limits, shadow, priority, headers, link/link_error, queue', () => {
    const sig = parseSignature({ task: 't.x', args: [1], kwargs: { k: 'é' }, options: {
      countdown: 10, expires: 60, time_limit: 30, soft_time_limit: 20, shadow: 'alias', priority: 5, headers: { 'x-custom': 'v' },
      link: { task: 't.cb', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false }, queue: 'q2', ignore_result: true,
    }, subtask_type: null, immutable: false });
    const { message, route, taskId } = buildSignatureMessage(sig, { ...base, parent: null, newId: () => 'id-1' });
    expect(taskId).toBe('id-1');
    expect(route).toEqual({ exchange: '', routingKey: 'q2' });
    expect(message.headers).toMatchObject({
      id: 'id-1', root_id: 'id-1', parent_id: null, eta: '2026-11-21T05:00:10.250000+00:00', expires: '2026-11-21T05:01:00.250000+00:00',
      timelimit: [30, 20], shadow: 'alias', ignore_result: true, origin: 'gen1@host', argsrepr: '[1]', kwargsrepr: "{'k': 'é'}", 'x-custom': 'v',
    });
    expect(Object.keys(message.headers).at(-1)).toBe('x-custom');
    expect(message.properties).toEqual({ correlation_id: 'id-1', reply_to: 'oid-1', delivery_mode: 2, expiration: '60000', priority: 5 });
    expect(message.body.toString()).toBe('[[1], {"k": "\\u00e9"}, {"callbacks": [{"task": "t.cb", "args": [], "kwargs": {}, "options": {}, "subtask_type": null, "immutable": false}], "errbacks": null, "chain": null, "chord": null}]');
  });

  it('explicit exchange routes by binding; no queue uses the router; group_id of the signature wins', () => {
    const sig = parseSignature({ task: 't.x', options: { exchange: 'ex', routing_key: 'rk', group_id: 'mine' } });
    const planned = buildSignatureMessage(sig, { ...base, parent: null, options: { group_id: 'theirs', group_index: 2 } });
    expect(planned.route).toEqual({ exchange: 'ex', routingKey: 'rk' });
    expect(planned.message.headers).toMatchObject({ group: 'mine', group_index: 2 });
    const routed = buildSignatureMessage(parseSignature({ task: 't.y' }), { ...base, parent: null, router: () => ({ exchange: '', routingKey: 'fast', priority: 7 }) });
    expect(routed.route).toEqual({ exchange: '', routingKey: 'fast' });
    expect(routed.message.properties.priority).toBe(7);
  });

  it('expires in the past gives expiration "0"; bad options are refused by name', () => {
    const planned = buildSignatureMessage(parseSignature({ task: 't', options: { expires: '2020-01-01T00:00:00+00:00' } }), { ...base, parent: null });
    expect(planned.message.properties.expiration).toBe('0');
    expect(planned.message.headers.expires).toBe('2020-01-01T00:00:00+00:00');
    expect(() => buildSignatureMessage(parseSignature({ task: 't', options: { countdown: 'soon' } }), { ...base, parent: null })).toThrow('option countdown must be a number');
    expect(() => buildSignatureMessage(parseSignature({ task: 't', options: { eta: 'tomorrow' } }), { ...base, parent: null })).toThrow('option eta must be seconds or an ISO-8601 date');
    expect(() => buildSignatureMessage(parseSignature({ task: 't', subtask_type: 'group' }), { ...base, parent: null })).toThrow(CanvasError);
  });
});

describe('parseSignature', () => {
  it('round-trips a Python signature and keeps chord_size only when present', () => {
    const wire = { task: 'a', args: [1], kwargs: {}, options: { task_id: 'x' }, subtask_type: null, immutable: true, chord_size: 3 };
    const sig = parseSignature(wire);
    expect(sig).toEqual({ task: 'a', args: [1], kwargs: {}, options: { task_id: 'x' }, subtaskType: null, immutable: true, chordSize: 3 });
    expect(encodeSignature(sig)).toEqual(wire);
    expect(encodeSignature(parseSignature({ task: 'b' }))).toEqual({ task: 'b', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false });
  });

  it.each([
    [null, 'signature is not an object'],
    [{ task: '' }, 'signature.task must be a non-empty string'],
    [{ task: 'a', kwargs: [] }, 'signature.kwargs must be an object'],
    [{ task: 'a', options: 'x' }, 'signature.options must be an object'],
    [{ task: 'a', subtask_type: 3 }, 'signature.subtask_type must be a string or null'],
    [{ task: 'a', immutable: 'yes' }, 'signature.immutable must be a boolean'],
    [{ task: 'a', chord_size: 1.5 }, 'signature.chord_size must be an integer or null'],
  ])('rejects %j', (wire, text) => {
    expect(() => parseSignature(wire)).toThrow(ProtocolError);
    expect(() => parseSignature(wire)).toThrow(text);
  });
});

describe('buildSignatureWire', () => {
  it('writes what Python task.s()/si() serialises', () => {
    expect(buildSignatureWire('canvas.add', { args: [10], options: { task_id: 'x' } }))
      .toEqual({ task: 'canvas.add', args: [10], kwargs: {}, options: { task_id: 'x' }, subtask_type: null, immutable: false });
    expect(buildSignatureWire('t', { immutable: true }).immutable).toBe(true);
  });
});
