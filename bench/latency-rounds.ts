/** Summaries of one latency case over interleaved rounds (the bench's latency section). Pure. */
import type { LatencyRun } from './bench-core';
import { fmt, median } from './bench-format';

/** One worker's runs of one case, one per round (undefined: not run in that round). */
export interface LatencySummary {
  p50?: number;
  p99?: number;
  p50s: number[];
  p99s: number[];
  firstGetFound?: number;
  cpuUsPerCall?: number;
  /** Set when no round gave figures: the first error (an `n/a: ...` reason or a failure). */
  error?: string;
}

function measured(run: LatencyRun | undefined): run is LatencyRun & { p50: number; p99: number } {
  return run !== undefined && run.error === undefined && typeof run.p50 === 'number' && typeof run.p99 === 'number';
}

/** Medians over the rounds that gave figures. */
export function summarizeRounds(runs: ReadonlyArray<LatencyRun | undefined>): LatencySummary {
  const ok = runs.filter(measured);
  if (ok.length === 0) return { p50s: [], p99s: [], error: runs.find((r) => r?.error !== undefined)?.error ?? 'not run' };
  const p50s = ok.map((r) => r.p50);
  const p99s = ok.map((r) => r.p99);
  return {
    p50: median(p50s), p99: median(p99s), p50s, p99s,
    firstGetFound: median(ok.flatMap((r) => (typeof r.firstGetFound === 'number' ? [r.firstGetFound] : []))),
    cpuUsPerCall: median(ok.flatMap((r) => (r.workerCpuUsPerCall === undefined ? [] : [r.workerCpuUsPerCall]))),
  };
}

/** `median (min–max)` in ms, the median alone for one round, `n/a` / `error` without figures. */
export function latencyCell(s: LatencySummary, k: 'p50' | 'p99'): string {
  if (s.error !== undefined) return s.error.startsWith('n/a') ? 'n/a' : 'error';
  const xs = k === 'p50' ? s.p50s : s.p99s;
  const m = fmt(s[k], 2);
  return xs.length < 2 ? m : `${m} (${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)})`;
}

/**
 * In how many rounds `mine` was at or below every peer's figure of the same round, out of the rounds
 * where `mine` and at least one peer were measured. Peers not measured in a round are left out of it.
 */
export function roundsAtOrBelow(mine: ReadonlyArray<LatencyRun | undefined>, peers: ReadonlyArray<ReadonlyArray<LatencyRun | undefined>>,
  k: 'p50' | 'p99'): { won: number; of: number } {
  let won = 0;
  let of = 0;
  mine.forEach((run, round) => {
    const others = peers.map((p) => p[round]).filter(measured);
    if (!measured(run) || others.length === 0) return;
    of += 1;
    if (others.every((o) => run[k] <= o[k])) won += 1;
  });
  return { won, of };
}
