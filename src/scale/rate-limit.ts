/**
 * A rate limit by key (a conversation, a client address): how many hits a window allows. The in-process
 * limit is what a single instance uses (src/core/rate-limiter.ts); with several instances the Redis one
 * makes them share one budget instead of each enforcing its own.
 */
import { RateLimiter } from '../core/rate-limiter.js';

export interface RateLimit {
  /** Records a hit; resolves 0 when allowed, else the milliseconds until the next hit would be. */
  take(key: string): Promise<number>;
}

export interface RateLimitSpec {
  /** Names the limit (its keys in Redis), e.g. `dl-messages`. */
  name: string;
  limit: number;
  windowMs?: number;
}

export class InProcessRateLimit implements RateLimit {
  private readonly limiter: RateLimiter;

  constructor(spec: RateLimitSpec, now?: () => number) {
    this.limiter = new RateLimiter(spec.limit, spec.windowMs, now);
  }

  async take(key: string): Promise<number> {
    return this.limiter.take(key);
  }
}
