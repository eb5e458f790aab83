/** The bench's environment knobs (BENCH_*): one reader for both the bench and its RabbitMQ leg. */

/** `BENCH_QUICK=1`: every count shrinks to its quick value (a smoke run of a couple of minutes). */
export const QUICK = process.env.BENCH_QUICK === '1';

function knob(name: string, full: number, quick: number, integer: boolean): number {
  const v = process.env[name];
  if (v === undefined || v === '') return QUICK ? quick : full;
  const n = Number(v);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n <= 0) {
    throw new Error(`${name}=${v} is not a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/** A positive number knob (a delay, a duration); `full` by default, `quick` under BENCH_QUICK. */
export const num = (name: string, full: number, quick: number): number => knob(name, full, quick, false);

/** A count knob (tasks, runs, rounds, calls): a positive integer. */
export const count = (name: string, full: number, quick: number): number => knob(name, full, quick, true);
