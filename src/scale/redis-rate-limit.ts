/**
 * The rate limit shared by every instance: a sliding log per key in a Redis sorted set (hit times as
 * scores), checked and recorded in one script on Redis's clock, so the instances' clocks do not matter.
 * Same answer as the in-process limiter: 0, or how long until the oldest hit in the window leaves it.
 * Redis away: the hit is allowed (with a warning) — a limit must not take the chat down with it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { RateLimit, RateLimitSpec } from './rate-limit.js';
import { LuaScript, throttledWarning } from './redis-client.js';

const TAKE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0`);

export class RedisRateLimit implements RateLimit {
  private readonly windowMs: number;
  private readonly degraded: ReturnType<typeof throttledWarning>;
  private counter = 0;
  private readonly instance = randomBytes(6).toString('hex');

  constructor(private readonly options: { client: Redis; prefix: string; spec: RateLimitSpec; logger?: Logger }) {
    this.windowMs = options.spec.windowMs ?? 60_000;
    this.degraded = throttledWarning(options.logger);
  }

  async take(key: string): Promise<number> {
    const { client, prefix, spec } = this.options;
    // Unique per hit: two hits in the same millisecond are two members.
    this.counter = (this.counter + 1) % 1_000_000_000;
    try {
      return Number(await TAKE.run(client, [`${prefix}rate:${spec.name}:${key}`], [this.windowMs, spec.limit, `${this.instance}${this.counter}`]));
    } catch (err) {
      this.degraded({ err, limit: spec.name }, 'shared rate limit unavailable (Redis): hits are let through');
      return 0;
    }
  }
}
