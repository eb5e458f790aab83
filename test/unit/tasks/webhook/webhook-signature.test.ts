import { createHmac } from 'node:crypto';
import { buildSignedString, signWebhook, verifyWebhookSignature } from '../../../../src/tasks/webhook/webhook-signature';

const secret = 'whsec_0123456789abcdef';
const body = '{"id":"t1","event":"certificate.issued","data":{"n":1}}';

describe('webhook signatures', () => {
  it('sign HMAC-SHA256 over "${timestamp}.${body}", hex, prefixed sha256=', () => {
    expect(buildSignedString(1767225600, body)).toBe(`1767225600.${body}`);
    const expected = createHmac('sha256', secret).update(`1767225600.${body}`).digest('hex');
    expect(signWebhook(secret, 1767225600, body)).toBe(`sha256=${expected}`);
  });

  it('verify: ok for the right secret, body and fresh timestamp; refused otherwise', () => {
    const signature = signWebhook(secret, 1000, body);
    const base = { secret, rawBody: body, signature, timestamp: '1000', nowSec: 1100 };
    expect(verifyWebhookSignature(base)).toBe('ok');
    expect(verifyWebhookSignature({ ...base, secret: 'whsec_other_secret_00' })).toBe('bad-signature');
    expect(verifyWebhookSignature({ ...base, rawBody: body.replace('1', '2') })).toBe('bad-signature');
    expect(verifyWebhookSignature({ ...base, signature: undefined })).toBe('bad-signature');
    expect(verifyWebhookSignature({ ...base, signature: signature.slice(0, -1) })).toBe('bad-signature');
    // the timestamp is signed: moving it forward to beat the replay window breaks the signature
    expect(verifyWebhookSignature({ ...base, timestamp: '1099' })).toBe('bad-signature');
    expect(verifyWebhookSignature({ ...base, nowSec: 1000 + 301 })).toBe('expired');
    expect(verifyWebhookSignature({ ...base, nowSec: 1000 + 3601, toleranceSec: 3600 })).toBe('expired');
    expect(verifyWebhookSignature({ ...base, timestamp: '1e3' })).toBe('bad-timestamp');
  });
});
