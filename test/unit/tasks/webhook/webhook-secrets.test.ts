import { ConfigError } from '../../../../src/errors/celeriac-error';
import { createStaticSecretResolver, loadWebhookSecretResolver } from '../../../../src/tasks/webhook/webhook-secrets';

describe('webhook secret resolvers', () => {
  it('picks the exact URL, then host:port, then host, then the default', () => {
    const r = createStaticSecretResolver({ byUrl: { 'https://a.test/hooks/special': 'url-secret' },
      byHost: { 'a.test': 'host-secret', 'b.test:8443': 'port-secret' }, default: 'default-secret' });
    expect(r.secretFor(new URL('https://a.test/hooks/special'))).toBe('url-secret');
    expect(r.secretFor(new URL('https://A.test/hooks/other'))).toBe('host-secret');
    expect(r.secretFor(new URL('https://b.test:8443/x'))).toBe('port-secret');
    expect(r.secretFor(new URL('https://b.test/x'))).toBe('default-secret');
    expect(createStaticSecretResolver({}).secretFor(new URL('https://c.test/'))).toBeNull();
  });

  it('loads from WEBHOOK_SECRET and WEBHOOK_SECRETS, refusing short secrets without echoing them', () => {
    const r = loadWebhookSecretResolver({ WEBHOOK_SECRET: 'default-secret-0001',
      WEBHOOK_SECRETS: JSON.stringify({ 'hooks.example.com': 'host-secret-000001', 'https://x.test/h': 'url-secret-0000001' }) });
    expect(r.secretFor(new URL('https://hooks.example.com/a'))).toBe('host-secret-000001');
    expect(r.secretFor(new URL('https://x.test/h'))).toBe('url-secret-0000001');
    expect(r.secretFor(new URL('https://y.test/'))).toBe('default-secret-0001');
    const short = (): unknown => loadWebhookSecretResolver({ WEBHOOK_SECRET: 'tooshort' });
    expect(short).toThrow(ConfigError);
    expect(short).not.toThrow(/tooshort/);
    expect(() => loadWebhookSecretResolver({ WEBHOOK_SECRETS: '{nope' })).toThrow(/not valid JSON/);
    expect(() => loadWebhookSecretResolver({ WEBHOOK_SECRETS: '{"a.test":"short"}' })).toThrow(/at least 16/);
  });
});
