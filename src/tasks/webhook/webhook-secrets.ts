import { z } from 'zod';
import { ConfigError } from '../../errors/celeriac-error';

/** Finds the signing secret of an endpoint; null when none is configured. */
export interface WebhookSecretResolver {
  secretFor(url: URL): string | null | Promise<string | null>;
}

/** Secrets by exact URL, by host (`hooks.example.com` or `hooks.example.com:8443`), and a default. */
export interface StaticWebhookSecrets {
  byUrl?: Record<string, string>;
  byHost?: Record<string, string>;
  default?: string | null;
}

/** A resolver over fixed maps: exact URL first, then `host:port`, then host, then the default. */
export function createStaticSecretResolver(secrets: StaticWebhookSecrets): WebhookSecretResolver {
  const byUrl = new Map(Object.entries(secrets.byUrl ?? {}).map(([u, s]) => [new URL(u).toString(), s]));
  const byHost = new Map(Object.entries(secrets.byHost ?? {}).map(([h, s]) => [h.toLowerCase(), s]));
  const fallback = secrets.default ?? null;
  return {
    secretFor(url: URL): string | null {
      return byUrl.get(url.toString()) ?? byHost.get(url.host.toLowerCase()) ?? byHost.get(url.hostname.toLowerCase()) ?? fallback;
    },
  };
}

const envSchema = z.object({
  /** Secret for endpoints without a specific one. */
  WEBHOOK_SECRET: z.string().min(16).optional(),
  /** JSON object: `{"hooks.example.com": "secret", "https://x.test/hook": "secret2"}` (keys with `://` are URLs, others hosts). */
  WEBHOOK_SECRETS: z.string().optional(),
});

/**
 * Builds a static resolver from `WEBHOOK_SECRET` and `WEBHOOK_SECRETS` (pure: pass `process.env`).
 * Secrets shorter than 16 characters are refused; error messages never contain a secret.
 */
export function loadWebhookSecretResolver(env: Record<string, string | undefined>): WebhookSecretResolver {
  const parsed = envSchema.safeParse({ WEBHOOK_SECRET: env.WEBHOOK_SECRET || undefined, WEBHOOK_SECRETS: env.WEBHOOK_SECRETS || undefined });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: must be at least 16 characters`));
  const byUrl: Record<string, string> = {};
  const byHost: Record<string, string> = {};
  if (parsed.data.WEBHOOK_SECRETS) {
    let map: unknown;
    try {
      map = JSON.parse(parsed.data.WEBHOOK_SECRETS);
    } catch {
      throw new ConfigError(['WEBHOOK_SECRETS: not valid JSON']);
    }
    const entries = z.record(z.string().min(1), z.string().min(16)).safeParse(map);
    if (!entries.success) throw new ConfigError(['WEBHOOK_SECRETS: must map URLs or hosts to secrets of at least 16 characters']);
    for (const [k, v] of Object.entries(entries.data)) {
      if (k.includes('://')) {
        if (!URL.canParse(k)) throw new ConfigError([`WEBHOOK_SECRETS: key ${JSON.stringify(k)} is not a URL`]);
        byUrl[k] = v;
      } else byHost[k] = v;
    }
  }
  return createStaticSecretResolver({ byUrl, byHost, default: parsed.data.WEBHOOK_SECRET ?? null });
}
