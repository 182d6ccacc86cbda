/**
 * `/readyz` asks the database (a trivial query) and Redis (PING) at each call: 200 while both answer,
 * 503 naming the one that does not — a private `redis-server` killed and started again, a REDIS_URL where
 * nothing listens, and PostgreSQL cut off (its connections go through a TCP relay the test closes and
 * opens again) — so a load balancer takes the instance out and back in.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, createTestSchema, describePostgres, dropTestSchema } from '../helpers/dialects.js';
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

/** Ready with `states`; after `cut`, 503 naming `failing` (the others unchanged); after `restore`, ready again. */
async function expectOutage(
  s: TestServer,
  states: { database: string; redis: string },
  failing: 'database' | 'redis',
  cut: () => Promise<void>,
  restore: () => Promise<void>,
): Promise<void> {
  expect((await call(`${s.url}/readyz`)).body).toMatchObject({ status: 'ready', dependencies: states });
  await cut();
  const down = await call(`${s.url}/readyz`);
  expect(down.status).toBe(503);
  expect(down.body).toMatchObject({ status: 'unavailable', failed: [failing], dependencies: { ...states, [failing]: 'down' } });
  await restore();
  await waitFor(async () => (await call(`${s.url}/readyz`)).status === 200, 'ready again', 15_000, 200);
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
    // The client reconnects with a back-off: ready again once it has.
    await expectOutage(s, { database: 'up', redis: 'up' }, 'redis', () => redis.kill(), () => redis.restart());
  }, 60_000);
});

/** Relays TCP connections from a local port to `target`; `cut` closes them all and stops listening. */
class TcpRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpRelay> {
    const relay = new TcpRelay(await freePort(), target);
    await relay.open();
    return relay;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describePostgres('/readyz while PostgreSQL does not answer', () => {
  it('503 naming the database while it is cut off; 200 once it is back', async () => {
    const made = await createTestSchema();
    cleanups.push(() => dropTestSchema(made.schema));
    const direct = new URL(TEST_DATABASE_URL);
    const relay = await TcpRelay.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    cleanups.push(() => relay.cut());
    const url = new URL(made.url);
    url.host = `127.0.0.1:${relay.port}`;
    const s = await server({ DATABASE_URL: url.toString() });
    await expectOutage(s, { database: 'up', redis: 'off' }, 'database', () => relay.cut(), () => relay.open());
  }, 60_000);
});
