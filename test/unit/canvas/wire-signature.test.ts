import { cloneWire, fromDict } from '../../../src/canvas/wire-signature';
import { decodeKombuJson } from '../../../src/protocol/kombu-json';
import type { SignatureWire } from '../../../src/protocol/task-message';

// A Python `redis_echo.si(b'...', redis_key=k)` errback as it arrives in a message's link_error.
const errback = decodeKombuJson('{"task": "t.redis_echo", "args": [{"__type__": "bytes", "__value__": "msg"}], '
  + '"kwargs": {"redis_key": "k"}, "options": {}, "subtask_type": null, "immutable": true}') as SignatureWire;

describe('signature copies keep the types a decoded message gave', () => {
  it('fromDict and cloneWire hand a bytes argument on as a Buffer (structuredClone made it a bare Uint8Array)', () => {
    for (const copy of [fromDict(errback, 'link_error'), cloneWire(errback), cloneWire(errback, [1], { extra: 2 })]) {
      const args = copy.args as unknown[];
      expect(Buffer.isBuffer(args[0])).toBe(true);
      expect((args[0] as Buffer).toString()).toBe('msg');
    }
  });
});
