// The Node side of a mixed deployment: `app.sendTask` and `task.delay` / `applyAsync` publish
// messages a real Python Celery worker runs unchanged; `AsyncResult.get({ timeout })` reads the result.
import { Celery } from '../src/app/celery';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server';
import { killAllChildren } from './helpers/child-registry';
import { startPythonWorker } from './helpers/python-worker';

let redis: RedisServer;
let app: Celery;

beforeAll(async () => {
  redis = await startRedisServer();
  await startPythonWorker({ brokerUrl: redis.url(1), backendUrl: redis.url(2), queues: ['celery', 'greetings'], pool: 'solo' });
  app = new Celery('node-service', { broker: redis.url(1), backend: redis.url(2) });
});

afterAll(async () => {
  await app?.close();
  await killAllChildren();
  await redis?.stop();
});

it('task.delay(2, 3) runs on the Python worker and get() returns 5', async () => {
  const add = app.task('tapp.add', (x: number, y: number) => x + y);
  const result = await add.delay(2, 3);
  await expect(result.get({ timeout: 20 })).resolves.toBe(5);
  expect(await (await app.AsyncResult(result.id)).state()).toBe('SUCCESS');
});

it('app.sendTask with kwargs and a queue; applyAsync with countdown', async () => {
  const greeting = await app.sendTask('tapp.greet', [], { name: 'Ada', greeting: 'Hello' }, { queue: 'greetings' });
  await expect(greeting.get({ timeout: 20 })).resolves.toBe('Hello, Ada');
  const greet = app.task('tapp.greet', async (name: string, g: string) => `${g}, ${name}`, { params: ['name', 'greeting'], queue: 'greetings' });
  const later = await greet.applyAsync(['Grace'], { greeting: 'Hi' }, { countdown: 0.5 });
  await expect(later.get({ timeout: 20 })).resolves.toBe('Hi, Grace');
});

it('a Python failure rejects get() with an Error named as the Python exception', async () => {
  const r = await app.sendTask('tapp.add', [1, 'x']);
  await expect(r.get({ timeout: 20 })).rejects.toMatchObject({ name: 'TypeError' });
});
