import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { startRedisProcess, type RedisProcess } from './redis-sentinel';
import { startRedisServer, type RedisServer } from './redis-server';
import type { TestPki } from './test-pki';

/** A TLS-only Redis master watched by one TLS-only redis-sentinel; both require client certificates. */
export interface TlsSentinel {
  masterName: string;
  master: RedisServer;
  sentinelPort: number;
  /** `sentinel://127.0.0.1:<port>/<db>`, as kombu and Celery take it. */
  url(db: number): string;
  stop(): Promise<void>;
}

/**
 * Starts the master (redis-server, TLS only) and a sentinel that talks TLS to its clients and to the
 * master (`tls-replication yes`, the test client pair as its own certificate), and resolves once the
 * sentinel holds a live link to the master. Everything started is stopped if a later step fails.
 */
export async function startTlsSentinel(pki: TestPki, masterName = 'celeriactls'): Promise<TlsSentinel> {
  const master = await startRedisServer({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert, authClients: 'yes' } });
  let sentinel: RedisProcess | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([sentinel?.stop(), master.stop()]);
  };
  try {
    const port = await freePort();
    sentinel = await startRedisProcess({ port, sentinelConf: [
      // startRedisProcess writes `port <port>` first; the later `port 0` wins, so the sentinel listens on TLS only.
      'port 0', `tls-port ${port}`, `tls-cert-file ${pki.serverCert}`, `tls-key-file ${pki.serverKey}`, `tls-ca-cert-file ${pki.caCert}`,
      'tls-auth-clients yes', 'tls-replication yes', `tls-client-cert-file ${pki.clientCert}`, `tls-client-key-file ${pki.clientKey}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`, `sentinel down-after-milliseconds ${masterName} 2000`,
    ].join('\n') });
    await waitLinked(port, pki, masterName);
    return { masterName, master, sentinelPort: port, url: (db) => `sentinel://127.0.0.1:${port}/${db}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `SENTINEL MASTER` over TLS until the sentinel's flags for the master are plain `master`. */
async function waitLinked(port: number, pki: TestPki, masterName: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null,
    tls: { ca: readFileSync(pki.caCert), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (;;) {
      const fields = (await client.call('SENTINEL', 'MASTER', masterName)) as string[];
      if (fields[fields.indexOf('flags') + 1] === 'master') return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for the sentinel to link to ${masterName} over TLS (flags ${fields[fields.indexOf('flags') + 1] ?? '?'})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.disconnect();
  }
}
