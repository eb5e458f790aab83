import { encodePythonJson, encodePythonJsonString, isPlainAscii } from '../python-json';
import { buildTaskEventFields, isoOrNull, type TaskEventData, type TaskEventName } from './build-task-event-fields';
import { buildEvent, buildUtcOffset, type EventOrigin } from './encode-event';
import { pythonFloatText } from './python-float';

/**
 * The JSON text of one task event, written directly: byte for byte what
 * `encodePythonJson(buildEvent(type, origin, buildTaskEventFields(type, data)))` gives (the general
 * path, kept as the reference; a unit test compares the two over many inputs), without building the
 * two objects and walking them. Every task event goes through here, three per task with `-E`.
 * A value of a type the task event fields never hold (an object where a string belongs) falls back
 * to the general path for the whole event.
 */
export function encodeTaskEvent(type: TaskEventName, origin: EventOrigin, data: TaskEventData): string {
  const { hostname, pid, clock } = origin;
  if (typeof hostname !== 'string' || typeof pid !== 'number' || typeof clock !== 'number' || typeof data.uuid !== 'string') {
    return general(type, origin, data);
  }
  const head = `${prefix(hostname, buildUtcOffset(origin.timezoneOffsetMin), pid)}${number(clock)}, "uuid": ${quote(data.uuid)}`;
  const own = taskMembers(type, data);
  if (unsupported) {
    unsupported = false;
    return general(type, origin, data);
  }
  return `${head}${own}, "timestamp": ${timestampText(origin.timestampSec)}${TYPE_TAILS.get(type) as string}`;
}

function general(type: TaskEventName, origin: EventOrigin, data: TaskEventData): string {
  return encodePythonJson(buildEvent(type, origin, buildTaskEventFields(type, data)));
}

/** Set by `member` when a value needs the general encoder; read and reset by encodeTaskEvent. */
let unsupported = false;

/** The last `{"hostname": ..., "utcoffset": ..., "pid": ..., "clock": ` written, and what it was written for. */
let lastPrefix = { hostname: '', utcoffset: Number.NaN, pid: Number.NaN, text: '' };

/** The members every event of this worker starts with, up to the clock's value (the same for every event). */
function prefix(hostname: string, utcoffset: number, pid: number): string {
  const last = lastPrefix;
  if (last.hostname === hostname && last.utcoffset === utcoffset && last.pid === pid) return last.text;
  const text = `{"hostname": ${quote(hostname)}, "utcoffset": ${number(utcoffset)}, "pid": ${number(pid)}, "clock": `;
  lastPrefix = { hostname, utcoffset, pid, text };
  return text;
}

/** The last timestamp written and its text: the events of one turn mostly share the millisecond (float formatting is the dearest part). */
let lastTimestamp = Number.NaN;
let lastTimestampText = '';

function timestampText(sec: number): string {
  if (sec !== lastTimestamp) {
    lastTimestampText = pythonFloatText(sec);
    lastTimestamp = sec;
  }
  return lastTimestampText;
}

/** The last members, `, "type": "<type>"}`, of each task event type (taskMembers sends any other type to the general path). */
const TYPE_TAILS: ReadonlyMap<string, string> = new Map(
  (['task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-rejected', 'task-revoked'] as const)
    .map((t) => [t, `, "type": "${t}"}`]),
);

/** The type's own members after `uuid`, in buildTaskEventFields's order and with its defaults. */
function taskMembers(type: TaskEventName, data: TaskEventData): string {
  switch (type) {
    case 'task-received':
      return member('"name": ', data.name ?? '')
        + member('"args": ', data.argsRepr ?? '()')
        + member('"kwargs": ', data.kwargsRepr ?? '{}')
        + member('"root_id": ', data.rootId ?? null)
        + member('"parent_id": ', data.parentId ?? null)
        + member('"retries": ', data.retries ?? 0)
        + member('"eta": ', isoOrNull(data.eta))
        + member('"expires": ', isoOrNull(data.expires));
    case 'task-started':
      return '';
    case 'task-succeeded':
      return `${member('"result": ', data.resultRepr ?? 'None')}, "runtime": ${pythonFloatText(data.runtimeSec ?? 0)}`;
    case 'task-failed':
    case 'task-retried':
      return member('"exception": ', data.exceptionRepr ?? '') + member('"traceback": ', data.traceback ?? '');
    case 'task-rejected':
      return member('"requeue": ', data.requeue ?? false);
    case 'task-revoked':
      return member('"terminated": ', data.terminated ?? false) + member('"signum": ', data.signum ?? null)
        + member('"expired": ', data.expired ?? false);
    default:
      // buildTaskEventFields returns nothing for a type it does not know: the event has no fields but uuid
      // (buildEvent spreads nothing, so not even uuid): only the general path writes that exactly
      unsupported = true;
      return '';
  }
}

/** `, <key><value>` as encodePythonJson writes an object member; '' when the member is omitted (undefined). */
function member(key: string, v: unknown): string {
  switch (typeof v) {
    case 'string':
      return `, ${key}${quote(v)}`;
    case 'number':
      return `, ${key}${number(v)}`;
    case 'boolean':
      return v ? `, ${key}true` : `, ${key}false`;
    case 'undefined':
      return '';
    default:
      if (v === null) return `, ${key}null`;
      unsupported = true;
      return '';
  }
}

/** A number as encodePythonJson writes it (non-finite as null). */
function number(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** A JSON string literal as encodePythonJson writes it; printable ASCII without `"` or `\` (of any length) as it is. */
function quote(s: string): string {
  return isPlainAscii(s) ? `"${s}"` : encodePythonJsonString(s) as string;
}
