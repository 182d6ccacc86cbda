/**
 * One conversation's turns never run at the same time, across instances too. Inside one process the
 * conversation queue (src/channels/conversation-queue.ts) already runs them one at a time; a turn lock
 * extends that to every instance sharing the conversation.
 */

export interface Lease {
  readonly key: string;
  /**
   * Grows with every grant of the key's lock: a write carrying a smaller fence than the last one seen
   * comes from a holder whose lease expired. 0 when the lock did not take part (single instance, or
   * Redis was away).
   */
  readonly fence: number;
  /** False once the lease could not be renewed in time: another instance may be running this key. */
  readonly held: boolean;
}

export interface TurnLock {
  /** Runs `task` while this instance holds `key`'s lease; other instances' tasks of `key` wait. */
  run<T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T>;
}

/** The single-instance default: the conversation queue is the only order there is to keep. */
export class InProcessTurnLock implements TurnLock {
  run<T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    return task({ key, fence: 0, held: true });
  }
}
