/**
 * What the WeChat channel must remember across restarts, in one small JSON file per bot account under
 * `DATA_DIR/wechat/` (no table, so no migration): **the numbered options of the bot's last message in each
 * conversation** — WeChat has no buttons, so the bot writes its choices as "1. …", "2. …"; a merchant
 * answering "1" means the first of them, even after a restart.
 *
 * Which messages were handled is not kept here: every message is stored in the inbound journal before it
 * runs, and one a puppet emits again is recognised there (../inbound-journal.ts). A file written by an
 * earlier version (with `messages`) is read as before; the list is dropped at the next write.
 *
 * Writes are atomic (temporary file + rename) and synchronous. A missing or unreadable file starts empty
 * (logged by the caller).
 */
import { readStateFile, trimOldest, writeStateFile } from '../state-file.js';

interface StateFile {
  version: 1;
  /** [conversation id, options], least recently updated first. */
  options: [string, string[]][];
}

export interface WechatStateOptions {
  /** Conversations whose last options are remembered (default 2000). */
  keepOptions?: number;
}

export class WechatState {
  private readonly options = new Map<string, string[]>();
  private readonly keepOptions: number;
  /** Why the file could not be read (it then starts empty). */
  readonly loadError: Error | undefined;

  constructor(
    readonly file: string,
    options: WechatStateOptions = {},
  ) {
    this.keepOptions = options.keepOptions ?? 2000;
    const { data, error } = readStateFile<StateFile>(file);
    this.loadError = error;
    for (const [conversation, list] of data.options ?? []) {
      if (typeof conversation === 'string' && Array.isArray(list) && list.every((o) => typeof o === 'string')) this.options.set(conversation, list);
    }
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
    writeStateFile(this.file, { version: 1, options: [...this.options] } satisfies StateFile);
  }
}
