import { buildTaskEventFields, type TaskEventName } from '../../../../src/protocol/events/build-task-event-fields';
import { buildEvent, type EventBody } from '../../../../src/protocol/events/encode-event';
import { encodePythonJson } from '../../../../src/protocol/python-json';
import type { Clock } from '../../../../src/worker/clock';
import { buildTaskEventData, type TaskEventInput } from '../../../../src/worker/events/build-task-event-data';
import { PYTHON_EVENT_REPRS } from '../../../../src/worker/events/python-event-reprs';
import { EventDispatcher } from '../../../../src/worker/events/event-dispatcher';
import { LamportClock } from '../../../../src/worker/events/lamport-clock';
import { FakeTransport, FakeWorker, bodyOf, makeRequest, testReprs, type Published } from '../control/fake-worker';

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Clock {
  nowMs = 1_795_234_917_916;
  private timers: Array<{ at: number; fn: () => void }> = [];
  now(): number { return this.nowMs; }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.nowMs + ms, fn };
    this.timers.push(timer);
    return () => { this.timers = this.timers.filter((t) => t !== timer); };
  }
  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.timers.filter((t) => t.at <= this.nowMs);
    this.timers = this.timers.filter((t) => t.at > this.nowMs);
    for (const t of due) t.fn();
  }
  get pending(): number { return this.timers.length; }
}

function setup(sendTaskEvents = false, batchTaskEvents = false) {
  const transport = new FakeTransport();
  const worker = new FakeWorker();
  const time = new ManualClock();
  const sent: string[] = [];
  const counted: Array<[string, number]> = [];
  const dispatcher = new EventDispatcher({
    transport, inspector: worker, clock: new LamportClock(), reprs: testReprs, heartbeatIntervalSec: 2,
    sendTaskEvents, batchTaskEvents, timeSource: time, pid: 777, loadavg: () => [0.5, 0.25, 0.125], onPublished: (t, n) => { counted.push([t, n]); for (let i = 0; i < n; i++) sent.push(t); },
  });
  return { transport, worker, time, dispatcher, sent, counted };
}

const types = (published: Published[]): string[] => published.map((p) => bodyOf(p).type as string);

