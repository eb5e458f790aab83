import type Redis from 'ioredis';
import { quitRedisClient } from '../../../../src/transport/redis/connect-redis-client';

/** The three members quitRedisClient uses, as an in-memory stand-in for an ioredis client. */
function fakeClient(status: string, quit: (self: { status: string }) => Promise<unknown>): { client: Redis; disconnect: jest.Mock } {
  const disconnect = jest.fn();
  const self = { status, quit: () => quit(self), disconnect };
  return { client: self as unknown as Redis, disconnect };
}

describe('quitRedisClient', () => {
  it('does nothing to a client that already ended', async () => {
    const quit = jest.fn(() => Promise.resolve('OK'));
    const { client, disconnect } = fakeClient('end', quit);
    await quitRedisClient(client);
    expect(quit).not.toHaveBeenCalled();
    expect(disconnect).not.toHaveBeenCalled();
  });

  it('sends QUIT and leaves the socket to it when it succeeds', async () => {
    const { client, disconnect } = fakeClient('ready', async (self) => { self.status = 'end'; return 'OK'; });
    await quitRedisClient(client);
    expect(disconnect).not.toHaveBeenCalled();
  });

  it('drops the socket when QUIT fails on a live connection', async () => {
    const { client, disconnect } = fakeClient('ready', () => Promise.reject(new Error('write EPIPE')));
    await expect(quitRedisClient(client)).resolves.toBeUndefined();
    expect(disconnect).toHaveBeenCalledTimes(1);
  });

  it('does not disconnect a client whose connection ended while QUIT failed (that would arm a 2 s timer)', async () => {
    const { client, disconnect } = fakeClient('ready', async (self) => { self.status = 'end'; throw new Error('Connection is closed.'); });
    await expect(quitRedisClient(client)).resolves.toBeUndefined();
    expect(disconnect).not.toHaveBeenCalled();
  });
});
