// before_task_publish / after_task_publish around each run beat sends, as Celery's beat sends them
// through send_task: a receiver may change the headers before the run is committed; after only
// when the run was really sent. And a broker beat cannot hold its record on is refused by name.
import pino from 'pino';
import { Signals, type PublishPayload } from '../../../src/app/signals';
import type { BeatLease, BeatStateStore, CommitOutcome, RunCommit } from '../../../src/beat/beat-state-store';
import { runBeat, runBeatLoop } from '../../../src/beat/run-beat';
import { loadBeatSchedule } from '../../../src/beat/schedule-file';

const lease: BeatLease = { token: 'tok', acquire: () => Promise.resolve(1), renew: () => Promise.resolve(true), release: () => Promise.resolve() };

async function sendTwice(outcomes: CommitOutcome[], signals: Signals): Promise<RunCommit[]> {
  const commits: RunCommit[] = [];
  const controller = new AbortController();
  const store: BeatStateStore = {
    load: () => Promise.resolve(new Map()),
    commitRun: (c) => {
      // The message as committed: a copy, so later changes by receivers cannot leak in.
      commits.push(structuredClone(c));
      if (commits.length === outcomes.length) controller.abort();
      return Promise.resolve(outcomes[commits.length - 1] ?? 'sent');
    },
  };
  const schedule = loadBeatSchedule({ tick: { task: 't.tick', schedule: 0.02, options: { queue: 'q1' } } }, 'UTC');
  await runBeatLoop(schedule, { lease, store, logger: pino({ level: 'silent' }), leaseMs: 3000, now: () => Date.now(), signal: controller.signal, signals,
    sender: { origin: 'gen1@test', replyTo: 'oid-1', defaultQueue: 'celery' } }, { timezone: 'UTC', missedRunPolicy: 'run-once' });
  return commits;
}

describe('beat publish signals', () => {
  it('runs before_task_publish before the commit (its header change is sent) and after_task_publish only for a run really sent', async () => {
    const signals = new Signals();
    const before: PublishPayload[] = [];
    const after: string[] = [];
    signals.connect('before_task_publish', async (p) => {
      await new Promise((r) => setImmediate(r));
      p.headers.trace_id = `trace-${before.push(p)}`;
    });
    signals.connect('after_task_publish', (p) => { after.push(String(p.headers.trace_id)); });
    const commits = await sendTwice(['sent', 'already-sent'], signals);
    expect(commits).toHaveLength(2);
    expect(commits.map((c) => c.message.headers.trace_id)).toEqual(['trace-1', 'trace-2']);
    expect(before[0]).toMatchObject({ taskName: 't.tick', taskId: commits[0]?.taskId, exchange: '', routingKey: 'q1' });
    expect(after).toEqual(['trace-1']); // the second run had been sent already (by another beat)
  });

  it('a broker beat cannot keep its record on is a clear error naming the broker, with the password hidden', async () => {
    const run = runBeat({ brokerUrl: 'sqs://key:s3cret@localhost:9324/', schedule: [], logger: pino({ level: 'silent' }), signal: new AbortController().signal });
    await expect(run).rejects.toMatchObject({ code: 'CELERIAC_BEAT_BROKER_UNSUPPORTED' });
    await expect(run).rejects.toThrow(/sqs:\/\/key:\*\*\*@localhost:9324/);
    await expect(run).rejects.not.toThrow(/s3cret/);
  });
});
