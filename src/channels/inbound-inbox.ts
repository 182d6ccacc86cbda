/**
 * Inbound platform events (Telegram updates, WeChat messages) handled in the background, and never lost:
 *
 * - `admit` takes one event: the channel's `prepare` says what to run (or nothing), the job is stored in
 *   the inbound journal (inbound-journal.ts), and only then queued — and only then does `admit` resolve,
 *   so a channel tells its platform an event arrived (Telegram's next polling offset, the webhook's 200)
 *   once it is on disk. A job already on record (a redelivery) is not run again.
 * - One chat's admissions run one after the other (the `prepare` step included), so its jobs are
 *   recorded and queued in the order they came; other chats' are not held up by a slow one. The jobs
 *   themselves run one chat's in order, chats in parallel.
 * - A job is marked processed when it finished; one that failed stays pending. `replay` (once per inbox,
 *   at start, before new events are admitted) queues what an earlier process stored but never finished.
 * - `settled()` waits for everything admitted so far (tests, shutdown). A failed job becomes a result,
 *   never an unhandled rejection.
 */
import type { TurnOptions } from './channel-adapter.js';
import { ConversationQueue } from './conversation-queue.js';
import type { InboundJournal } from './inbound-journal.js';

/** One event to run: the platform's id for it, and what the channel runs. */
export interface InboundJob<P> {
  platformId: string;
  payload: P;
}

export type Admission = 'queued' | 'duplicate' | 'skipped';

export interface InboundInboxOptions<P, T> {
  /** Whose events these are in the journal: the channel (`wechat`), or the bot (`telegram:<bot id>`). */
  channel: string;
  journal: InboundJournal;
  /**
   * Runs one job (downloads, then the turn); `replayed`: stored by an earlier process. `turn` goes to the
   * turn's `processActivity`: a recorded job is run only if still unprocessed once the conversation's
   * lease is held, and marked processed before the lease is let go (two instances may hold one row).
   */
  work(payload: P, replayed: boolean, turn: Pick<TurnOptions, 'stillPending' | 'afterTurn'>): Promise<T>;
  /** The result of a job whose work threw (the channel logs it); the job is replayed at the next start. */
  failed(err: unknown, payload: P): T;
  /** Every job's result, each chat's in order. */
  done(result: T): void;
  /** The journal could not be written: `record` (the job still runs, unrecorded) or `mark` (it may be replayed once). */
  journalError(err: unknown, context: { platformId: string; step: 'record' | 'mark' }): void;
}

export class InboundInbox<P, T> {
  private readonly queue = new ConversationQueue();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Each chat's last admission (never rejects): the chat's next one starts after it. */
  private readonly admitting = new Map<string, Promise<unknown>>();
  /** The replay (never rejects): every admission starts after it. */
  private replaying: Promise<unknown> = Promise.resolve();
  private replayed = false;
  /** Journal rows queued here and not finished: a replay never runs them a second time. */
  private readonly running = new Set<number>();

  constructor(private readonly options: InboundInboxOptions<P, T>) {}

  /**
   * Admits one event of chat `key` after the chat's earlier ones: `prepare` returns the job, or undefined
   * when there is nothing to run (the channel has said why); a rejection of `prepare` is returned to the
   * caller. Resolves when the job is recorded and queued (`queued`), was on record already (`duplicate`),
   * or there was nothing to run (`skipped`).
   */
  admit(key: string, prepare: () => InboundJob<P> | undefined | Promise<InboundJob<P> | undefined>): Promise<Admission> {
    const previous = this.admitting.get(key);
    const result = Promise.all([this.replaying, previous]).then(async (): Promise<Admission> => {
      const job = await prepare();
      if (!job) return 'skipped';
      let id: number | undefined;
      try {
        id = await this.options.journal.record(this.options.channel, key, job.platformId, job.payload);
        if (id === undefined) return 'duplicate';
      } catch (err) {
        this.options.journalError(err, { platformId: job.platformId, step: 'record' });
      }
      this.enqueue(key, job, id, false);
      return 'queued';
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.admitting.set(key, tail);
    void tail.then(() => {
      if (this.admitting.get(key) === tail) this.admitting.delete(key);
    });
    this.track(tail);
    return result;
  }

  /**
   * Queues the jobs of this channel an earlier process recorded but never finished, in the order they
   * came (before any event admitted after this call). Only the first call replays; returns how many.
   */
  replay(): Promise<number> {
    if (this.replayed) return Promise.resolve(0);
    this.replayed = true;
    const result = Promise.all([...this.admitting.values()]).then(async () => {
      const entries = await this.options.journal.pending<P>(this.options.channel);
      const replays = entries.filter((e) => !this.running.has(e.id));
      for (const e of replays) this.enqueue(e.chatKey, { platformId: e.platformId, payload: e.payload }, e.id, true);
      return replays.length;
    });
    this.replaying = result.catch(() => undefined);
    this.track(this.replaying);
    return result;
  }

  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private enqueue(key: string, job: InboundJob<P>, id: number | undefined, replayed: boolean): void {
    const { journal, work, failed, done, journalError } = this.options;
    if (id !== undefined) this.running.add(id);
    const task = this.queue
      .run(key, async () => {
        const mark = async () => {
          if (id !== undefined) await journal.markProcessed(id).catch((err: unknown) => journalError(err, { platformId: job.platformId, step: 'mark' }));
        };
        const turn = id === undefined ? {} : { stillPending: () => journal.isPending(id), afterTurn: mark };
        const result = await work(job.payload, replayed, turn);
        // Also when the work ended before a turn (nothing to run): the row is dealt with.
        await mark();
        return result;
      })
      .catch((err: unknown) => failed(err, job.payload))
      .finally(() => {
        if (id !== undefined) this.running.delete(id);
      })
      .then(done);
    this.track(task);
  }

  private track(task: Promise<unknown>): void {
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }
}
