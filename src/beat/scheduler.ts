import type { BeatEntry } from './beat-entry';
import { MinHeap } from './min-heap';
import { latestRunAtOrBefore, nextRunAt } from './next-run-at';

/**
 * What to do with runs whose time passed while no beat was sending (downtime, takeover, a pause):
 * `run-once` (default, as Celery) sends the latest missed run once; `skip` sends nothing for runs more
 * than `lateGraceMs` late and waits for the next one.
 */
export type MissedRunPolicy = 'run-once' | 'skip';

/** An entry's stored last run (what `BeatStateStore.load` returns). */
export interface StoredRun {
  /** Scheduled time of the last run sent. */
  lastRunAt: Date;
  /** `BeatEntry.fingerprint` of the schedule that produced it. */
  fingerprint: string;
}

/** One run to send now. */
export interface DueRun {
  entry: BeatEntry;
  /** The scheduled (nominal) time of this run; identifies it for exactly-once. */
  runAt: Date;
  /** When the message expires: `options.expires`, else the entry's next run (a backlog guard). */
  expiresAt: Date;
  /** True when earlier runs were missed and folded into this one (`run-once`). */
  coalesced: boolean;
}

/** Settings of a BeatScheduler. */
export interface BeatSchedulerOptions {
  /** IANA zone crontabs are read in (the app's `timezone`). */
  timezone: string;
  missedRunPolicy?: MissedRunPolicy;
  /** How late a run may be and still count as on time (for `skip`). Default 5000 ms. */
  lateGraceMs?: number;
}

/** Result of one tick. */
export interface TickResult {
  due: DueRun[];
  /** When the next entry is due: sleep until then (or until something else wakes the loop). */
  nextWakeAt: Date;
}

interface Slot {
  entry: BeatEntry;
  /** Scheduled time of the last run handled (sent or skipped), or the start time for a new entry. */
  cursor: Date;
  next: Date;
}

const IDLE_WAKE_MS = 60_000;

/**
 * Decides which entries are due. Pure apart from its own state: time comes in through `reset(now)` and
 * `tick(now)`, storage and sending are the caller's. Entries sit in a min-heap by next run time.
 */
export class BeatScheduler {
  private readonly heap = new MinHeap<Slot>();
  private readonly policy: MissedRunPolicy;
  private readonly lateGraceMs: number;

  constructor(private readonly entries: readonly BeatEntry[], private readonly options: BeatSchedulerOptions) {
    this.policy = options.missedRunPolicy ?? 'run-once';
    this.lateGraceMs = options.lateGraceMs ?? 5000;
  }

  /**
   * (Re)starts from stored state, as when this process becomes the sender. An entry resumes after its
   * stored last run when the fingerprint matches; otherwise (new or changed schedule) it starts at
   * `now`, so its first run is the first schedule time after now (an interval: one period after now,
   * as Celery does).
   */
  reset(state: ReadonlyMap<string, StoredRun>, now: Date): void {
    this.heap.clear();
    for (const entry of this.entries) {
      const stored = state.get(entry.name);
      const cursor = stored && stored.fingerprint === entry.fingerprint ? stored.lastRunAt : now;
      this.pushSlot({ entry, cursor, next: nextRunAt(entry.schedule, cursor, this.options.timezone) });
    }
  }

  /** Pops every entry due at `now`, applies the missed-run policy, and returns the runs to send. */
  tick(now: Date): TickResult {
    const due: DueRun[] = [];
    const nowMs = now.getTime();
    for (let top = this.heap.peek(); top && top.key <= nowMs; top = this.heap.peek()) {
      const slot = this.heap.pop()!.value;
      const tz = this.options.timezone;
      const latest = latestRunAtOrBefore(slot.entry.schedule, slot.cursor, now, tz) ?? slot.next;
      const next = nextRunAt(slot.entry.schedule, latest, tz);
      const late = nowMs - latest.getTime() > this.lateGraceMs;
      if (!(this.policy === 'skip' && late)) {
        due.push({ entry: slot.entry, runAt: latest, expiresAt: expiryOf(slot.entry, latest, next), coalesced: latest.getTime() > slot.next.getTime() });
      }
      this.pushSlot({ entry: slot.entry, cursor: latest, next });
    }
    const head = this.heap.peek();
    return { due, nextWakeAt: new Date(head ? head.key : nowMs + IDLE_WAKE_MS) };
  }

  /** Next scheduled run per entry name (for logs and inspection). */
  upcoming(): Map<string, Date> {
    const out = new Map<string, Date>();
    const drained: Slot[] = [];
    for (let item = this.heap.pop(); item; item = this.heap.pop()) drained.push(item.value);
    for (const slot of drained) {
      out.set(slot.entry.name, slot.next);
      this.pushSlot(slot);
    }
    return out;
  }

  private pushSlot(slot: Slot): void {
    this.heap.push(slot.next.getTime(), slot);
  }
}

function expiryOf(entry: BeatEntry, runAt: Date, next: Date): Date {
  if (entry.options.expiresAt) return entry.options.expiresAt;
  if (entry.options.expiresSec !== undefined) return new Date(runAt.getTime() + entry.options.expiresSec * 1000);
  return next;
}
