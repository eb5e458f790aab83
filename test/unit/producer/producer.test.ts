import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createProducer } from '../../../src/producer/producer';
import { AsyncResult } from '../../../src/producer/async-result';
import type { KombuMessage, Route } from '../../../src/protocol/kombu-message';
import { decodeRedisEnvelope } from '../../../src/protocol/redis-envelope';
import { parsePythonDatetime, PythonDatetime } from '../../../src/protocol/python-datetime';
import type { Transport } from '../../../src/transport/transport';
import { ConfigError } from '../../../src/errors/celeriac-error';

/** Records publishes; every other Transport method is unused by the producer and refuses. */
function recordingTransport(): Transport & { sent: { message: KombuMessage; route: Route }[] } {
  const sent: { message: KombuMessage; route: Route }[] = [];
  const unused = async (): Promise<never> => { throw new Error('not used by the producer'); };
  return {
    sent, connect: unused, declareQueue: unused, consume: unused, publishFanout: unused, subscribeFanout: unused, queueLength: unused, purge: unused,
    close: unused,
    publish: async (message, route) => { sent.push({ message, route }); },
  };
}

function pythonVector(name: string): KombuMessage {
  const data = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'python', `${name}.json`), 'utf8')) as { elements: { raw: string }[] };
  return decodeRedisEnvelope((data.elements[0] as { raw: string }).raw).message;
}

function withoutTransportProps(p: Record<string, unknown>): Record<string, unknown> {
  const { delivery_info: _i, body_encoding: _b, delivery_tag: _t, ...rest } = p;
  return rest;
}

const logger = pino({ enabled: false });

describe('createProducer().sendTask writes what Python send_task writes', () => {
  it('headers, time limits, shadow (vector 11)', async () => {
    const python = pythonVector('v11-send-task-headers');
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger, origin: python.headers.origin as string, replyTo: python.properties.reply_to as string });
    const result = await producer.sendTask('tapp.add', [1, 2], {}, {
      taskId: python.headers.id as string, shadow: 'alias', timeLimit: 30, softTimeLimit: 20, headers: { 'x-custom': 'v' } });
    expect(result).toBeInstanceOf(AsyncResult);
    expect(result.id).toBe(python.headers.id);
    const [sent] = transport.sent;
    expect(sent?.message.body.toString()).toBe(python.body.toString());
    expect(sent?.message.headers).toEqual(python.headers);
    expect(Object.keys(sent?.message.headers ?? {})).toEqual(Object.keys(python.headers));
    expect(sent?.message.properties).toEqual(withoutTransportProps(python.properties));
    expect(sent?.route).toEqual({ exchange: '', routingKey: 'celery' });
  });

  it('countdown, expires, priority (vector 2), microsecond-exact', async () => {
    const python = pythonVector('v02-countdown-expires-priority');
    const eta = parsePythonDatetime(python.headers.eta as string) as PythonDatetime;
    const now = new PythonDatetime(eta.getTime() - 10_000, eta.microsecond);
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger, origin: python.headers.origin as string, replyTo: python.properties.reply_to as string, now: () => now });
    await producer.sendTask('tapp.add', [2, 3], {}, { taskId: python.headers.id as string, countdown: 10, expires: 60, priority: 5 });
    const [sent] = transport.sent;
    expect({ ...sent?.message.headers, argsrepr: '(2, 3)' }).toEqual(python.headers);
    expect(sent?.message.properties).toEqual(withoutTransportProps(python.properties));
    expect(Object.keys(sent?.message.properties ?? {})).toEqual(Object.keys(withoutTransportProps(python.properties)));
  });

  it('link and link_error signatures land in embed (vector 7)', async () => {
    const python = pythonVector('v07-link-link-error');
    const [, , embed] = JSON.parse(python.body.toString()) as [unknown, unknown, { callbacks: unknown[]; errbacks: unknown[] }];
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger });
    await producer.sendTask('tapp.add', [2, 3], {}, { taskId: python.headers.id as string, link: embed.callbacks[0] as never, linkError: embed.errbacks as never });
    expect(transport.sent[0]?.message.body.toString()).toBe(python.body.toString());
    expect(transport.sent[0]?.message.headers.origin).toMatch(/^gen\d+@/);
  });

  it('routes by queue option, task_routes (exact, glob, regex, dict) and the default queue', async () => {
    const transport = recordingTransport();
    const producer = createProducer({ transport, backend: null, logger, conf: {
      task_default_queue: 'dflt',
      task_routes: { 'mail.send': 'mail', 'media.*': { queue: 'media', priority: 7 }, '/^report\\.(daily|weekly)$/': { exchange: 'reports', routing_key: 'r' } },
    } });
    for (const name of ['mail.send', 'media.resize', 'report.daily', 'other']) await producer.sendTask(name);
    await producer.sendTask('mail.send', [], {}, { queue: 'override' });
    await producer.sendTask('mail.send', [], {}, { exchange: 'ex', routingKey: 'rk' });
    expect(transport.sent.map((s) => s.route)).toEqual([
      { exchange: '', routingKey: 'mail' }, { exchange: '', routingKey: 'media' }, { exchange: 'reports', routingKey: 'r' },
      { exchange: '', routingKey: 'dflt' }, { exchange: '', routingKey: 'override' }, { exchange: 'ex', routingKey: 'rk' }]);
    expect(transport.sent[1]?.message.properties.priority).toBe(7);
  });

  it('refuses unusable task_routes listing every problem', () => {
    let thrown: unknown;
    try {
      createProducer({ transport: recordingTransport(), backend: null, logger, conf: { task_routes: { a: '', '/(/': 'q', b: { priority: 300 } } } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toHaveLength(3);
  });
});
