import type { KombuMessage } from '../../src/protocol/kombu-message';
import type { Consumer, Delivery, Transport } from '../../src/transport/transport';

/** A broker under test: `open()` gives a new transport (its own connections) to the same broker. */
export interface TransportHarness {
  open(): Transport;
  dispose(): Promise<void>;
  /**
   * Drops every client connection abruptly, as a network failure would (the broker then owns what
   * they held unacked). Only brokers that redeliver on connection loss provide it (RabbitMQ).
   */
  severConnections?(): Promise<void>;
}

/** A message with a text body and an optional priority. */
export function textMessage(text: string, priority?: number, headers: Record<string, unknown> = {}): KombuMessage {
  return {
    body: Buffer.from(text, 'utf8'),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { id: text.slice(0, 40), ...headers },
    properties: priority === undefined ? { delivery_mode: 2 } : { delivery_mode: 2, priority },
  };
}

/** Collects deliveries and lets a test wait for the n-th one (an event, not a sleep). */
export class DeliveryLog {
  readonly items: Delivery[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  readonly push = (d: Delivery): void => {
    this.items.push(d);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
  };

  /** Resolves once `n` deliveries arrived in total; fails after `ms`. */
  until(n: number, ms = 5000): Promise<Delivery[]> {
    if (this.items.length >= n) return Promise.resolve(this.items.slice(0, n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.items.length} of ${n} deliveries arrived`)), ms);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(this.items.slice(0, n)); } });
    });
  }

  bodies(): string[] {
    return this.items.map((d) => d.message.body.toString('utf8'));
  }
}

/** What one contract test uses: its harness, fresh transports (closed after the test), unique queue names. */
export interface ContractContext {
  harness(): TransportHarness;
  /** A connected transport, closed after the test. */
  open(): Promise<Transport>;
  /** A unique queue name. */
  q(label: string): string;
  /** A unique queue, declared as the worker declares task queues (exchange and routing key = its name). */
  declared(t: Transport, label: string): Promise<string>;
  consume(t: Transport, queues: string[], prefetch?: number): Promise<{ log: DeliveryLog; consumer: Consumer }>;
}

/** Sets up the harness once per describe block and closes each test's transports after it. */
export function useContractContext(createHarness: () => Promise<TransportHarness>): ContractContext {
  let harness: TransportHarness;
  let opened: Transport[] = [];
  let seq = 0;
  const q = (label: string): string => `contract.${label}.${process.pid}.${++seq}`;
  beforeAll(async () => { harness = await createHarness(); });
  afterAll(async () => { await harness.dispose(); });
  afterEach(async () => {
    await Promise.all(opened.map((t) => t.close()));
    opened = [];
  });
  return {
    harness: () => harness,
    q,
    open: async () => {
      const t = harness.open();
      opened.push(t);
      await t.connect();
      return t;
    },
    declared: async (t, label) => {
      const queue = q(label);
      await t.declareQueue(queue, { exchange: queue, routingKey: queue });
      return queue;
    },
    consume: async (t, queues, prefetch = 0) => {
      const log = new DeliveryLog();
      return { log, consumer: await t.consume(queues, prefetch, log.push) };
    },
  };
}
