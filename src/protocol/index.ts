/** The pure wire layer: Celery/kombu messages, result metas and exceptions <-> typed values. */
export * from './compression';
export * from './decode-task-message';
export * from './encode-exception';
export * from './encode-task-message';
export * from './kombu-json';
export * from './kombu-message';
export * from './message-decode-error';
export * from './parse-python-json';
export * from './python-datetime';
export * from './python-json';
export * from './python-repr';
export * from './redis-envelope';
export * from './result-meta';
export * from './result-meta-codec';
export * from './task-message';
export { isRecord, WireFieldError, WireFieldReader } from './read-wire-field';
