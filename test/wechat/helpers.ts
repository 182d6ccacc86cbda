/**
 * The WeChat channel under test: a REAL runtime (test/helpers/runtime.ts: SQLite, knowledge index, flows,
 * requests, handoff), the real adapter started by `startWechat` over the REAL wechaty with
 * wechaty-puppet-mock (no network), a logged-in bot account and helpers to talk to it as merchants.
 */
import { FileBox } from 'file-box';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import type { BotLogic } from '../../src/channels/channel-adapter.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { startWechat, type WechatChannel } from '../../src/channels/wechat/start.js';
import type { MessageHandled, WechatAdapter } from '../../src/channels/wechat/wechat-adapter.js';
import { startRuntime, type TestRuntime } from '../helpers/runtime.js';

export const BOT_NAME = 'POS助手';

type ContactMock = ReturnType<mock.Mocker['createContact']>;
type RoomMock = ReturnType<mock.Mocker['createRoom']>;

/** What the mock emits on a contact for each message it takes part in. */
interface MessageMockLike {
  payload: { id: string; talkerId: string; roomId?: string; listenerId?: string; text?: string; type: number };
}

/** ContactMock is an EventEmitter (typed-emitter typings are not shipped with the mock). */
function onMessage(contact: ContactMock, listener: (msg: MessageMockLike) => void): void {
  (contact as unknown as NodeJS.EventEmitter).on('message', listener);
}

/** A message the bot account sent, as the mock recorded it. */
export interface Sent {
  id: string;
  /** The contact (listener) or room it went to. */
  to: string;
  text: string;
  type: number;
  file?: { name: string; mediaType: string };
}

export interface Harness {
  rt: TestRuntime;
  mocker: mock.Mocker;
  puppet: PuppetMock;
  channel: WechatChannel;
  adapter: WechatAdapter;
  me: ContactMock;
  /** Every message the bot account sent, in order. */
  sent: Sent[];
  contact(name: string): ContactMock;
  room(topic: string, members: ContactMock[]): RoomMock;
  /**
   * `who` says `what` (text or a FileBox) to the bot (or in `room`, mentioning `mentions`), and waits
   * until the adapter has handled it; returns how, the message id, and what the bot sent meanwhile.
   */
  say(
    who: ContactMock,
    what: string | FileBox,
    options?: { room?: RoomMock; mentions?: ContactMock[] },
  ): Promise<{ handled: MessageHandled; id: string; replies: Sent[] }>;
  /**
   * `who` sends the file `box` to the bot as a message of `type` (the mock decides the type from the media
   * type and knows only jpeg/png/mp4/silk; real puppets send documents as `types.Message.Attachment`).
   */
  sayFile(who: ContactMock, box: FileBox, type: number): Promise<{ handled: MessageHandled; id: string; replies: Sent[] }>;
  /** Emits the message `id` again (a puppet redelivering it) and waits until it is handled. */
  redeliver(id: string): Promise<{ handled: MessageHandled; replies: Sent[] }>;
  close(): Promise<void>;
}

