import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coerceError } from '../../errors/coerce-error';
import { TransportError } from '../../errors/celeriac-error';

/** A named readiness probe: resolves when the dependency is reachable, rejects (or times out) when not. */
export type ReadinessCheck = () => Promise<void>;

/** Something that renders Prometheus text (WorkerMetrics). */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/** Construction options of a HealthServer. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (see `port` after start). */
  port: number;
  /** Interface to bind. Default `127.0.0.1` (loopback only: /metrics shows queue names and task names). */
  host?: string;
  /** `/metrics` source; without it `/metrics` is 404. */
  metrics?: MetricsSource;
  /** `/readyz` requires this to be true (the worker is consuming). */
  isConsuming: () => boolean;
  /** `/readyz` probes by name, e.g. `{broker, resultStore}`; each must resolve within `checkTimeoutMs`. */
  checks?: Record<string, ReadinessCheck>;
  /** Per-probe deadline. Default 2000 ms. */
  checkTimeoutMs?: number;
}

/**
 * One HTTP server for operators: `/metrics` (Prometheus), `/healthz` (liveness: answers 200 while the
 * process and its event loop run), `/readyz` (readiness: 200 only when consuming and every check
 * passes, else 503 with a JSON body naming what failed).
 */
export class HealthServer {
  private readonly opts: HealthServerOptions;
  private server: Server | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: HealthServerOptions) {
    this.opts = options;
  }

  /** The bound port (after start). */
  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : this.opts.port;
  }

  /** Listens; throws TransportError `CELERIAC_TRANSPORT_HTTP_LISTEN` when the port cannot be bound. */
  async start(): Promise<void> {
    if (this.server || this.closing) return;
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new TransportError(
        'CELERIAC_TRANSPORT_HTTP_LISTEN', `metrics/health server cannot listen on port ${this.opts.port}: ${err.message}`, { cause: err },
      )));
      server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => resolve());
    }).catch((err: unknown) => {
      this.server = null;
      throw err;
    });
    // keep-alive sockets from scrapers must not hold a closing worker open
    server.unref();
  }

  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const server = this.server;
    this.closing = server
      ? new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
      : Promise.resolve();
    return this.closing;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json', '{"error":"method not allowed"}');
      if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (path === '/readyz') return await this.readiness(res);
      if (path === '/metrics' && this.opts.metrics) {
        const text = await this.opts.metrics.render();
        return send(res, 200, this.opts.metrics.contentType, text);
      }
      return send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    } catch (caught) {
      return send(res, 500, 'application/json', JSON.stringify({ error: coerceError(caught).message }));
    }
  }

  private async readiness(res: ServerResponse): Promise<void> {
    const failed: Record<string, string> = {};
    if (!this.opts.isConsuming()) failed.consuming = 'worker is not consuming';
    const timeoutMs = this.opts.checkTimeoutMs ?? 2000;
    await Promise.all(Object.entries(this.opts.checks ?? {}).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs, name);
      } catch (caught) {
        failed[name] = coerceError(caught).message;
      }
    }));
    const ok = Object.keys(failed).length === 0;
    send(res, ok ? 200 : 503, 'application/json', JSON.stringify(ok ? { status: 'ready' } : { status: 'unavailable', failed }));
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function withTimeout(promise: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
