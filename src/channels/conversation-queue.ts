/**
 * One conversation's turns run one at a time, in arrival order; different conversations run in
 * parallel. Without this, two quick messages would read the same state, and the second save would hit
 * an eTag conflict or silently overwrite the first turn's changes.
 */
import PQueue from 'p-queue';
import { InProcessTurnLock, type TurnLock } from '../scale/turn-lock.js';

export class ConversationQueue {
  private readonly queues = new Map<string, PQueue>();

  /** `lock`: also one at a time across instances (a Redis turn lock); by default this process only. */
  constructor(private readonly lock: TurnLock = new InProcessTurnLock()) {}

  /** Runs `task` after every earlier task of the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new PQueue({ concurrency: 1 });
      this.queues.set(key, queue);
      // Forget idle conversations so the map does not grow with every merchant ever seen.
      queue.on('idle', () => {
        if (this.queues.get(key) === queue && queue!.size === 0 && queue!.pending === 0) this.queues.delete(key);
      });
    }
    // Locked inside the local queue: an instance holds a conversation's lease only for the turn it runs.
    return queue.add(() => this.lock.run(key, task)) as Promise<T>;
  }

  /** Number of conversations with queued or running turns. */
  get active(): number {
    return this.queues.size;
  }

  /** Resolves when every queued turn of every conversation has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()].map((q) => q.onIdle()));
  }
}
