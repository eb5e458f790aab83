import { encodeKombuJson, type KombuJsonEncodeOptions } from './kombu-json';
import type { ResultMeta } from './result-meta';
import { encodeExceptionInfo, isExceptionInfo } from './result-meta-codec';

/** Content type and encoding of an rpc reply, as kombu's json serializer labels it. */
export const RPC_REPLY_CONTENT_TYPE = 'application/json';
/** Content encoding of an rpc reply. */
export const RPC_REPLY_CONTENT_ENCODING = 'utf-8';

/**
 * The body of one `rpc://` reply, byte-compatible with Celery's `RPCBackend._to_result`: exactly
 * `task_id, status, result, traceback, children`, in that order, through kombu JSON. Unlike a stored
 * meta it carries no `date_done`, group/parent ids or `result_extended` fields (Celery sends none).
 * An ExceptionInfo result goes out as `{exc_type, exc_message, exc_module}`. Throws JsonEncodeError
 * when the result cannot be serialized (or exceeds `options.maxBytes`).
 */
export function encodeRpcResultBody(meta: ResultMeta, options: KombuJsonEncodeOptions = {}): string {
  return encodeKombuJson({
    task_id: meta.taskId,
    status: meta.status,
    result: isExceptionInfo(meta.result) ? encodeExceptionInfo(meta.result) : meta.result,
    traceback: meta.traceback,
    children: meta.children,
  }, options);
}
