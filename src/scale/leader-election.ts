/**
 * One leader among the instances for what must run once: Telegram long polling (two pollers steal each
 * other's updates), the WeChat puppet, sweepers and timers. Whoever starts such a singleton starts it
 * when `onChange(true)` and stops it when `onChange(false)`.
 */

export interface LeaderElection {
  readonly isLeader: boolean;
  /** Called with the new state whenever it changes (and at once if this instance leads already). */
  onChange(listener: (leader: boolean) => void): () => void;
  /** Begins to campaign (and, once leader, to renew). */
  start(): void;
  /** Steps down at once, so another instance takes over without waiting for the lease to run out. */
  stop(): Promise<void>;
}

/** Keeps the listeners and tells them of changes: what both elections share. */
export abstract class LeadershipState implements LeaderElection {
  private leader = false;
  private readonly listeners = new Set<(leader: boolean) => void>();

  get isLeader(): boolean {
    return this.leader;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    if (this.leader) listener(true);
    return () => void this.listeners.delete(listener);
  }

  protected setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of [...this.listeners]) listener(leader);
  }

  abstract start(): void;
  abstract stop(): Promise<void>;
}

/** The single-instance default: this instance leads from the start. */
export class SoleLeader extends LeadershipState {
  start(): void {
    this.setLeader(true);
  }

  async stop(): Promise<void> {
    this.setLeader(false);
  }
}

/** What runs on the leader only: Telegram long polling, the WeChat puppet, a sweeper's timer… */
export interface Singleton {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Starts the singleton whenever this instance becomes leader and stops it when it no longer is, one
 * change at a time (a stop finishes before the next start). Resolves the returned function once the
 * singleton is stopped for good (shutdown); the election itself is the caller's to stop.
 */
export function runWhileLeader(election: LeaderElection, singleton: Singleton, onError: (err: unknown) => void): () => Promise<void> {
  let running = false;
  let changes = Promise.resolve();
  const apply = (leader: boolean) => {
    changes = changes.then(async () => {
      if (leader === running) return;
      try {
        await (leader ? singleton.start() : singleton.stop());
        running = leader;
      } catch (err) {
        onError(err);
      }
    });
  };
  const off = election.onChange(apply);
  return async () => {
    off();
    apply(false);
    await changes;
  };
}
