// Which lease and record beat gets for a broker URL: on Redis the broker's; on RabbitMQ the Redis result
// backend's when there is one, else a local state file with its lock; other schemes a clear error.
// Nothing connects here.
import { resolve } from 'node:path';
import { AmqpBeatFileLease } from '../../../src/transport/amqp/amqp-beat-file-lease';
import { AmqpBeatStateStore } from '../../../src/transport/amqp/amqp-beat-state-store';
import { DEFAULT_BEAT_STATE_FILE, openBeatBroker } from '../../../src/transport/open-beat-broker';
import { RedisBeatLease, RedisBeatStateStore } from '../../../src/transport/redis/redis-beat-lease';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672//';

it('a Redis broker keeps lease and record on the broker', async () => {
  const broker = openBeatBroker('redis://127.0.0.1:6379/1', {}, { leaseMs: 3000 });
  expect(broker.lease).toBeInstanceOf(RedisBeatLease);
  expect(broker.store).toBeInstanceOf(RedisBeatStateStore);
  await broker.close();
});

it('RabbitMQ with a Redis result backend: the Redis lease, runs published over AMQP', async () => {
  for (const backend of ['redis://127.0.0.1:6379/2', 'rediss://127.0.0.1:6380/2?ssl_cert_reqs=required']) {
    const broker = openBeatBroker(AMQP, {}, { leaseMs: 3000, resultBackendUrl: backend });
    expect(broker.lease).toBeInstanceOf(RedisBeatLease);
    expect(broker.store).toBeInstanceOf(AmqpBeatStateStore);
    await broker.close();
  }
});

it('RabbitMQ without a Redis backend (disabled, rpc://): the state file and its lock file', async () => {
  for (const [settings, file] of [[{}, DEFAULT_BEAT_STATE_FILE], [{ resultBackendUrl: 'rpc://', stateFile: '/var/lib/beat.json' }, '/var/lib/beat.json']] as const) {
    const broker = openBeatBroker('pyamqp://127.0.0.1//', {}, { leaseMs: 3000, ...settings });
    expect(broker.lease).toBeInstanceOf(AmqpBeatFileLease);
    expect((broker.lease as AmqpBeatFileLease).lockPath).toBe(`${resolve(file)}.lock`);
    await broker.close();
  }
});

it('bad AMQP transport options and unknown schemes are clear errors with stable codes', () => {
  expect(() => openBeatBroker(AMQP, { broker_heartbeat: 'often' }, { leaseMs: 3000 })).toThrow(expect.objectContaining({ code: 'CELERIAC_CONFIG_INVALID' }));
  expect(() => openBeatBroker('sqs://k:secret@host/', {}, { leaseMs: 3000 })).toThrow(expect.objectContaining({ code: 'CELERIAC_BEAT_BROKER_UNSUPPORTED' }));
});
