/**
 * Tests against a real Redis: the shared one at `TEST_REDIS_URL` (default redis://127.0.0.1:6379), with
 * a key prefix per test so parallel workers and files never meet, and — for outages — a private
 * `redis-server` on a free port that a test may stop and start again.
 *
 * When Redis does not answer, the Redis cases are skipped and the run says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const REDIS_SERVER = process.env.REDIS_SERVER_BIN || '/usr/bin/redis-server';

async function probeRedis(): Promise<string | undefined> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG' ? undefined : 'no PONG';
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  } finally {
    client.disconnect();
  }
}

/** Why the Redis cases are skipped in this run, or undefined when they run. */
export const redisUnavailable: string | undefined = await probeRedis();
if (redisUnavailable !== undefined) {
  console.warn(`Redis at ${TEST_REDIS_URL} does not answer (${redisUnavailable}): the Redis cases are skipped.`);
}

/** A `describe` that runs only when Redis answers; its name says why it was skipped otherwise. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisUnavailable === undefined) describe(name, body);
  else describe.skip(`${name} (skipped: Redis does not answer at ${TEST_REDIS_URL})`, body);
}

/** A key prefix of its own for one test. */
export function testPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** A plain client of the shared test Redis (the test closes it, or `deleteKeys` with it). */
export function testClient(url = TEST_REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 50, 500) });
  client.on('error', () => undefined);
  return client;
}

/** Deletes every key under the prefix. */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = testClient(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

export const privateRedisAvailable = existsSync(REDIS_SERVER);

/** A port nothing listens on at the moment (for a server started with a PORT of its own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` of the test's own (no persistence, 127.0.0.1, a free port), so a test can take Redis
 * away and bring it back — an empty Redis, as after a restart without persistence.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts the server (again, on the same port) and resolves once it answers. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('already running');
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    const client = testClient(this.url);
    try {
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          if ((await client.ping()) === 'PONG') return;
        } catch {
          if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      client.disconnect();
    }
  }

  /** Kills the server at once (no shutdown save): an outage. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
