/**
 * What a Telegram bot must remember across restarts, in one small JSON file per bot under
 * `DATA_DIR/telegram/` (no table, so no migration):
 *
 * - **the update ids handled recently** — each update is processed once. Telegram redelivers an update
 *   when a webhook call failed or timed out, or when polling restarts before the offset was confirmed. A
 *   single "last update_id" is not enough: webhook deliveries run concurrently and may arrive out of
 *   order, and after a week without updates Telegram restarts the ids at a random value. So the file keeps
 *   the ids of the last `keep` updates (seven days at most) and an update is a duplicate exactly when its
 *   id is among them.
 * - **long button answers** — `callback_data` holds at most 64 bytes; a longer answer travels as a short
 *   key, and the key → text map is kept here so a button still works after a restart.
 *
 * Writes are atomic (temporary file + rename) and synchronous, so an update is on record before its turn
 * runs. A missing or unreadable file starts empty (logged by the caller).
 */
import { HandledIds, readStateFile, trimOldest, writeStateFile } from '../state-file.js';

interface StateFile {
  version: 1;
  /** [update_id, epoch ms when handled], oldest first. */
  updates: [number, number][];
  /** [key, answer], oldest first. */
  answers: [string, string][];
}

export interface TelegramStateOptions {
  /** Update ids remembered (default 2000). */
  keep?: number;
  /** How long an update id is remembered (default seven days). */
  maxAgeMs?: number;
  /** Long button answers remembered (default 1000). */
  keepAnswers?: number;
  now?: () => number;
}

export class TelegramState {
  private readonly updates: HandledIds<number>;
  private readonly answers = new Map<string, string>();
  private readonly keepAnswers: number;
  /** Why the file could not be read (it then starts empty). */
  readonly loadError: Error | undefined;

  constructor(
    readonly file: string,
    options: TelegramStateOptions = {},
  ) {
    this.updates = new HandledIds(options.keep ?? 2000, options.maxAgeMs ?? 7 * 86_400_000, options.now ?? Date.now);
    this.keepAnswers = options.keepAnswers ?? 1000;
    const { data, error } = readStateFile<StateFile>(file);
    this.loadError = error;
    this.updates.load(data.updates, (id): id is number => Number.isSafeInteger(id));
    for (const [key, text] of data.answers ?? []) if (typeof key === 'string' && typeof text === 'string') this.answers.set(key, text);
  }

  /**
   * Records `updateId` as handled; false when it was handled before (a duplicate delivery). Synchronous:
   * two concurrent deliveries of one update cannot both claim it.
   */
  claim(updateId: number): boolean {
    if (!this.updates.claim(updateId)) return false;
    this.save();
    return true;
  }

  /** Whether `updateId` is on record (for diagnostics and tests). */
  seen(updateId: number): boolean {
    return this.updates.has(updateId);
  }

  /** Remembers the answer behind a short button key. */
  rememberAnswer(key: string, text: string): void {
    if (this.answers.get(key) === text) return;
    this.answers.delete(key);
    this.answers.set(key, text);
    trimOldest(this.answers, this.keepAnswers);
    this.save();
  }

  answerFor(key: string): string | undefined {
    return this.answers.get(key);
  }

  private save(): void {
    writeStateFile(this.file, { version: 1, updates: this.updates.entries(), answers: [...this.answers] } satisfies StateFile);
  }
}
