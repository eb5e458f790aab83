import type { KombuMessage } from '../kombu-message';
import { encodePythonJsonWithFloats, pyFloat, type PythonFloat } from './python-float';

/** The `celeryev` exchange every event is published on (Celery's `event_exchange`). */
export const EVENT_EXCHANGE = 'celeryev';

/** One event body, keys in Python's order; numbers that Python sends as floats are PythonFloat. */
export type EventBody = Record<string, unknown>;

/** Who sends, and when: the fields every event carries (`EventDispatcher.publish`). */
export interface EventOrigin {
  /** Node name, e.g. `celery@host`. */
  hostname: string;
  /** Process id. */
  pid: number;
  /** Lamport clock value, already forwarded for this event. */
  clock: number;
  /** Send time, epoch seconds (float, as `time.time()`). */
  timestampSec: number;
  /** `Date#getTimezoneOffset()` at send time (minutes west of UTC). */
  timezoneOffsetMin: number;
}

/**
 * Python's `celery.utils.time.utcoffset()`: `time.timezone // 3600`, hours **west** of UTC floored
 * (UTC+2 → -2, UTC+5:30 → -6). `getTimezoneOffset` already counts DST as `altzone` does.
 */
export function buildUtcOffset(timezoneOffsetMin: number): number {
  return Math.floor((timezoneOffsetMin * 60) / 3600);
}

/** Routing key of an event type: `-` becomes `.` (`task-succeeded` → `task.succeeded`). */
export function buildEventRoutingKey(type: string): string {
  return type.replace(/-/g, '.');
}

/**
 * An event body as `celery.events.Event` builds it: `hostname, utcoffset, pid, clock`, then the
 * type's own fields in order, then `timestamp` (float seconds) and `type`.
 */
export function buildEvent(type: string, origin: EventOrigin, fields: EventBody): EventBody {
  return {
    hostname: origin.hostname,
    utcoffset: buildUtcOffset(origin.timezoneOffsetMin),
    pid: origin.pid,
    clock: origin.clock,
    ...fields,
    timestamp: pyFloat(origin.timestampSec),
    type,
  };
}

/** Software identity sent in worker events (`SOFTWARE_INFO`); Flower shows it as free text. */
export interface SoftwareInfo {
  /** `sw_ident`, e.g. `celeriac` (Python sends `py-celery`). */
  ident: string;
  /** `sw_ver`, e.g. `0.1.0`. */
  version: string;
  /** `sw_sys`, `platform.system()` style: `Linux`, `Darwin`, `Windows`. */
  system: string;
}

/** Live numbers a worker heartbeat reports. */
export interface HeartbeatStats {
  /** Heartbeat interval, seconds. */
  freqSec: number;
  /** Tasks executing now. */
  active: number;
  /** Tasks accepted since start. */
  processed: number;
  /** 1/5/15-minute load averages. */
  loadavg: readonly number[];
}

/** Fields of `worker-online` / `worker-heartbeat` / `worker-offline`, as `celery.worker.heartbeat.Heart._send`. */
export function buildWorkerEventFields(stats: HeartbeatStats, software: SoftwareInfo): EventBody {
  return {
    freq: pyFloat(stats.freqSec),
    active: stats.active,
    processed: stats.processed,
    // load_average() rounds each to 2 decimals
    loadavg: stats.loadavg.slice(0, 3).map((l) => pyFloat(Math.round(l * 100) / 100)),
    ...buildSoftwareFields(software),
  };
}

/** `sw_ident`, `sw_ver`, `sw_sys` (also the whole payload of a `heartbeat`-command heartbeat, with `freq`). */
export function buildSoftwareFields(software: SoftwareInfo): EventBody {
  return { sw_ident: software.ident, sw_ver: software.version, sw_sys: software.system };
}

/**
 * An event message as `EventDispatcher._publish` sends it: JSON body (one event, or a list for
 * `task.multi`), headers `{hostname}`, transient delivery.
 */
export function encodeEventMessage(body: EventBody | EventBody[], hostname: string): KombuMessage {
  return encodeEventMessageText(encodePythonJsonWithFloats(body), hostname);
}

/** encodeEventMessage for a body already written as JSON text (task events, `encodeTaskEvent`). */
export function encodeEventMessageText(json: string, hostname: string): KombuMessage {
  return {
    body: Buffer.from(json, 'utf-8'),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { hostname },
    properties: { delivery_mode: 1 },
  };
}

/** Re-export for callers building fields by hand. */
export type { PythonFloat };
