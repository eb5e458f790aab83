import type Redis from 'ioredis';

/** What the stored result metas of one drain say. */
export interface DoneTimes {
  /** Result keys found. */
  count: number;
  /** Metas with status SUCCESS. */
  succeeded: number;
  /** Every parseable date_done, epoch ms (sub-ms precision kept), sorted ascending. */
  times: Float64Array;
}

/**
 * Parses a result meta's date_done: Python's isoformat (`2025-01-02T03:04:05.123456+00:00`, microseconds)
 * or JavaScript's toISOString (`...05.123Z`, celery-node). A naive time is taken as UTC. NaN when unparseable.
 */
export function parseDateDone(text: unknown): number {
  if (typeof text !== 'string') return NaN;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text);
  if (!m) return NaN;
  const whole = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  const fraction = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + fraction;
}

/** Scans every `celery-task-meta-*` key of the result DB (SCAN + MGET in chunks) and collects date_done. */
export async function readDoneTimes(results: Redis, chunk = 2000): Promise<DoneTimes> {
  const times: number[] = [];
  let count = 0;
  let succeeded = 0;
  let cursor = '0';
  do {
    const [next, keys] = await results.scan(cursor, 'MATCH', 'celery-task-meta-*', 'COUNT', chunk);
    cursor = next;
    for (let i = 0; i < keys.length; i += chunk) {
      const values = await results.mget(keys.slice(i, i + chunk));
      for (const v of values) {
        if (v === null) continue;
        count++;
        try {
          const meta = JSON.parse(v) as { status?: string; date_done?: unknown };
          if (meta.status === 'SUCCESS') succeeded++;
          const t = parseDateDone(meta.date_done);
          if (!Number.isNaN(t)) times.push(t);
        } catch {
          // not JSON: counted, no time
        }
      }
    }
  } while (cursor !== '0');
  const sorted = Float64Array.from(times).sort();
  return { count, succeeded, times: sorted };
}

/**
 * Steady-state rate from completion times: (n - burst) / (last - first), tasks/s. `burst` is how many
 * completions the first instant stands for: 1 for no-op drains; the concurrency for sleep tasks, whose
 * first `c` all finish together at `first` (so the span holds n - c completions). Undefined under 2 points.
 */
export function steadyRate(times: Float64Array, burst = 1): number | undefined {
  const n = times.length;
  if (n < 2 || n <= burst) return undefined;
  const span = ((times[n - 1] as number) - (times[0] as number)) / 1000;
  return span > 0 ? (n - burst) / span : undefined;
}
