import pino from 'pino';
import { createBulkTasks, normalizePhoneNumber } from '../../../../src/tasks/bulk/create-bulk-tasks';
import { MessageRejectedError, type MessageSender, type OutboundMessage } from '../../../../src/tasks/bulk/message-sender';
import type { NewNotification, NotificationStore } from '../../../../src/tasks/bulk/notification-store';
import { ThrottledProgress } from '../../../../src/tasks/bulk/throttled-progress';

class FakeSender implements MessageSender {
  readonly byKey = new Map<string, OutboundMessage>();
  rejects = new Set<string>();
  outageAt = -1;
  calls = 0;
  async send(m: OutboundMessage): Promise<{ messageId: string; duplicate: boolean }> {
    if (this.calls++ === this.outageAt) throw new Error('gateway unreachable');
    if (this.rejects.has(m.to)) throw new MessageRejectedError(m.to, 'blocked');
    const duplicate = this.byKey.has(m.idempotencyKey);
    this.byKey.set(m.idempotencyKey, m);
    return { messageId: m.idempotencyKey, duplicate };
  }
}

class FakeNotifications implements NotificationStore {
  readonly stored = new Map<string, NewNotification>();
  constructor(private readonly users: Set<string>) {}
  async createNotification(n: NewNotification): Promise<'created' | 'duplicate' | 'unknown-user'> {
    if (!this.users.has(n.userId)) return 'unknown-user';
    if (this.stored.has(n.idempotencyKey)) return 'duplicate';
    this.stored.set(n.idempotencyKey, n);
    return 'created';
  }
}

function context(id = 'task-1') {
  const states: Array<{ state: string; meta: unknown }> = [];
  const ac = new AbortController();
  return {
    states, ac,
    task: { log: pino({ level: 'silent' }), signal: ac.signal, request: { id } as never,
      updateState: async (state: string, meta?: unknown) => { states.push({ state, meta }); } },
  };
}

describe('normalizePhoneNumber', () => {
  it('accepts E.164 with separators and 00, refuses the rest', () => {
    expect(normalizePhoneNumber(' +49 (151) 123-456.78 ')).toBe('+4915112345678');
    expect(normalizePhoneNumber('004915112345678')).toBe('+4915112345678');
    for (const bad of ['015112345678', '+0123456789', '+12', 'abc', '+1234567890123456']) expect(normalizePhoneNumber(bad)).toBeNull();
  });
});

describe('ThrottledProgress', () => {
  it('reports every N items or after the interval, always at the end, never twice for one count', async () => {
    const seen: number[] = [];
    let t = 0;
    const p = new ThrottledProgress({ total: 25, everyItems: 10, everyMs: 200, now: () => t, report: async (m) => { seen.push(m.current); } });
    for (let i = 1; i <= 25; i++) { if (i === 13) t += 200; await p.advance(i); }
    await p.advance(25);
    expect(seen).toEqual([10, 13, 23, 25]);
  });

  it('reports 0/0 once for an empty batch', async () => {
    const seen: unknown[] = [];
    const p = new ThrottledProgress({ total: 0, report: async (m) => { seen.push(m); } });
    await p.advance(0);
    await p.advance(0);
    expect(seen).toEqual([{ current: 0, total: 0 }]);
  });
});

describe('send_bulk_messages', () => {
  it('sends each valid number, counts invalid and rejected ones as failed, reports rising PROGRESS', async () => {
    const sender = new FakeSender();
    sender.rejects.add('+15550000003');
    const tasks = createBulkTasks({ messages: sender, notifications: new FakeNotifications(new Set()), progressEveryItems: 2, progressEveryMs: 60_000 });
    const { task, states } = context();
    const numbers = ['+15550000001', 'nope', '+15550000003', '+1 555 000 0004', '+15550000005'];
    const summary = await tasks.sendBulkMessages(task, numbers, 'Class moved to 10:00', 'sms');
    expect(summary).toEqual({ sent: 3, failed: 2, total: 5, failures: [
      { index: 1, recipient: 'nope', error: 'not a phone number in international form' },
      { index: 2, recipient: '+15550000003', error: 'message to +15550000003 rejected: blocked' },
    ] });
    expect(states.map((s) => s.state)).toEqual(['PROGRESS', 'PROGRESS', 'PROGRESS']);
    expect(states.map((s) => (s.meta as { current: number }).current)).toEqual([2, 4, 5]);
    expect(states[2]!.meta).toEqual({ current: 5, total: 5, sent: 3, failed: 2 });
    expect([...sender.byKey.values()].map((m) => [m.to, m.messageType])).toEqual([['+15550000001', 'sms'], ['+15550000004', 'sms'], ['+15550000005', 'sms']]);
  });

  it('an outage fails the task; the retry (same task id) sends only what is missing', async () => {
    const sender = new FakeSender();
    sender.outageAt = 2;
    const tasks = createBulkTasks({ messages: sender, notifications: new FakeNotifications(new Set()) });
    const numbers = ['+15550000001', '+15550000002', '+15550000003', '+15550000004'];
    await expect(tasks.sendBulkMessages(context('t9').task, numbers, 'hi')).rejects.toThrow('gateway unreachable');
    expect(sender.byKey.size).toBe(2);
    const summary = await tasks.sendBulkMessages(context('t9').task, numbers, 'hi');
    expect(summary).toMatchObject({ sent: 4, failed: 0, total: 4 });
    expect([...sender.byKey.keys()]).toEqual(['t9:0', 't9:1', 't9:2', 't9:3']);
  });

  it('stops when the task is aborted', async () => {
    const tasks = createBulkTasks({ messages: new FakeSender(), notifications: new FakeNotifications(new Set()) });
    const { task, ac } = context();
    ac.abort(new Error('revoked'));
    await expect(tasks.sendBulkMessages(task, ['+15550000001'], 'hi', 'sms')).rejects.toThrow('revoked');
  });

  it('validates its arguments', async () => {
    const tasks = createBulkTasks({ messages: new FakeSender(), notifications: new FakeNotifications(new Set()) });
    await expect(tasks.sendBulkMessages(context().task, 'not-a-list', 'hi', 'sms')).rejects.toMatchObject({ pythonType: 'ValueError' });
    await expect(tasks.sendBulkMessages(context().task, [], '', 'sms')).rejects.toMatchObject({ pythonType: 'ValueError' });
  });
});

describe('send_bulk_notifications', () => {
  it('stores one notification per known user, unknown users failed, idempotent per task and index', async () => {
    const store = new FakeNotifications(new Set(['u1', 'u2']));
    const tasks = createBulkTasks({ messages: new FakeSender(), notifications: store, now: () => new Date('2026-01-01T00:00:00Z') });
    const { task, states } = context('n1');
    expect(await tasks.sendBulkNotifications(task, ['u1', 'ghost', 'u2'], 'Maintenance', 'Down at 2am')).toEqual({
      sent: 2, failed: 1, total: 3, failures: [{ index: 1, recipient: 'ghost', error: 'no such user' }],
    });
    expect(states.at(-1)!.meta).toMatchObject({ current: 3, total: 3 });
    expect(await tasks.sendBulkNotifications(context('n1').task, ['u1', 'ghost', 'u2'], 'Maintenance', 'Down at 2am')).toMatchObject({ sent: 2, failed: 1 });
    expect(store.stored.size).toBe(2);
    expect(store.stored.get('n1:0')).toEqual({ userId: 'u1', title: 'Maintenance', message: 'Down at 2am', idempotencyKey: 'n1:0', createdAt: new Date('2026-01-01T00:00:00Z') });
  });
});
