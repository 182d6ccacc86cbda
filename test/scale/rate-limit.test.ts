/**
 * The rate limit: in process (per instance, as before) and in a real Redis, where two instances share
 * one budget per key. Same answers from both: 0 while allowed, else how long until the next hit is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessRateLimit, type RateLimit } from '../../src/scale/rate-limit.js';
import { connectRedis, whenReady } from '../../src/scale/redis-client.js';
import { RedisRateLimit } from '../../src/scale/redis-rate-limit.js';
import { TEST_REDIS_URL, deleteKeys, describeWithRedis, testPrefix } from '../helpers/redis.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function redisLimits(n: number, limit: number, windowMs: number, url = TEST_REDIS_URL): Promise<RateLimit[]> {
  const prefix = testPrefix();
  cleanups.push(() => deleteKeys(prefix));
  const limits = [];
  for (let i = 0; i < n; i++) {
    const client = connectRedis(url, { role: 'test' });
    cleanups.push(() => client.disconnect());
    await whenReady(client, 5_000);
    limits.push(new RedisRateLimit({ client, prefix, spec: { name: 'dl-messages', limit, windowMs } }));
  }
  return limits;
}

describe('in-process rate limit', () => {
  it('allows `limit` hits per window and key, then says how long to wait', async () => {
    let now = 1_000_000;
    const limit = new InProcessRateLimit({ name: 'x', limit: 2, windowMs: 60_000 }, () => now);
    expect(await limit.take('a')).toBe(0);
    now += 10_000;
    expect(await limit.take('a')).toBe(0);
    expect(await limit.take('a')).toBe(50_000);
    expect(await limit.take('b')).toBe(0);
    now += 50_000;
    expect(await limit.take('a')).toBe(0);
  });
});

describeWithRedis('Redis rate limit', () => {
  it('two instances share one budget per key; other keys have their own', async () => {
    const [a, b] = await redisLimits(2, 5, 60_000);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await (i % 2 ? b! : a!).take('conv-1'));
    expect(answers.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    for (const wait of answers.slice(5)) {
      expect(wait).toBeGreaterThan(59_000);
      expect(wait).toBeLessThanOrEqual(60_000);
    }
    expect(await b!.take('conv-2')).toBe(0);
  });

  it('counts concurrent hits exactly (the check and the record are one step)', async () => {
    const [a, b] = await redisLimits(2, 10, 60_000);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b! : a!).take('burst')));
    expect(answers.filter((w) => w === 0)).toHaveLength(10);
  });

  it('slides: a hit leaves the window after windowMs', async () => {
    const [a] = await redisLimits(1, 2, 300);
    expect(await a!.take('k')).toBe(0);
    expect(await a!.take('k')).toBe(0);
    const wait = await a!.take('k');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, wait + 20));
    expect(await a!.take('k')).toBe(0);
  });
});

describe('Redis rate limit while Redis is away', () => {
  it('lets the hit through rather than failing the request', async () => {
    const client = connectRedis('redis://127.0.0.1:1', { role: 'test' });
    cleanups.push(() => client.disconnect());
    const limit = new RedisRateLimit({ client, prefix: testPrefix(), spec: { name: 'dl-messages', limit: 1 } });
    expect(await limit.take('k')).toBe(0);
    expect(await limit.take('k')).toBe(0);
  });
});
