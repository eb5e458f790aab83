// The rpc:// backend sends each state to the request's reply_to: the ResultWriter must hand it over on every write.
import pino from 'pino';
import { MemoryResultBackend } from '../../../src/backend/memory-result-backend';
import type { StoreOptions } from '../../../src/backend/result-backend';
import { decodeTaskMessage } from '../../../src/protocol/decode-task-message';
import type { ResultMeta } from '../../../src/protocol/result-meta';
import { ResultWriter, type ResultContext } from '../../../src/worker/result-writer';
import { wireTask } from '../../helpers/task-wire';

it('passes reply_to and correlation_id with every state; a chain step failed for another task is correlated by its own id', async () => {
  const backend = new MemoryResultBackend();
  const seen: Array<{ taskId: string; status: string; replyTo?: string | null; correlationId?: string | null }> = [];
  const store = backend.storeResult.bind(backend);
  backend.storeResult = async (meta: ResultMeta, options?: StoreOptions) => {
    seen.push({ taskId: meta.taskId, status: meta.status, replyTo: options?.replyTo, correlationId: options?.correlationId });
    return store(meta, options);
  };
  const message = decodeTaskMessage(wireTask('tapp.add', [1]), { accept: ['json'], maxBodyBytes: 1e6 });
  const ctx: ResultContext = { message, hostname: 'ts1@test', queue: 'celery' };
  const writer = new ResultWriter(backend, { extended: false, expiresSec: null, now: () => 0 }, pino({ level: 'silent' }));
  await writer.markStarted(ctx);
  await writer.markFailed(ctx, new RangeError('no'));
  await writer.markOtherFailed(ctx, 'next-step', null, { excType: 'ValueError', excMessage: ['no'], excModule: 'builtins' }, null);
  expect(message.replyTo).toEqual(expect.any(String));
  expect(seen).toEqual([
    { taskId: message.id, status: 'STARTED', replyTo: message.replyTo, correlationId: message.id },
    { taskId: message.id, status: 'FAILURE', replyTo: message.replyTo, correlationId: message.id },
    { taskId: 'next-step', status: 'FAILURE', replyTo: message.replyTo, correlationId: null },
  ]);
});
