/** Public API of celeriac: the app and task types for app modules, plus the typed errors. */
export { Celery, type CeleryOptions, type Task } from './app/celery';
export type { TaskContext, TaskRequest } from './app/task-context';
export type { TaskDefinition, TaskHandler, TaskOptions, ArgumentSchema } from './app/task-definition';
export { TaskArgumentError } from './app/bind-arguments';
export {
  CeleriacError, ProtocolError, TransportError, BackendError, ConfigError, TaskError,
} from './errors/celeriac-error';
export type { SettingsInput, Settings } from './config/settings-schema';
export { crontab } from './beat/crontab';
export { Retry, Reject, Ignore, MaxRetriesExceededError } from './canvas/task-signals';
export { SoftTimeLimitExceeded, TimeLimitExceeded } from './worker/time-limit-errors';
export type { RetryCall } from './app/task-context';
export { createProducer, type Producer, type ProducerOptions, type SendTaskOptions } from './producer/producer';
export { AsyncResult, type GetOptions, type ResultNode } from './producer/async-result';
export { GroupResult } from './producer/group-result';
export {
  CanvasSignature, signature, chain, group, chord, type CanvasApplyOptions, type CanvasHandle, type CanvasApp,
} from './app/canvas-signature';
export { EagerResult, type EagerOutcome } from './app/eager-result';
export { NotRegisteredError } from './app/apply-eager';
export { currentRequest, type RequestScope } from './app/request-context';
export { createTransport } from './transport/create-transport';
export { createRedisResultBackend } from './backend/redis-result-backend';
