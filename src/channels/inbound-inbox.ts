/**
 * Inbound platform events (Telegram updates, WeChat messages) handled in the background: one chat's in
 * order, different chats in parallel, and `settled()` to wait for everything received so far (tests,
 * shutdown). A failed handler becomes a result, never an unhandled rejection.
 */
import { ConversationQueue } from './conversation-queue.js';

export class InboundInbox {
  private readonly queue = new ConversationQueue();
  private readonly inflight = new Set<Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>, onError: (err: unknown) => T, done: (result: T) => void): void {
    const task = this.queue.run(key, work).catch(onError).then(done);
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