/** The next handled message that is not one of the bot's own. */
export function nextHandled(adapter: WechatAdapter, timeoutMs = 20_000, id?: string): Promise<MessageHandled> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      adapter.events.off('message', listener);
      reject(new Error(`no message handled within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (handled: MessageHandled) => {
      if (handled.detail === 'own message') return;
      if (id && handled.messageId !== id) return;
      clearTimeout(timer);
      adapter.events.off('message', listener);
      resolve(handled);
    };
    adapter.events.on('message', listener);
  });
}

export async function startHarness(
  options: {
    rt?: TestRuntime;
    env?: Record<string, string>;
    /** The bot's turn (default: the runtime's bot). */
    logic?: BotLogic;
    /**
     * A restart: a new wechaty and adapter over the stopped one's puppet, accounts, runtime and database
     * (the same WeChat account logging in again); `sent` goes on collecting.
     */
    restartOf?: Harness;
  } = {},
): Promise<Harness> {
  const previous = options.restartOf;
  const rt = previous?.rt ?? options.rt ?? (await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always', ...options.env }));
  const config = loadConfig({ DATA_DIR: rt.dataDir, LOG_LEVEL: 'silent', WECHATY_PUPPET: 'wechaty-puppet-mock', ...options.env });
  const mocker = previous?.mocker ?? new mock.Mocker();
  // A puppet is started once; a restart gets a new one over the same mocker (the accounts and their
  // messages), which the mocker only allows after forgetting the stopped one.
  if (previous) (mocker as unknown as { _puppet?: unknown })._puppet = undefined;
  const puppet = new PuppetMock({ mocker });
  const channel = await startWechat({
    attach: (adapter) => rt.runtime.attach(adapter),
    logic: options.logic ?? ((context) => rt.runtime.bot.run(context)),
    transcripts: rt.runtime.transcripts,
    filesDir: rt.config.paths.files,
    uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
    // Per-user limits as the server sets them, when a test asks (long scripted tests send faster than people).
    ...(options.env?.CHAT_MESSAGES_PER_MINUTE || options.env?.CHAT_MAX_TEXT_LENGTH ? { inboundLimits: config.chat } : {}),
    journal: new InboundJournal(rt.runtime.store.db),
    logger: createLogger(config),
    config: config.wechat,
    puppet,
    terminalQrcode: false,
  });
  const adapter = channel.adapter;
  const me = previous?.me ?? mocker.createContact({ name: BOT_NAME });
  const sent: Sent[] = previous?.sent ?? [];
  if (!previous) onMessage(me, (msg) => {
    const payload = msg.payload;
    if (payload.talkerId !== me.id) return;
    const json = mocker.cacheFileBoxPayload.get(payload.id) as { name?: string; mediaType?: string } | undefined;
    sent.push({
      id: payload.id,
      to: payload.roomId || payload.listenerId || '',
      text: payload.text ?? '',
      type: payload.type,
      ...(json ? { file: { name: json.name ?? '', mediaType: json.mediaType ?? '' } } : {}),
    });
  });
  const loggedIn = new Promise<void>((resolve) => channel.bot.once('login', () => resolve()));
  mocker.login(me);
  await loggedIn;

  const inboundIds: string[] = [];
  return {
    rt,
    mocker,
    puppet,
    channel,
    adapter,
    me,
    sent,
    contact(name) {
      const c = mocker.createContact({ name });
      onMessage(c, (msg) => {
        if (msg.payload.talkerId === c.id) inboundIds.push(msg.payload.id);
      });
      return c;
    },
    room(topic, members) {
      return mocker.createRoom({ topic, memberIdList: [me.id, ...members.map((m) => m.id)] });
    },
    async say(who, what, sayOptions = {}) {
      const handled = nextHandled(adapter);
      const from = sent.length;
      const before = inboundIds.length;
      who.say(what, sayOptions.mentions ?? []).to(sayOptions.room ?? me);
      const result = await handled;
      await adapter.settled();
      return { handled: result, id: inboundIds[before] ?? result.messageId, replies: sent.slice(from) };
    },
    async sayFile(who, box, type) {
      const handled = nextHandled(adapter);
      const from = sent.length;
      const id = `file-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      mocker.cacheFileBoxPayload.set(id, box.toJSON());
      mocker.MessageMock.create({ id, talkerId: who.id, listenerId: me.id, timestamp: Date.now(), type });
      puppet.emit('message', { messageId: id });
      const result = await handled;
      await adapter.settled();
      return { handled: result, id, replies: sent.slice(from) };
    },
    async redeliver(id) {
      const handled = nextHandled(adapter, 20_000, id);
      const from = sent.length;
      puppet.emit('message', { messageId: id });
      const result = await handled;
      await adapter.settled();
      return { handled: result, replies: sent.slice(from) };
    },
    async close() {
      await channel.stop();
      if (!options.rt && !previous) await rt.cleanup();
    },
  };
}

/** A file as a merchant's phone sends it. */
export function fileBox(name: string, bytes: Buffer): FileBox {
  return FileBox.fromBase64(bytes.toString('base64'), name) as FileBox;
}

export function joinTexts(replies: Sent[]): string {
  return replies.map((r) => r.text).join('\n');
}
