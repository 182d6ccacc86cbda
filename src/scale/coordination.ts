/**
 * What the instances of one deployment coordinate through, chosen once at start: in process (one
 * instance, the default, no configuration) or in Redis (`REDIS_URL`). The composition root makes one and
 * hands its parts to the channels; nothing below it knows which one runs.
 */
import type { Logger } from '../core/logger.js';
import { SoleLeader, type LeaderElection } from './leader-election.js';
import { InProcessBus, type MessageBus } from './message-bus.js';
import { InProcessRateLimit, type RateLimit, type RateLimitSpec } from './rate-limit.js';
import { closeRedis, connectRedis, whenReady } from './redis-client.js';
import { RedisLeaderElection } from './redis-leader-election.js';
import { RedisMessageBus } from './redis-message-bus.js';
import { RedisRateLimit } from './redis-rate-limit.js';
import { RedisTurnLock } from './redis-turn-lock.js';
import { InProcessTurnLock, type TurnLock } from './turn-lock.js';

export interface Coordination {
  readonly kind: 'in-process' | 'redis';
  readonly bus: MessageBus;
  readonly turnLock: TurnLock;
  rateLimit(spec: RateLimitSpec): RateLimit;
  /** An election of its own per name; the caller starts it. */
  election(name: string): LeaderElection;
  /** Resolves true once Redis answers (at once in process); false after `timeoutMs`. It keeps trying. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Whether Redis answers now (`/readyz`); always true in process. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CoordinationOptions {
  /** `redis://…` or `rediss://…`; unset = in process. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel: deployments (or tests) sharing one Redis do not meet. */
  prefix?: string;
  logger?: Logger;
  /** Turn lock lease (default 15 s). */
  turnLeaseMs?: number;
  /** Leader lease (default 15 s: takeover within 20 s). */
  leaderTtlMs?: number;
}

export const DEFAULT_REDIS_PREFIX = 'pos-assist:';

export function createCoordination(options: CoordinationOptions = {}): Coordination {
  if (!options.redisUrl) return inProcess();
  const { redisUrl, logger } = options;
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const client = connectRedis(redisUrl, { role: 'commands', logger });
  const bus = new RedisMessageBus({ url: redisUrl, prefix, logger });
  const elections: LeaderElection[] = [];
  return {
    kind: 'redis',
    bus,
    turnLock: new RedisTurnLock({ client, prefix, leaseMs: options.turnLeaseMs, logger }),
    rateLimit: (spec) => new RedisRateLimit({ client, prefix, spec, logger }),
    election(name) {
      const election = new RedisLeaderElection({ client, prefix, name, ttlMs: options.leaderTtlMs, logger });
      elections.push(election);
      return election;
    },
    ready: (timeoutMs = 5_000) => whenReady(client, timeoutMs),
    async healthy() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      // Stepping down first: the next leader need not wait for the lease to run out.
      await Promise.all(elections.map((e) => e.stop()));
      await bus.close();
      await closeRedis(client);
    },
  };
}

function inProcess(): Coordination {
  const bus = new InProcessBus();
  return {
    kind: 'in-process',
    bus,
    turnLock: new InProcessTurnLock(),
    rateLimit: (spec) => new InProcessRateLimit(spec),
    election: () => new SoleLeader(),
    ready: async () => true,
    healthy: async () => true,
    close: () => bus.close(),
  };
}
