import { encodeRpcResultBody } from '../../../src/protocol/rpc-result-body';
import { decodeResultMeta } from '../../../src/protocol/result-meta-codec';
import { buildMeta } from '../../contract/result-backend-contract';

// Output of interop-tests/python/rpc_body_capture.py (Celery 5.6.2 RPCBackend._to_result through kombu json).
const PYTHON_SUCCESS = '{"task_id": "t-1", "status": "SUCCESS", "result": {"n": 5, "s": "caf\\u00e9 \\ud83d\\ude00", "list": [1, null, true]}, "traceback": null, "children": []}';
const PYTHON_FAILURE = '{"task_id": "t-2", "status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom", 7], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\\nValueError: boom\\n", "children": []}';
const PYTHON_STARTED = '{"task_id": "t-3", "status": "STARTED", "result": {"pid": 42, "hostname": "w@h"}, "traceback": null, "children": []}';

describe('encodeRpcResultBody', () => {
  it('writes the bytes Celery sends: five keys in its order, no date_done, group/parent ids or extended fields', () => {
    expect(encodeRpcResultBody(buildMeta('t-1', 'SUCCESS', { n: 5, s: 'caf\u00e9 \u{1F600}', list: [1, null, true] }, {
      groupId: 'g', parentId: 'p', extended: { name: 'x', args: [], kwargs: {}, worker: 'w', retries: 0, queue: 'celery' },
    }))).toBe(PYTHON_SUCCESS);
    expect(encodeRpcResultBody(buildMeta('t-2', 'FAILURE', { excType: 'ValueError', excMessage: ['boom', 7], excModule: 'builtins' },
      { traceback: 'Traceback (most recent call last):\nValueError: boom\n' }))).toBe(PYTHON_FAILURE);
    expect(encodeRpcResultBody(buildMeta('t-3', 'STARTED', { pid: 42, hostname: 'w@h' }))).toBe(PYTHON_STARTED);
  });

  it('is read back by the result meta decoder (date_done absent = null)', () => {
    expect(decodeResultMeta(PYTHON_FAILURE)).toEqual({ taskId: 't-2', status: 'FAILURE', traceback: 'Traceback (most recent call last):\nValueError: boom\n',
      result: { excType: 'ValueError', excMessage: ['boom', 7], excModule: 'builtins' }, children: [], dateDone: null });
  });

  it('refuses a result above maxBytes with the encoder\'s error', () => {
    expect(() => encodeRpcResultBody(buildMeta('t', 'SUCCESS', 'x'.repeat(100)), { maxBytes: 50 })).toThrow(expect.objectContaining({ code: 'CELERIAC_PROTOCOL_ENCODE_TOO_LARGE' }));
  });
});
