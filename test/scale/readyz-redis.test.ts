/**
 * `/readyz` asks the database (a trivial query) and Redis (PING) at each call: 200 while both answer,
 * 503 naming the one that does not — a private `redis-server` killed and started again, and a REDIS_URL
 * where nothing listens — so a load balancer takes the instance out and back in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PrivateRedis, freePort, privateRedisAvailable } from '../helpers/redis.js';
import { call, startTestServer, waitFor, type TestServer } from '../webchat/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(env: Record<string, string>): Promise<TestServer> {
  const s = await startTestServer(env);
  cleanups.push(() => s.destroy());
  return s;
}

describe('/readyz and its dependencies', () => {
  it('without REDIS_URL: ready, the database up and Redis off', async () => {
    const s = await server({});
    const ready = await call(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', dependencies: { database: 'up', redis: 'off' } });
    expect(ready.body.failed).toBeUndefined();
  });

  it('a REDIS_URL where nothing listens: 503 naming redis, the database up', async () => {
    const s = await server({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const ready = await call(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', failed: ['redis'], dependencies: { database: 'up', redis: 'down' } });
  });

  it.skipIf(!privateRedisAvailable)('Redis killed: 503 naming redis; started again: 200 (needs redis-server)', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.kill());
    const s = await server({ REDIS_URL: redis.url });
    expect((await call(`${s.url}/readyz`)).body).toMatchObject({ status: 'ready', dependencies: { database: 'up', redis: 'up' } });

    await redis.kill();
    const down = await call(`${s.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', failed: ['redis'], dependencies: { database: 'up', redis: 'down' } });

    await redis.restart();
    // The client reconnects with a back-off: ready again once it has.
    await waitFor(async () => (await call(`${s.url}/readyz`)).status === 200, 'ready again', 15_000, 200);
  }, 60_000);
});
