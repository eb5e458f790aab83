import { CeleriacError } from '../errors/celeriac-error';

/**
 * A beat schedule that cannot be used. `problems` lists every problem found, one line each, each
 * naming the entry, the field and the reason (`entry "cleanup": schedule.crontab.hour: "25" is out
 * of range 0-23`).
 */
export class ScheduleError extends CeleriacError {
  /** One line per problem, in the order found. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CELERIAC_BEAT_BAD_SCHEDULE', `invalid beat schedule:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}