describe('EventDispatcher', () => {
  it('sends worker-online, a heartbeat every freq seconds, and worker-offline on close', async () => {
    const { transport, worker, time, dispatcher, sent } = setup();
    worker.active = [makeRequest('a')];
    await dispatcher.start();
    const online = transport.published[0] as Published;
    expect(online.kind).toBe('fanout');
    expect(online.exchange).toBe('celeryev');
    expect(online.routingKey).toBe('worker.online');
    expect(online.message.headers).toEqual({ hostname: 'ts1@host' });
    expect(online.message.body.toString()).toContain('"freq": 2.0, "active": 1, "processed": 9, "loadavg": [0.5, 0.25, 0.13]');
    expect(Object.keys(bodyOf(online))).toEqual([
      'hostname', 'utcoffset', 'pid', 'clock', 'freq', 'active', 'processed', 'loadavg', 'sw_ident', 'sw_ver', 'sw_sys', 'timestamp', 'type',
    ]);
    expect(bodyOf(online)).toMatchObject({ hostname: 'ts1@host', pid: 777, clock: 1, sw_ident: 'celeriac', timestamp: 1795234917.916 });

    time.advance(1999);
    expect(transport.published).toHaveLength(1);
    time.advance(1);
    const beat = await transport.waitFor((p) => p.routingKey === 'worker.heartbeat');
    expect(bodyOf(beat).clock).toBe(2);
    time.advance(2000);
    await transport.waitFor((p) => bodyOf(p).clock === 3);

    await dispatcher.close();
    expect(types(transport.published)).toEqual(['worker-online', 'worker-heartbeat', 'worker-heartbeat', 'worker-offline']);
    expect(time.pending).toBe(0);
    expect(sent).toEqual(['worker-online', 'worker-heartbeat', 'worker-heartbeat', 'worker-offline']);
    await dispatcher.close(); // idempotent
    expect(transport.published).toHaveLength(4);
  });

  it('sends task events only while enabled, mapped to Celery’s wire fields', async () => {
    const { transport, dispatcher } = setup(false);
    await dispatcher.start();
    dispatcher.taskEvent('task-received', { uuid: 'u1', name: 'tapp.add', args: [2, 3], kwargs: {} });
    expect(dispatcher.enableTaskEvents()).toBe(true);
    expect(dispatcher.enableTaskEvents()).toBe(false);
    dispatcher.taskEvent('task-received', { uuid: 'u2', name: 'tapp.add', args: [2], kwargs: { a: 1 }, argsRepr: null, eta: null });
    dispatcher.taskEvent('task-succeeded', { uuid: 'u2', result: 'done', runtimeSec: 0.25 });
    dispatcher.taskEvent('task-failed', { uuid: 'u3', error: new TypeError('boom'), runtimeSec: 1 });
    const failed = await transport.waitFor((p) => p.routingKey === 'task.failed');
    expect(dispatcher.disableTaskEvents()).toBe(true);
    dispatcher.taskEvent('task-started', { uuid: 'u4' });
    await dispatcher.close();

    expect(types(transport.published)).toEqual(['worker-online', 'task-received', 'task-succeeded', 'task-failed', 'worker-offline']);
    const received = bodyOf(transport.published[1] as Published);
    expect(received).toMatchObject({ uuid: 'u2', name: 'tapp.add', args: '(2,)', kwargs: "{'a': 1}", retries: 0, eta: null, type: 'task-received' });
    expect((transport.published[2] as Published).message.body.toString()).toContain('"uuid": "u2", "result": "\'done\'", "runtime": 0.25');
    expect(bodyOf(failed)).toMatchObject({ uuid: 'u3', exception: "TypeError('boom')" });
    expect(bodyOf(failed).traceback).toContain('TypeError: boom');
  });

  it('answers the heartbeat command with freq 5 and the software fields only', async () => {
    const { transport, dispatcher } = setup();
    await dispatcher.start();
    await dispatcher.sendRequestedHeartbeat();
    await dispatcher.close();
    const body = bodyOf(transport.published[1] as Published);
    expect(Object.keys(body)).toEqual(['hostname', 'utcoffset', 'pid', 'clock', 'freq', 'sw_ident', 'sw_ver', 'sw_sys', 'timestamp', 'type']);
    expect((transport.published[1] as Published).message.body.toString()).toContain('"freq": 5, "sw_ident"');
  });

  it('never throws when the broker is down (events are fire-and-forget)', async () => {
    const { transport, dispatcher, sent } = setup(true);
    const warnings: unknown[] = [];
    const quiet = new EventDispatcher({
      transport, inspector: new FakeWorker(), clock: new LamportClock(), reprs: testReprs, sendTaskEvents: true,
      timeSource: new ManualClock(), logger: { warn: (obj: unknown) => warnings.push(obj), debug: () => undefined } as never,
    });
    transport.failPublish = true;
    await quiet.start();
    expect(() => quiet.taskEvent('task-started', { uuid: 'x' })).not.toThrow();
    await quiet.close();
    await dispatcher.close();
    expect(warnings.length).toBe(3);
    expect(sent).toEqual([]);
  });
});

describe('EventDispatcher with the real Python reprs', () => {
  it('writes exceptions, results and args as a Python worker does', async () => {
    const transport = new FakeTransport();
    const dispatcher = new EventDispatcher({
      transport, inspector: new FakeWorker(), clock: new LamportClock(), sendTaskEvents: true, batchTaskEvents: false,
      timeSource: new ManualClock(),
    });
    await dispatcher.start();
    dispatcher.taskEvent('task-received', { uuid: 'u', name: 't', args: ['é', 1], kwargs: { k: null } });
    dispatcher.taskEvent('task-succeeded', { uuid: 'u', result: { ok: true }, runtimeSec: 0.5 });
    dispatcher.taskEvent('task-failed', { uuid: 'v', error: new RangeError('boom') });
    await transport.waitFor((p) => p.routingKey === 'task.failed');
    await dispatcher.close();
    const [, received, succeeded, failed] = transport.published.map(bodyOf);
    expect(received).toMatchObject({ args: "('é', 1)", kwargs: "{'k': None}" });
    expect(succeeded).toMatchObject({ result: "{'ok': True}" });
    expect(failed.exception).toBe("ValueError('boom')");
    expect(failed.traceback).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(failed.traceback).toMatch(/ValueError: boom\n$/);
  });
});

