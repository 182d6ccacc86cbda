/**
 * The inbound journal of the platform channels (Telegram, WeChat): what a merchant sent is stored before
 * the platform is told it arrived and before its turn runs, marked processed when the turn is done, and
 * replayed at the next start when the process died in between (Direct Line keeps its own activities the
 * same way, in `dl_activities`).
 *
 * - `record` is idempotent on (channel, platform id): a Telegram update redelivered after a crash, or a
 *   WeChat message a puppet emits twice, is stored — and so run — once.
 * - The payload is what the channel needs to run the turn again: the normalized inbound activity, already
 *   card-masked by the channel (`maskInbound`), and platform file references (a Telegram `file_id`, a
 *   WeChat message id) to download at run time. It is masked once more here: a clear card number is never
 *   written, whatever a caller passes (masked text masks to itself; identifiers are left alone).
 * - `pending` lists a channel's unprocessed rows in arrival order and counts the replay as an attempt; a
 *   row that failed `maxAttempts` replays, or is older than `keepMs`, is not replayed any more.
 * - Rows are deleted `keepMs` (a day) after they arrived — long enough to recognise a redelivery (Telegram
 *   keeps an unconfirmed update 24 hours) — at start and at most once an hour as turns finish.
 */
import type { Kysely } from 'kysely';
import { maskActivity } from '../privacy/card-mask.js';
import type { Database } from '../store/schema.js';

export interface InboundJournalOptions {
  /** How long a row is kept after it arrived (default a day): the dedupe window, and the oldest replay. */
  keepMs?: number;
  /** Replays of one row before it is given up (default 3). */
  maxAttempts?: number;
  /** Shortest time between two purges triggered by finished turns (default an hour). */
  purgeEveryMs?: number;
  now?: () => Date;
}

export interface JournalEntry<P = unknown> {
  id: number;
  channel: string;
  chatKey: string;
  platformId: string;
  payload: P;
  /** Replays started, this one included. */
  attempts: number;
  createdAt: string;
}

export class InboundJournal {
  private readonly keepMs: number;
  private readonly maxAttempts: number;
  private readonly purgeEveryMs: number;
  private readonly now: () => Date;
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    options: InboundJournalOptions = {},
  ) {
    this.keepMs = options.keepMs ?? 86_400_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.purgeEveryMs = options.purgeEveryMs ?? 3_600_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Stores one inbound event and returns its row id; undefined (nothing written) when (channel, platform id) is on record. */
  async record(channel: string, chatKey: string, platformId: string, payload: unknown): Promise<number | undefined> {
    const row = await this.db
      .insertInto('channel_inbound')
      .values({
        channel,
        platform_id: platformId,
        chat_key: chatKey,
        payload_json: JSON.stringify(maskActivity(payload).value),
        processed_at: null,
        created_at: this.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['channel', 'platform_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** The turn of `id` is done (answered, refused or failed inside the bot): it is not replayed. */
  async markProcessed(id: number): Promise<void> {
    await this.db.updateTable('channel_inbound').set({ processed_at: this.now().toISOString() }).where('id', '=', id).execute();
    if (this.now().getTime() - this.lastPurge >= this.purgeEveryMs) await this.purge();
  }

  /**
   * Whether `id`'s turn is still to run: asked inside the conversation's lease, so that of two instances
   * holding the same row (the one it came to, and one replaying what looked unfinished) one answers it.
   */
  async isPending(id: number): Promise<boolean> {
    const row = await this.db.selectFrom('channel_inbound').select('processed_at').where('id', '=', id).executeTakeFirst();
    return row !== undefined && row.processed_at === null;
  }

  /**
   * A channel's rows whose turn never finished, oldest first (each chat's in the order they came), each
   * counted as one more attempt. Rows past `maxAttempts` or older than `keepMs` are left out.
   */
  async pending<P = unknown>(channel: string): Promise<JournalEntry<P>[]> {
    const cutoff = new Date(this.now().getTime() - this.keepMs).toISOString();
    const rows = await this.db
      .selectFrom('channel_inbound')
      .selectAll()
      .where('channel', '=', channel)
      .where('processed_at', 'is', null)
      .where('attempts', '<', this.maxAttempts)
      .where('created_at', '>=', cutoff)
      .orderBy('id')
      .execute();
    if (rows.length === 0) return [];
    await this.db
      .updateTable('channel_inbound')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', rows.map((r) => r.id))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      chatKey: r.chat_key,
      platformId: r.platform_id,
      payload: JSON.parse(r.payload_json) as P,
      attempts: r.attempts + 1,
      createdAt: r.created_at,
    }));
  }

  /** Deletes rows that arrived more than `keepMs` ago (processed or given up); returns how many. */
  async purge(): Promise<number> {
    this.lastPurge = this.now().getTime();
    const cutoff = new Date(this.lastPurge - this.keepMs).toISOString();
    const result = await this.db.deleteFrom('channel_inbound').where('created_at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
