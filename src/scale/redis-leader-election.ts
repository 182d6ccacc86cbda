/**
 * Leader election over Redis: the leader holds `SET key id NX PX ttl` and renews it every third of the
 * ttl; the others try to take it as often. When the leader dies its key expires and another instance
 * leads within `ttlMs + ttlMs / 3` (15 s + 5 s by default: inside the 30 s the operators expect).
 *
 * A leader that cannot renew (Redis away) steps down by itself a tick before its key can expire, so it
 * does not lead beside its successor. A process paused longer than the ttl (a debugger, a frozen VM)
 * wakes up believing it leads until its next tick: a singleton must still tolerate a short overlap.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { LeadershipState } from './leader-election.js';
import { RELEASE, RENEW } from './redis-turn-lock.js';

export interface RedisLeaderElectionOptions {
  client: Redis;
  prefix: string;
  /** What is led (one election per name), e.g. `singletons`. */
  name: string;
  /** How long a leader that stopped renewing keeps the lead (default 15 s). */
  ttlMs?: number;
  logger?: Logger;
}

export class RedisLeaderElection extends LeadershipState {
  /** This instance in the election (also what `GET key` shows an operator). */
  readonly id = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly key: string;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewedAt = 0;
  private ticking = false;
  private readonly interval: number;

  constructor(private readonly options: RedisLeaderElectionOptions) {
    super();
    this.key = `${options.prefix}leader:${options.name}`;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.interval = Math.max(1, Math.floor(this.ttlMs / 3));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.interval);
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.isLeader) return;
    this.setLeader(false);
    await RELEASE.run(this.options.client, [this.key], [this.id]).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const sentAt = Date.now();
    try {
      if (this.isLeader) {
        const ok = Number(await RENEW.run(this.options.client, [this.key], [this.id, this.ttlMs]));
        if (ok === 1) this.renewedAt = sentAt;
        else this.depose('another instance holds the lead');
      } else {
        const ok = await this.options.client.set(this.key, this.id, 'PX', this.ttlMs, 'NX');
        if (ok === 'OK' && this.timer) {
          this.renewedAt = sentAt;
          this.options.logger?.info({ election: this.options.name, id: this.id }, 'this instance leads');
          this.setLeader(true);
        }
      }
    } catch (err) {
      // Steps down one tick before the key can expire, so that it never leads beside its successor.
      if (this.isLeader && Date.now() - this.renewedAt >= this.ttlMs - this.interval) this.depose('the lead could not be renewed in time', err);
    } finally {
      this.ticking = false;
    }
  }

  private depose(why: string, err?: unknown): void {
    this.options.logger?.warn({ election: this.options.name, id: this.id, why, err }, 'this instance no longer leads');
    this.setLeader(false);
  }
}
