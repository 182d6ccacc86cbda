/**
 * What a Telegram bot must remember across restarts, in one small JSON file per bot under
 * `DATA_DIR/telegram/` (no table, so no migration): **long button answers** — `callback_data` holds at
 * most 64 bytes; a longer answer travels as a short key, and the key → text map is kept here so a button
 * still works after a restart.
 *
 * Which updates were handled is not kept here: every update is stored in the inbound journal before it
 * is acknowledged, and a redelivered one is recognised there (../inbound-journal.ts). A file written by an
 * earlier version (with `updates`) is read as before; the list is dropped at the next write.
 *
 * Writes are atomic (temporary file + rename) and synchronous. A missing or unreadable file starts empty
 * (logged by the caller).
 */
import { readStateFile, trimOldest, writeStateFile } from '../state-file.js';

interface StateFile {
  version: 1;
  /** [key, answer], oldest first. */
  answers: [string, string][];
}

export interface TelegramStateOptions {
  /** Long button answers remembered (default 1000). */
  keepAnswers?: number;
}

export class TelegramState {
  private readonly answers = new Map<string, string>();
  private readonly keepAnswers: number;
  /** Why the file could not be read (it then starts empty). */
  readonly loadError: Error | undefined;

  constructor(
    readonly file: string,
    options: TelegramStateOptions = {},
  ) {
    this.keepAnswers = options.keepAnswers ?? 1000;
    const { data, error } = readStateFile<StateFile>(file);
    this.loadError = error;
    for (const [key, text] of data.answers ?? []) if (typeof key === 'string' && typeof text === 'string') this.answers.set(key, text);
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
    writeStateFile(this.file, { version: 1, answers: [...this.answers] } satisfies StateFile);
  }
}
