import type Redis from 'ioredis';

/**
 * Fastest of `n` sequential PING round trips on `client`, in ms: the network's floor. The first calls
 * of a fresh process run cold (parser, JIT), so a median or a single sample reads high on loopback.
 */
export async function fastestPingMs(client: Redis, n: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await client.ping();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}
