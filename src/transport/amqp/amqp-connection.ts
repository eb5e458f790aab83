// First, before amqplib loads: lets it read py-amqp's 64-bit `L` header integers.
import './amqp-long-int-tag';
import { connect, type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { TransportError } from '../../errors/celeriac-error';
import { coerceError } from '../../errors/coerce-error';
import { describeTlsError, isTlsError } from '../tls-error';
import type { AmqpConnectSpec } from './amqp-transport-options';

/** Something that must be set up again on every new connection (consumers, broadcast queues, publisher). */
export type ReconnectHook = (model: ChannelModel, generation: number) => Promise<void>;

/**
 * One AMQP connection that comes back: when the broker drops it, reconnects with a doubling delay
 * (1 s up to `maxRetryIntervalMs`), then runs every hook (re-declare, re-consume) before `ready()`
 * resolves again. Each connection has a `generation`, so work tied to a dead one (delivery tags)
 * can tell it is stale.
 */
export class AmqpConnection {
  private model: ChannelModel | null = null;
  private current: Promise<ChannelModel> | null = null;
  private readonly hooks = new Set<ReconnectHook>();
  private closed = false;
  private reconnecting = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  /** Bumped on every new connection. */
  generation = 0;

  constructor(
    private readonly spec: AmqpConnectSpec,
    private readonly label: string,
    private readonly maxRetryIntervalMs: number,
    private readonly log: Logger,
  ) {
    for (const warning of spec.warnings) log.warn(warning);
  }

  /** First connection: fails at once (TransportError) when the broker cannot be reached or refuses us. */
  async connect(): Promise<void> {
    if (this.current) { await this.current; return; }
    const first = this.open();
    this.current = first;
    try {
      await first;
    } catch (err) {
      this.current = null;
      const cause = coerceError(err);
      // A refused login or certificate does not heal by retrying: own codes, so startup stops at once.
      if (isTlsError(err)) {
        throw new TransportError('CELERIAC_TRANSPORT_TLS', `cannot connect to broker ${this.label}: ${describeTlsError(err, { ca: 'broker_use_ssl.ca_certs', clientCert: 'broker_use_ssl.certfile and keyfile' })}`, { cause: err });
      }
      const auth = /ACCESS_REFUSED|403/.test(cause.message);
      throw new TransportError(auth ? 'CELERIAC_TRANSPORT_AUTH' : 'CELERIAC_TRANSPORT_UNREACHABLE',
        `cannot connect to broker ${this.label}: ${cause.message}`, { cause: err });
    }
  }

  /** The live connection, waiting through a reconnection; connects on first use (as the Redis transport); rejects once closed. */
  async ready(): Promise<ChannelModel> {
    if (this.closed) throw new TransportError('CELERIAC_TRANSPORT_CLOSED', `transport to ${this.label} is closed`);
    if (!this.current) await this.connect();
    const current = this.current;
    if (!current) throw new TransportError('CELERIAC_TRANSPORT_CLOSED', `transport to ${this.label} is closed`);
    return current;
  }

  /** The connection that is up right now, if any (null while reconnecting or closed). */
  live(): ChannelModel | null {
    return this.closed || this.reconnecting ? null : this.model;
  }

  /** Registers a hook run on every later connection (and returns a remover). */
  onReconnect(hook: ReconnectHook): () => void {
    this.hooks.add(hook);
    return () => { this.hooks.delete(hook); };
  }

  /** Closes for good (the broker requeues every unacked delivery). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    const model = this.model;
    this.model = null;
    if (model) await model.close().catch(() => undefined);
  }

  private async open(): Promise<ChannelModel> {
    const model = await connect(this.spec.connect, this.spec.socket);
    if (this.closed) {
      await model.close().catch(() => undefined);
      throw new TransportError('CELERIAC_TRANSPORT_CLOSED', `transport to ${this.label} is closed`);
    }
    this.generation++;
    this.model = model;
    model.on('error', (err: Error) => { this.log.warn({ err: coerceError(err).message }, 'broker connection error'); });
    model.on('close', () => { if (this.model === model) this.lost(); });
    return model;
  }

  private lost(): void {
    this.model = null;
    if (this.closed || this.reconnecting) return;
    this.log.warn({ broker: this.label }, 'broker connection lost; reconnecting');
    const next = this.reconnect();
    next.catch(() => undefined);
    this.current = next;
  }

  private async reconnect(): Promise<ChannelModel> {
    this.reconnecting = true;
    try {
      return await this.retryUntilConnected();
    } finally {
      this.reconnecting = false;
    }
  }

  private async retryUntilConnected(): Promise<ChannelModel> {
    for (let delayMs = 1000; ; delayMs = Math.min(delayMs * 2, this.maxRetryIntervalMs)) {
      await new Promise<void>((resolve) => {
        this.wakeRetry = resolve;
        this.retryTimer = setTimeout(resolve, delayMs);
      });
      this.retryTimer = null;
      if (this.closed) throw new TransportError('CELERIAC_TRANSPORT_CLOSED', `transport to ${this.label} is closed`);
      try {
        const model = await this.open();
        for (const hook of this.hooks) await hook(model, this.generation);
        if (this.model !== model) throw new Error('connection lost again while restoring consumers');
        this.log.info({ broker: this.label }, 'broker connection restored');
        return model;
      } catch (err) {
        this.log.warn({ broker: this.label, err: coerceError(err).message, nextRetryMs: delayMs }, 'broker reconnection failed');
        if (this.model) { const m = this.model; this.model = null; await m.close().catch(() => undefined); }
      }
    }
  }
}
