/**
 * What the WeChat channel must remember across restarts, in one small JSON file per bot account under
 * `DATA_DIR/wechat/` (no table, so no migration):
 *
 * - **the message ids handled recently** — each message is processed once. A puppet may emit a message
 *   again (reconnects, a service replaying its queue after a restart); the file keeps the ids of the last
 *   `keep` messages (seven days at most) and a message is a duplicate exactly when its id is among them.
 * - **the numbered options of the bot's last message in each conversation** — WeChat has no buttons, so
 *   the bot writes its choices as "1. …", "2. …"; a merchant answering "1" means the first of them, even
 *   after a restart.
 *
 * Writes are atomic (temporary file + rename) and synchronous, so a message is on record before its turn
 * runs. A missing or unreadable file starts empty (logged by the caller).
 */
import { HandledIds, readStateFile, trimOldest, writeStateFile } from '../state-file.js';

interface StateFile {
  version: 1;
  /** [message id, epoch ms when handled], oldest first. */
  messages: [string, number][];
  /** [conversation id, options], least recently updated first. */
  options: [string, string[]][];
}

export interface WechatStateOptions {
  /** Message ids remembered (default 5000). */
  keep?: number;
  /** How long a message id is remembered (default seven days). */
  maxAgeMs?: number;
  /** Conversations whose last options are remembered (default 2000). */
  keepOptions?: number;
  now?: () => number;
}

export class WechatState {
  private readonly messages: HandledIds<string>;
  private readonly options = new Map<string, string[]>();
  private readonly keepOptions: number;
  /** Why the file could not be read (it then starts empty). */
  readonly loadError: Error | undefined;

  constructor(
    readonly file: string,
    options: WechatStateOptions = {},
  ) {
    this.messages = new HandledIds(options.keep ?? 5000, options.maxAgeMs ?? 7 * 86_400_000, options.now ?? Date.now);
    this.keepOptions = options.keepOptions ?? 2000;
    const { data, error } = readStateFile<StateFile>(file);
    this.loadError = error;
    this.messages.load(data.messages, (id): id is string => typeof id === 'string');
    for (const [conversation, list] of data.options ?? []) {
      if (typeof conversation === 'string' && Array.isArray(list) && list.every((o) => typeof o === 'string')) this.options.set(conversation, list);
    }
  }

  /**
   * Records `messageId` as handled; false when it was handled before (a duplicate). Synchronous: two
   * concurrent deliveries of one message cannot both claim it.
   */
  claim(messageId: string): boolean {
    if (!this.messages.claim(messageId)) return false;
    this.save();
    return true;
  }

  /** Whether `messageId` is on record (for diagnostics and tests). */
  seen(messageId: string): boolean {
    return this.messages.has(messageId);
  }

  /** The numbered options of the bot's last message in `conversationId` (empty list: none). */
  setOptions(conversationId: string, options: string[]): void {
    const current = this.options.get(conversationId);
    if (!current && options.length === 0) return;
    if (current && current.length === options.length && current.every((o, i) => o === options[i])) return;
    this.options.delete(conversationId);
    if (options.length) this.options.set(conversationId, options);
    trimOldest(this.options, this.keepOptions);
    this.save();
  }

  optionsFor(conversationId: string): string[] {
    return this.options.get(conversationId) ?? [];
  }

  private save(): void {
    writeStateFile(this.file, { version: 1, messages: this.messages.entries(), options: [...this.options] } satisfies StateFile);
  }
}
