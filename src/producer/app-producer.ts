import pino, { type Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend';
import { createRedisResultBackend } from '../backend/redis-result-backend';
import { createRpcResultBackend, isRpcBackendUrl } from '../backend/rpc/create-rpc-result-backend';
import { loadConfig } from '../config/load-config';
import type { Settings, SettingsInput } from '../config/settings-schema';
import type { Signals } from '../app/signals';
import { createTransport } from '../transport/create-transport';
import type { Transport } from '../transport/transport';
import type { ApplyCall } from '../canvas/canvas-result';
import type { SignatureWire } from '../protocol/task-message';
import { AsyncResult } from './async-result';
import { buildResultHandle, type GroupResult } from './group-result';
import { createProducer, type Producer, type SendTaskOptions } from './producer';
import type { TaskRoutes } from './task-router';

/**
 * The connections behind `app.sendTask()` / `task.delay()`: opened on first use from the app's
 * settings (environment `CELERY_*` over `app.conf`, as the worker reads them), closed by `app.close()`.
 */
export class AppProducer {
  private opened: Promise<{ producer: Producer; transport: Transport; backend: ResultBackend | null }> | null = null;
  private loaded: Settings | null = null;
  private replacement: Producer | null = null;
  constructor(private readonly conf: SettingsInput, private logger?: Logger, private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly signals?: Signals) {}

  /**
   * The app's settings (environment `CELERY_*` over `app.conf`), read on first use and kept: set
   * `conf` or the environment before the first send. Throws ConfigError for invalid settings.
   */
  settings(): Settings {
    this.loaded ??= loadConfig(this.env, {}, this.conf);
    return this.loaded;
  }

  /** The logger of sends and eager runs (default: warnings only). */
  get log(): Logger {
    this.logger ??= pino({ level: 'warn' });
    return this.logger;
  }

  /**
   * Sends through `producer` (e.g. the in-memory one of `celeriac/testing`) instead of opening the
   * connections the settings name; null goes back to those.
   */
  use(producer: Producer | null): void {
    this.replacement = producer;
  }

  /** Publishes a task by name, as Python's `app.send_task`. */
  async sendTask(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: SendTaskOptions = {}): Promise<AsyncResult> {
    const { producer } = this.replacement ? { producer: this.replacement } : await this.open();
    return producer.sendTask(name, args, kwargs, options);
  }

  /** Applies a canvas in its wire form and resolves to its AsyncResult/GroupResult tree (`sig.apply_async`). */
  async applyCanvas(wire: SignatureWire, call: ApplyCall): Promise<AsyncResult | GroupResult> {
    const { producer } = this.replacement ? { producer: this.replacement } : await this.open();
    return buildResultHandle(await producer.applyCanvas(wire, call), (id) => producer.asyncResult(id));
  }

  /** A handle on an existing task id (reads the result backend). */
  async asyncResult(taskId: string): Promise<AsyncResult> {
    if (this.replacement) return this.replacement.asyncResult(taskId);
    const { backend } = await this.open();
    return new AsyncResult(taskId, backend);
  }

  /** Closes the connections, if any were opened. Idempotent. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    if (!opened) return;
    const { transport, backend } = await opened.catch(() => ({ transport: null, backend: null }));
    await backend?.close();
    await transport?.close();
  }

  private open(): Promise<{ producer: Producer; transport: Transport; backend: ResultBackend | null }> {
    this.opened ??= (async () => {
      // Created on first use: an app that only runs tasks (worker, threads) opens nothing.
      const settings = this.settings();
      const logger = this.log;
      const transport = createTransport(settings.broker_url, settings.broker_transport_options, logger.child({ component: 'transport' }), undefined, settings);
      const backend = settings.result_backend === 'disabled' ? null
        : isRpcBackendUrl(settings.result_backend) ? createRpcResultBackend({ resultBackend: settings.result_backend, brokerUrl: settings.broker_url,
          brokerTransportOptions: settings.broker_transport_options, brokerUseSsl: settings.broker_use_ssl, resultExpiresSec: settings.result_expires, persistent: settings.result_persistent },
        logger.child({ component: 'backend' }))
        : createRedisResultBackend(settings.result_backend, { ...settings.result_backend_transport_options, result_expires: settings.result_expires,
          ...(settings.redis_backend_use_ssl ? { redis_backend_use_ssl: settings.redis_backend_use_ssl } : {}) },
          logger.child({ component: 'backend' }));
      try {
        await transport.connect();
        await backend?.connect();
      } catch (err) {
        await backend?.close().catch(() => undefined);
        await transport.close().catch(() => undefined);
        throw err;
      }
      const producer = createProducer({ transport, backend, logger, ...(this.signals ? { signals: this.signals } : {}),
        conf: { task_routes: settings.task_routes as TaskRoutes | undefined, task_default_queue: settings.task_default_queue } });
      return { producer, transport, backend };
    })();
    this.opened.catch(() => { this.opened = null; });
    return this.opened;
  }
}
