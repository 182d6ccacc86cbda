/**
 * The turn lock over Redis: a lease (`SET key token NX PX lease`) renewed while the turn runs, released
 * only by its holder (compare-and-delete), with a fence number from a counter beside it.
 * - A holder that dies stops renewing: its lease expires after `leaseMs` and the next instance goes on.
 * - A long turn keeps its lease: it is renewed every third of `leaseMs`.
 * - A holder that could not renew in time (paused, cut off from Redis) sees `held: false`; its release
 *   deletes nothing that another holder took meanwhile.
 * - Redis away: the turn runs with this instance's order only (the conversation queue) and a warning,
 *   rather than not at all; the message was stored before the turn, whatever happens to it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { LuaScript, throttledWarning } from './redis-client.js';
import type { Lease, TurnLock } from './turn-lock.js';

const ACQUIRE = new LuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return fence
end
return 0`);

/** Also the leader election's renewal: extends the lease only while the token still owns it. */
export const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);

export const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** The fence counter outlives any lease by far; it expires so idle conversations leave nothing behind. */
const FENCE_TTL_MS = 24 * 3600_000;
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 100;

export interface RedisTurnLockOptions {
  client: Redis;
  prefix: string;
  /** How long a holder that stopped renewing keeps the lock (default 15 s). */
  leaseMs?: number;
  /** How long a turn waits for the lock before it fails (default 2 min: longer than any turn). */
  waitMs?: number;
  logger?: Logger;
}

export class TurnLockTimeoutError extends Error {
  constructor(key: string, waitedMs: number) {
    super(`the turn lock of ${key} was not free within ${waitedMs} ms`);
    this.name = 'TurnLockTimeoutError';
  }
}

export class RedisTurnLock implements TurnLock {
  private readonly leaseMs: number;
  private readonly waitMs: number;
  private readonly degraded: ReturnType<typeof throttledWarning>;

  constructor(private readonly options: RedisTurnLockOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.waitMs = options.waitMs ?? 120_000;
    this.degraded = throttledWarning(options.logger);
  }

  async run<T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    const { client } = this.options;
    const lockKey = `${this.options.prefix}turn:${key}`;
    const fenceKey = `${this.options.prefix}turn-fence:${key}`;
    const token = randomBytes(12).toString('hex');
    const started = Date.now();
    let fence = 0;
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      try {
        fence = Number(await ACQUIRE.run(client, [lockKey, fenceKey], [token, this.leaseMs, FENCE_TTL_MS]));
      } catch (err) {
        this.degraded({ err, key }, 'turn lock unavailable (Redis): turns keep only this instance\'s order');
        return task({ key, fence: 0, held: false });
      }
      if (fence > 0) break;
      if (Date.now() - started > this.waitMs) throw new TurnLockTimeoutError(key, this.waitMs);
      await new Promise((r) => setTimeout(r, delay));
    }

    const lease = { key, fence, held: true };
    let renewedAt = Date.now();
    const renew = setInterval(() => {
      const sentAt = Date.now();
      RENEW.run(client, [lockKey], [token, this.leaseMs]).then(
        (ok) => {
          if (Number(ok) === 1) renewedAt = sentAt;
          else lose('taken over');
        },
        () => {
          // Not renewed yet; the lease is lost only once it has run out.
          if (Date.now() - renewedAt >= this.leaseMs) lose('not renewed in time');
        },
      );
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    const lose = (why: string) => {
      if (!lease.held) return;
      lease.held = false;
      clearInterval(renew);
      this.options.logger?.warn({ key, fence, why }, 'turn lock lost while the turn ran: another instance may run this conversation');
    };
    try {
      return await task(lease);
    } finally {
      clearInterval(renew);
      // Compare-and-delete: deletes nothing once another holder has the key.
      await RELEASE.run(client, [lockKey], [token]).catch(() => undefined);
    }
  }
}
