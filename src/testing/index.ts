/**
 * `celeriac/testing`: run an app's tasks end to end in jest/vitest without Redis. A TestWorker is a
 * real celeriac Worker on the in-memory transport and result store, with a manual clock and a record
 * of every message sent.
 */
export { createTestWorker, TestWorker, TestWorkerError, type TestWorkerOptions } from './test-worker';
export { ManualClock } from './manual-clock';
export type { SentTask, SentTaskFilter } from './sent-task';
