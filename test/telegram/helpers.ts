/**
 * The Telegram channel under test: a REAL runtime (test/helpers/runtime.ts: SQLite, knowledge index,
 * flows, requests, handoff), the real adapter started by `startTelegram` (grammY long polling) against
 * the fake Bot API on 127.0.0.1, and builders for the updates Telegram sends.
 */
import type { CallbackQuery, Message, MessageEntity, User } from 'grammy/types';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import type { BotLogic } from '../../src/channels/channel-adapter.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { startTelegram, type TelegramChannel } from '../../src/channels/telegram/start.js';
import type { TelegramAdapter, UpdateHandled } from '../../src/channels/telegram/telegram-adapter.js';
import { startRuntime, type TestRuntime } from '../helpers/runtime.js';
import { FakeBotApi, TEST_BOT, type RecordedCall, type UpdateInput } from './fake-bot-api.js';

export { TEST_BOT, TEST_TOKEN } from './fake-bot-api.js';

export interface Harness {
  fake: FakeBotApi;
  rt: TestRuntime;
  channel: TelegramChannel;
  adapter: TelegramAdapter;
  /**
   * Queues an update on the fake (the bot fetches it by long polling) and waits until the adapter has
   * handled it; returns how, and the Bot API calls made meanwhile.
   */
  send(update: UpdateInput, options?: { force?: boolean }): Promise<{ handled: UpdateHandled; calls: RecordedCall[]; update: UpdateInput }>;
  close(): Promise<void>;
}

/** Waits for the adapter's next 'update' event for `updateId`. */
export function nextHandled(adapter: TelegramAdapter, updateId: number, timeoutMs = 20_000): Promise<UpdateHandled> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      adapter.events.off('update', listener);
      reject(new Error(`update ${updateId} not handled within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (handled: UpdateHandled) => {
      if (handled.updateId !== updateId) return;
      clearTimeout(timer);
      adapter.events.off('update', listener);
      resolve(handled);
    };
    adapter.events.on('update', listener);
  });
}

export async function startHarness(
  options: {
    rt?: TestRuntime;
    env?: Record<string, string>;
    adapterOptions?: Parameters<typeof startTelegram>[0]['adapterOptions'];
    /** Another Bot API fake (a restarted bot on the same one); closed by `close()` only when not given. */
    fake?: FakeBotApi;
    /** The bot's turn (default: the runtime's bot). */
    logic?: BotLogic;
  } = {},
): Promise<Harness> {
  const fake = options.fake ?? (await FakeBotApi.start());
  const rt = options.rt ?? (await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always', ...options.env }));
  const config = loadConfig({
    DATA_DIR: rt.dataDir,
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    ...options.env,
  });
  const channel = await startTelegram({
    attach: (adapter) => rt.runtime.attach(adapter),
    logic: options.logic ?? ((context) => rt.runtime.bot.run(context)),
    transcripts: rt.runtime.transcripts,
    filesDir: rt.config.paths.files,
    uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
    // Per-user limits as the server sets them, when a test asks (long scripted tests send faster than people).
    ...(options.env?.CHAT_MESSAGES_PER_MINUTE || options.env?.CHAT_MAX_TEXT_LENGTH ? { inboundLimits: config.chat } : {}),
    journal: new InboundJournal(rt.runtime.store.db),
    logger: createLogger(config),
    config: config.telegram,
    botInfo: TEST_BOT,
    ...(options.adapterOptions ? { adapterOptions: options.adapterOptions } : {}),
  });
  const adapter = channel.adapter;
  return {
    fake,
    rt,
    channel,
    adapter,
    async send(partial, sendOptions = {}) {
      const updateId = partial.update_id ?? fake.newUpdateId();
      const handled = nextHandled(adapter, updateId);
      const from = fake.calls.length;
      const update = fake.pushUpdate({ ...partial, update_id: updateId }, sendOptions);
      const result = await handled;
      return { handled: result, calls: fake.calls.slice(from).filter((c) => c.method !== 'getUpdates'), update: update as UpdateInput };
    },
    async close() {
      await channel.stop();
      if (!options.fake) await fake.close();
      if (!options.rt) await rt.cleanup();
    },
  };
}

// ── Update builders ────────────────────────────────────────────────────────────────────────────────

let messageIds = 1;

export function person(id: number, languageCode = 'zh-hans'): User {
  return { id, is_bot: false, first_name: '李', last_name: '华', username: `merchant${id}`, language_code: languageCode };
}

export function privateChat(id: number) {
  return { id, type: 'private' as const, first_name: '李', username: `merchant${id}` };
}

export function groupChat(id: number) {
  return { id, type: 'supergroup' as const, title: '门店收银群' };
}

/** A message update in a private chat with `user` (chat id = user id), or in `chat`. */
export function messageUpdate(user: User, fields: Partial<Message> & Record<string, unknown>, chat?: Message['chat']): { message: Message } {
  return {
    message: {
      message_id: messageIds++,
      date: Math.floor(Date.now() / 1000),
      chat: chat ?? privateChat(user.id),
      from: user,
      ...fields,
    } as Message,
  };
}

export function textUpdate(user: User, text: string, chat?: Message['chat'], extra: Partial<Message> = {}): { message: Message } {
  // The entities Telegram adds: bot commands (at a word start) and @mentions outside them.
  const entities: MessageEntity[] = [];
  const commands: [number, number][] = [];
  for (const m of text.matchAll(/(?<=^|\s)\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/g)) {
    entities.push({ type: 'bot_command', offset: m.index, length: m[0].length });
    commands.push([m.index, m.index + m[0].length]);
  }
  for (const m of text.matchAll(/@[A-Za-z0-9_]{5,}/g)) {
    if (commands.some(([start, end]) => m.index > start && m.index < end)) continue;
    entities.push({ type: 'mention', offset: m.index, length: m[0].length });
  }
  entities.sort((a, b) => a.offset - b.offset);
  return messageUpdate(user, { text, ...(entities.length ? { entities } : {}), ...extra }, chat);
}

/** A callback query: `user` pressed the button with `data` on the bot's message `message`. */
export function callbackUpdate(user: User, message: Message, data: string): { callback_query: CallbackQuery } {
  return {
    callback_query: {
      id: `cq-${messageIds++}`,
      from: user,
      message,
      chat_instance: 'ci-1',
      data,
    },
  };
}

/** The texts the bot sent among `calls` (sendMessage), as sent (HTML-escaped). */
export function sentTexts(calls: RecordedCall[]): string[] {
  return calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.params.text));
}

/** The buttons of the last inline keyboard among `calls`: [label, callback_data]. */
export function lastKeyboard(calls: RecordedCall[]): { text: string; callback_data?: string }[] {
  const withKeyboard = calls.filter((c) => c.params.reply_markup?.inline_keyboard);
  const last = withKeyboard[withKeyboard.length - 1];
  return last ? (last.params.reply_markup.inline_keyboard as { text: string; callback_data?: string }[][]).flat() : [];
}