describe('EventDispatcher task event batching', () => {
  it('sends the events of one turn as a task.multi list, a lone event as itself, and flushes at 24 and on close', async () => {
    const { transport, dispatcher, sent, counted } = setup(true, true);
    await dispatcher.start();
    dispatcher.taskEvent('task-received', { uuid: 'a', name: 't' });
    dispatcher.taskEvent('task-started', { uuid: 'a' });
    dispatcher.taskEvent('task-succeeded', { uuid: 'a', result: 1, runtimeSec: 0.1 });
    const multi = await transport.waitFor((p) => p.routingKey === 'task.multi');
    const events = bodyOf(multi);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(events.map((e: { clock: number }) => e.clock)).toEqual([2, 3, 4]);
    expect(multi.message.headers).toEqual({ hostname: 'ts1@host' });

    dispatcher.taskEvent('task-started', { uuid: 'b' });
    const single = await transport.waitFor((p) => p.routingKey === 'task.started');
    expect(bodyOf(single)).toMatchObject({ uuid: 'b', type: 'task-started' });

    for (let i = 0; i < 30; i++) dispatcher.taskEvent('task-started', { uuid: `c${i}` });
    // the 24th event flushed synchronously; the other 6 wait for the turn to end, or close()
    const batches = transport.published.filter((p) => p.routingKey === 'task.multi');
    expect(batches.map((p) => bodyOf(p).length)).toEqual([3, 24]);
    await dispatcher.close();
    const all = transport.published.filter((p) => p.routingKey === 'task.multi').map((p) => bodyOf(p).length);
    expect(all).toEqual([3, 24, 6]);
    expect(types(transport.published).pop()).toBe('worker-offline');
    expect(sent.filter((t) => t.startsWith('task-'))).toHaveLength(34);
    // one call a type a message: the first batch reports each of its three types once
    expect(counted.slice(1, 4)).toEqual([['task-received', 1], ['task-started', 1], ['task-succeeded', 1]]);
    expect(counted.filter(([t]) => t === 'task-started').map(([, n]) => n)).toEqual([1, 1, 24, 6]);
  });
});

describe('EventDispatcher task event bytes', () => {
  it('publishes exactly the text of the general path (buildEvent + encodePythonJson), batched and alone', async () => {
    for (const batchTaskEvents of [true, false]) {
      const transport = new FakeTransport();
      const time = new ManualClock();
      const dispatcher = new EventDispatcher({
        transport, inspector: new FakeWorker(), clock: new LamportClock(), sendTaskEvents: true, batchTaskEvents, timeSource: time, pid: 777,
      });
      await dispatcher.start();
      const expected: EventBody[] = [];
      const emit = (type: TaskEventName, fields: TaskEventInput): void => {
        dispatcher.taskEvent(type, fields);
        const origin = {
          hostname: 'ts1@host', pid: 777, clock: expected.length + 2, timestampSec: time.nowMs / 1000,
          timezoneOffsetMin: new Date(time.nowMs).getTimezoneOffset(),
        };
        expected.push(buildEvent(type, origin, buildTaskEventFields(type, buildTaskEventData(fields, PYTHON_EVENT_REPRS))));
        time.nowMs += 0.123;
      };
      emit('task-received', { uuid: 'a', name: 'tapp.add', args: [2, 'é'], kwargs: { k: [null, 1.5] }, retries: 1, eta: new Date(0), expires: null, rootId: 'r' });
      emit('task-started', { uuid: 'a' });
      emit('task-succeeded', { uuid: 'a', result: { ok: '😀' }, runtimeSec: 2 });
      emit('task-failed', { uuid: 'b', error: new TypeError('boom "x"'), runtimeSec: 0.5 });
      emit('task-revoked', { uuid: 'c', terminated: true, expired: false, signum: 'SIGTERM' });
      emit('task-rejected', { uuid: 'd', error: new Error('no'), requeue: false });
      await dispatcher.close();
      const bodies = transport.published.slice(1, -1).map((p) => p.message.body.toString('utf-8'));
      expect(bodies).toEqual(batchTaskEvents ? [encodePythonJson(expected)] : expected.map((e) => encodePythonJson(e)));
    }
  });
});
