import type { ControlHandler } from './control-context';
import { disableEvents, election, enableEvents, heartbeat } from './commands/events';
import { active, queryTask, reserved, scheduled } from './commands/inspect-requests';
import { rateLimit, timeLimit } from './commands/limits';
import { addConsumer, autoscale, cancelConsumer, poolGrow, poolRestart, poolShrink, shutdown } from './commands/pool';
import { activeQueues, conf, registered, report } from './commands/registry';
import { hello, revoke, revoked, terminate } from './commands/revoke';
import { revokeByStampedHeaders } from './commands/revoke-by-stamped-headers';
import { clock, ping, stats } from './commands/stats';

/** Every remote control command celeriac answers, by Celery's name (aliases included, as `Panel.data`). */
export const CONTROL_HANDLERS: Readonly<Record<string, ControlHandler>> = Object.freeze({
  // inspect
  ping,
  stats,
  clock,
  active,
  dump_active: active,
  reserved,
  dump_reserved: reserved,
  scheduled,
  dump_schedule: scheduled,
  query_task: queryTask,
  revoked,
  dump_revoked: revoked,
  registered,
  dump_tasks: registered,
  active_queues: activeQueues,
  conf,
  dump_conf: conf,
  report,
  hello,
  // control
  revoke,
  terminate,
  revoke_by_stamped_headers: revokeByStampedHeaders,
  rate_limit: rateLimit,
  time_limit: timeLimit,
  enable_events: enableEvents,
  disable_events: disableEvents,
  heartbeat,
  election,
  pool_grow: poolGrow,
  pool_shrink: poolShrink,
  pool_restart: poolRestart,
  autoscale,
  add_consumer: addConsumer,
  cancel_consumer: cancelConsumer,
  shutdown,
});
