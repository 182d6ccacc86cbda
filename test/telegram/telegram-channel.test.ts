/**
 * The Telegram channel end to end: grammY long polling against the fake Bot API on 127.0.0.1, the real
 * adapter, and a REAL runtime (knowledge base, flows, requests, handoff) behind it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageFactory, type Activity, type ConversationReference } from 'botbuilder';
import type { Message, Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFile } from '../../src/channels/attachments.js';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { TelegramAdapter } from '../../src/channels/telegram/telegram-adapter.js';
import { TELEGRAM_TEXT_LIMIT } from '../../src/channels/telegram/format.js';
import { FakeBotApi, unescapeHtml, type RecordedCall, type UpdateInput } from './fake-bot-api.js';
import {
  callbackUpdate,
  groupChat,
  lastKeyboard,
  messageUpdate,
  person,
  sentTexts,
  startHarness,
  TEST_BOT,
  textUpdate,
  type Harness,
} from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/files/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** The bot's message (as the fake answered sendMessage) carrying the last inline keyboard among `calls`. */
function messageWithKeyboard(calls: RecordedCall[]): Message {
  const call = [...calls].reverse().find((c) => c.params.reply_markup?.inline_keyboard);
  if (!call?.result) throw new Error('no inline keyboard was sent');
  return call.result as Message;
}

function reference(chatId: number, isGroup = false): Partial<ConversationReference> {
  return {
    channelId: 'telegram',
    serviceUrl: 'urn:pos-assist:telegram',
    conversation: { id: `tg:${chatId}`, isGroup, conversationType: isGroup ? 'groupChat' : 'personal', name: 'x' },
    bot: { ...BOT_ACCOUNT },
    user: { id: `tg:${chatId}`, name: '李 华' },
  };
}

async function inboundTexts(chatId: number): Promise<string[]> {
  const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', `tg:${chatId}`);
  return page.items.filter((a) => a.from?.role === 'user').map((a) => a.text ?? '');
}

describe('start-up', () => {
  it('registers /start /help /status /human in Chinese (default and zh) and English, then polls for messages and button presses only', async () => {
    const commands = h.fake.callsOf('setMyCommands');
    expect(commands).toHaveLength(3);
    const byLanguage = Object.fromEntries(commands.map((c) => [c.params.language_code ?? 'default', c.params.commands]));
    expect(byLanguage.zh).toEqual([
      { command: 'start', description: expect.stringContaining('开始') },
      { command: 'help', description: '帮助' },
      { command: 'status', description: '查询申请状态' },
      { command: 'human', description: '转人工客服' },
    ]);
    expect(byLanguage.default).toEqual(byLanguage.zh);
    expect(byLanguage.en.map((c: { command: string }) => c.command)).toEqual(['start', 'help', 'status', 'human']);
    expect(byLanguage.en[3].description).toBe('Talk to a human agent');
    expect(h.fake.callsOf('getMe')).toHaveLength(0); // botInfo given
    const poll = await h.fake.waitFor((c) => c.method === 'getUpdates');
    expect(poll.params.allowed_updates).toEqual(['message', 'callback_query']);
    expect(h.channel.mode).toBe('polling');
    expect(h.adapter.capabilities).toMatchObject({ suggestedActions: true, markdown: false, attachments: true, typing: true });
  });
});

describe('text', () => {
  it('answers a question: typing while it works, then the answer with its source, in HTML parse mode', async () => {
    const merchant = person(2001);
    const { handled, calls } = await h.send(textUpdate(merchant, 'POS机已经结算了还能撤销交易吗'));
    expect(handled.outcome).toBe('processed');
    const methods = calls.map((c) => c.method);
    expect(methods.indexOf('sendChatAction')).toBeGreaterThanOrEqual(0);
    expect(methods.indexOf('sendChatAction')).toBeLessThan(methods.indexOf('sendMessage'));
    expect(calls.find((c) => c.method === 'sendChatAction')!.params).toEqual({ chat_id: 2001, action: 'typing' });
    const answer = calls.find((c) => c.method === 'sendMessage')!;
    expect(answer.params.chat_id).toBe(2001);
    expect(answer.params.parse_mode).toBe('HTML');
    expect(answer.params.text).toMatch(/退货/);
    expect(answer.params.text).toMatch(/来源：《.+》/);
    // The activity the bot saw: conversation tg:<chat>, user tg:<user>, the merchant's locale.
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', 'tg:2001');
    const inbound = page.items.find((a) => a.from?.role === 'user')!;
    expect(inbound).toMatchObject({ channelId: 'telegram', from: { id: 'tg:2001', name: '李 华' }, conversation: { id: 'tg:2001', isGroup: false }, locale: 'zh-CN' });
  });

  it('escapes &, < and > (HTML parse mode) in everything it sends', async () => {
    await h.adapter.continueConversation(reference(2002), async (context) => {
      await context.sendActivity('金额 <1000 & >500 的交易：<b>不是标签</b>');
    });
    const call = h.fake.callsOf('sendMessage').filter((c) => c.params.chat_id === 2002).pop()!;
    expect(call.params.text).toBe('金额 &lt;1000 &amp; &gt;500 的交易：&lt;b&gt;不是标签&lt;/b&gt;');
    expect(call.params.parse_mode).toBe('HTML');
  });

  it('/start greets with the topics as an inline keyboard; /help, /status and /human say what the buttons say', async () => {
    const merchant = person(2003);
    const start = await h.send(textUpdate(merchant, '/start'));
    expect(sentTexts(start.calls).join('\n')).toContain('POS Assist');
    expect(lastKeyboard(start.calls).map((b) => b.text)).toEqual(['当天的交易怎么撤销', '已结算的交易怎么退货', '怎么申请暂停结算', '终端撤销失败报错怎么办', '申请撤销/退货', '查询申请状态']);
    const help = await h.send(textUpdate(merchant, '/help'));
    expect(sentTexts(help.calls).join('\n')).toContain('POS Assist');
    const status = await h.send(textUpdate(merchant, '/status'));
    expect(sentTexts(status.calls).join('\n')).toMatch(/工单号|申请/);
    await h.send(textUpdate(merchant, '取消'));
    const human = await h.send(textUpdate(merchant, '/human'));
    expect(sentTexts(human.calls).join('\n')).toMatch(/人工客服|客服/);
    expect(await inboundTexts(2003)).toEqual(expect.arrayContaining(['帮助', '查询申请状态', '转人工客服']));
  });
});

describe('photos, documents and buttons', () => {
  const merchant = person(2010);
  let slipPrompt: RecordedCall[] = [];

  it('a cancellation request: the slip photo (largest size) is downloaded, stored by its bytes and accepted', async () => {
    const steps = ['昨天刷了1280元，参考号123456789012，想撤销', '810100000000001', '10203040', '4321', '顾客退货'];
    for (const text of steps) slipPrompt = (await h.send(textUpdate(merchant, text))).calls;
    expect(sentTexts(slipPrompt).join('\n')).toContain('签购单');

    const slip = fixture('slip.png');
    const small = h.fake.addFile(fixture('slip-back.png'), { path: 'photos/small.jpg' });
    const large = h.fake.addFile(slip, { path: 'photos/large.jpg' });
    const { handled, calls } = await h.send(
      messageUpdate(merchant, {
        photo: [
          { ...small, width: 90, height: 60 },
          { ...large, width: 1280, height: 853 },
        ],
      }),
    );
    expect(handled.outcome).toBe('processed');
    const getFile = calls.filter((c) => c.method === 'getFile');
    expect(getFile.map((c) => c.params.file_id)).toEqual([large.file_id]);
    expect(sentTexts(calls).join('\n')).toContain('手机号');
    const { file } = await storeFile(h.rt.config.paths.files, slip, 'slip.png');
    expect(existsSync(join(h.rt.config.paths.files, file))).toBe(true);
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', 'tg:2010');
    const photo = page.items.filter((a) => a.from?.role === 'user').pop()!;
    expect(photo.attachments?.[0]).toMatchObject({ contentType: 'image/png', contentUrl: pathToFileURL(join(h.rt.config.paths.files, file)).href });
  });

  it('suggested actions become an inline keyboard; a press is answered, the keyboard removed and the choice processed once', async () => {
    const summary = await h.send(textUpdate(merchant, '13800138000'));
    expect(sentTexts(summary.calls).join('\n')).toContain('签购单照片 1 个文件');
    const buttons = lastKeyboard(summary.calls);
    expect(buttons.map((b) => b.text)).toEqual(['确认提交', '取消']);
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data!, 'utf8')).toBeLessThanOrEqual(64);

    const message = messageWithKeyboard(summary.calls);
    const press = await h.send(callbackUpdate(merchant, message, buttons[0]!.callback_data!));
    expect(press.handled.outcome).toBe('processed');
    const answered = press.calls.find((c) => c.method === 'answerCallbackQuery')!;
    expect(answered.params.callback_query_id).toMatch(/^cq-/);
    const edit = press.calls.find((c) => c.method === 'editMessageReplyMarkup')!;
    expect(edit.params).toEqual({ chat_id: 2010, message_id: message.message_id });
    expect(sentTexts(press.calls).join('\n')).toMatch(/工单号 CX-\d{8}-\d{4}/);
    expect(await inboundTexts(2010)).toContain('确认提交');

    // The same keyboard pressed again (before the edit reached the phone): answered, nothing processed.
    const again = await h.send(callbackUpdate(merchant, message, buttons[0]!.callback_data!));
    expect(again.handled.outcome).toBe('ignored');
    expect(again.calls.find((c) => c.method === 'answerCallbackQuery')!.params.text).toContain('失效');
    expect(sentTexts(again.calls)).toEqual([]);
  });

  it('proactive: the request status notice reaches the chat through the stored conversation reference', async () => {
    const [request] = await h.rt.runtime.requests.listByMerchant('810100000000001');
    expect(request).toBeDefined();
    expect(request!.channelId).toBe('telegram');
    expect(request!.conversationRef?.conversation?.id).toBe('tg:2010');
    expect(request!.attachments).toHaveLength(1);
    const event = await h.rt.runtime.requests.transition(request!.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充签购单背面照片' });
    const from = h.fake.calls.length;
    await h.rt.runtime.notify(request!, event);
    const calls = h.fake.calls.slice(from).filter((c) => c.method !== 'getUpdates');
    const notice = sentTexts(calls).join('\n');
    expect(notice).toContain(request!.ticket);
    expect(notice).toContain('请补充签购单背面照片');
    expect(calls.every((c) => c.params.chat_id === 2010)).toBe(true);
  });

  it('a PDF document is stored and kept; the bot asks what it is for (buttons)', async () => {
    const pdf = h.fake.addFile(fixture('licence.pdf'), { path: 'documents/licence.pdf' });
    const other = person(2011);
    const { handled, calls } = await h.send(
      messageUpdate(other, { document: { ...pdf, file_name: '营业执照.pdf', mime_type: 'application/pdf' } }),
    );
    expect(handled.outcome).toBe('processed');
    expect(calls.some((c) => c.method === 'getFile')).toBe(true);
    expect(sentTexts(calls).join('\n')).toContain('收到 1 个文件');
    expect(lastKeyboard(calls).map((b) => b.text)).toContain('申请撤销/退货');
    const { file } = await storeFile(h.rt.config.paths.files, fixture('licence.pdf'), 'x.pdf');
    expect(existsSync(join(h.rt.config.paths.files, file))).toBe(true);
  });

  it('refuses, with the reason, a declared non-image type (not downloaded), a disguised file (by its bytes) and a file over the limit (not downloaded)', async () => {
    const other = person(2012);
    const txt = h.fake.addFile(fixture('notes.txt'), { path: 'documents/notes.txt' });
    const declared = await h.send(messageUpdate(other, { document: { ...txt, file_name: 'notes.txt', mime_type: 'text/plain' } }));
    expect(declared.handled.outcome).toBe('refused');
    expect(declared.calls.some((c) => c.method === 'getFile')).toBe(false);
    expect(sentTexts(declared.calls).join('\n')).toMatch(/notes\.txt.*格式.*PDF/);

    const disguised = await h.send(messageUpdate(other, { document: { ...txt, file_name: 'slip.png', mime_type: 'application/octet-stream' } }));
    expect(disguised.handled.outcome).toBe('refused');
    expect(disguised.calls.some((c) => c.method === 'getFile')).toBe(true);
    expect(sentTexts(disguised.calls).join('\n')).toMatch(/slip\.png.*格式/);

    const big = h.fake.addFile(fixture('licence.pdf'), { path: 'documents/big.pdf', declaredSize: 11 * 1024 * 1024 });
    const tooLarge = await h.send(
      messageUpdate(other, { document: { ...big, file_name: 'big.pdf', mime_type: 'application/pdf' }, caption: '这是退货凭证' }),
    );
    expect(tooLarge.handled.outcome).toBe('refused');
    expect(tooLarge.calls.some((c) => c.method === 'getFile')).toBe(false);
    const texts = sentTexts(tooLarge.calls);
    expect(texts[0]).toMatch(/big\.pdf.*太大（11 MB）.*不超过 10 MB/);
    // The caption still reaches the bot.
    expect(texts.length).toBeGreaterThan(1);
    expect(await inboundTexts(2012)).toContain('这是退货凭证');

    const english = person(2013, 'en');
    const sticker = await h.send(messageUpdate(english, { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } }));
    expect(sticker.handled.outcome).toBe('refused');
    expect(sentTexts(sticker.calls)).toEqual([expect.stringContaining('not stickers')]);
  });

  it('a button whose answer is longer than 64 bytes carries a short key that maps back to the full text', async () => {
    const merchant2 = person(2014);
    const long = '我想了解一下昨天下午在门店刷的那一笔交易为什么一直没有到账以及怎么处理';
    await h.adapter.continueConversation(reference(2014), async (context) => {
      await context.sendActivity(MessageFactory.suggestedActions([long, '转人工客服'], '请选择：'));
    });
    const call = h.fake.callsOf('sendMessage').filter((c) => c.params.chat_id === 2014).pop()!;
    const buttons = lastKeyboard([call]);
    expect(buttons[0]!.text).toBe(long);
    expect(buttons[0]!.callback_data).toMatch(/^k:[A-Za-z0-9_-]{16}$/);
    expect(buttons[1]!.callback_data).toBe('v:转人工客服');
    const message = [...h.fake.sent.values()].filter((m) => m.chat.id === 2014).pop()!;
    const press = await h.send(callbackUpdate(merchant2, message, buttons[0]!.callback_data!));
    expect(press.handled.outcome).toBe('processed');
    expect(await inboundTexts(2014)).toContain(long);
  });
});

describe('long replies', () => {
  it('are split at sentence ends into messages below 4096 characters', async () => {
    const sentence = (i: number) => `第${i}条说明：撤销只能在当天批结算之前进行，已经结算的交易需要改做退货，退货款项会按原路退回持卡人的银行卡账户。`;
    const text = Array.from({ length: 150 }, (_, i) => sentence(i + 1)).join('');
    expect(text.length).toBeGreaterThan(2 * TELEGRAM_TEXT_LIMIT);
    await h.adapter.continueConversation(reference(2020), async (context) => {
      await context.sendActivity(MessageFactory.suggestedActions(['好的'], text));
    });
    const calls = h.fake.callsOf('sendMessage').filter((c) => c.params.chat_id === 2020);
    expect(calls.length).toBe(3);
    for (const c of calls) {
      expect(c.params.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(c.params.text.endsWith('。')).toBe(true);
      expect(c.status).toBe(200);
    }
    expect(calls.map((c) => c.params.text).join('')).toBe(text);
    // The keyboard goes with the last part only.
    expect(calls.map((c) => Boolean(c.params.reply_markup))).toEqual([false, false, true]);
  });
});

describe('groups', () => {
  const chat = groupChat(-1001234567890);
  const member = person(2030);

  it('ignores messages that neither mention the bot nor reply to it', async () => {
    const plain = await h.send(textUpdate(member, '已经结算的交易怎么退货', chat));
    expect(plain.handled).toMatchObject({ outcome: 'ignored' });
    expect(plain.calls).toEqual([]);
    const someoneElse = await h.send(textUpdate(member, '@someone_else 已经结算的交易怎么退货', chat));
    expect(someoneElse.handled.outcome).toBe('ignored');
    const otherBot = await h.send(textUpdate(member, '/help@other_helper_bot', chat));
    expect(otherBot.handled.outcome).toBe('ignored');
    const bareCommand = await h.send(textUpdate(member, '/help', chat));
    expect(bareCommand.handled.outcome).toBe('ignored');
    expect(bareCommand.calls).toEqual([]);
  });

  it('answers a mention (without the mention in the text), quoting the message it answers', async () => {
    const update = textUpdate(member, `@${TEST_BOT.username} 已经结算的交易怎么退货`, chat);
    const { handled, calls } = await h.send(update);
    expect(handled.outcome).toBe('processed');
    const answer = calls.find((c) => c.method === 'sendMessage')!;
    expect(answer.params.chat_id).toBe(chat.id);
    expect(answer.params.text).toContain('来源');
    expect(answer.params.reply_parameters).toEqual({ message_id: update.message.message_id, allow_sending_without_reply: true });
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', `tg:${chat.id}`);
    const inbound = page.items.filter((a) => a.from?.role === 'user');
    expect(inbound.map((a) => a.text)).toEqual(['已经结算的交易怎么退货']);
    expect(inbound[0]).toMatchObject({ conversation: { id: `tg:${chat.id}`, isGroup: true, conversationType: 'groupChat' }, from: { id: 'tg:2030' } });
  });

  it('answers a reply to one of its messages, and /command@bot', async () => {
    const botMessage = [...h.fake.sent.values()].filter((m) => m.chat.id === chat.id).pop()!;
    const reply = await h.send(textUpdate(member, '当天的交易怎么撤销', chat, { reply_to_message: botMessage as Message & { reply_to_message: undefined } }));
    expect(reply.handled.outcome).toBe('processed');
    expect(sentTexts(reply.calls).join('\n')).toContain('撤销');
    const help = await h.send(textUpdate(member, `/help@${TEST_BOT.username}`, chat));
    expect(help.handled.outcome).toBe('processed');
    expect(sentTexts(help.calls).join('\n')).toContain('POS Assist');
    const mentionThenCommand = await h.send(textUpdate(member, `@${TEST_BOT.username} /status`, chat));
    expect(mentionThenCommand.handled.outcome).toBe('processed');
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', `tg:${chat.id}`);
    expect(page.items.filter((a) => a.from?.role === 'user').map((a) => a.text)).toContain('查询申请状态');
    await h.send(textUpdate(member, `@${TEST_BOT.username} 取消`, chat));
    // A reply to another member's message is not for the bot.
    const human = { ...botMessage, from: member } as Message;
    const notForBot = await h.send(textUpdate(member, '好的', chat, { reply_to_message: human as Message & { reply_to_message: undefined } }));
    expect(notForBot.handled.outcome).toBe('ignored');
  });
});

describe('rate limits', () => {
  it('a 429 with retry_after is waited out and the message sent again (auto-retry)', async () => {
    h.fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const started = Date.now();
    const { handled, calls } = await h.send(textUpdate(person(2040), '你好'));
    expect(handled.outcome).toBe('processed');
    const sends = calls.filter((c) => c.method === 'sendMessage');
    expect(sends.map((c) => c.status)).toEqual([429, 200]);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(950);
    expect(sends[1]!.params.text).toBe(sends[0]!.params.text);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('an upload that met a 429 is sent again with the whole file', async () => {
    const stored = await storeFile(h.rt.config.paths.files, fixture('slip-3.png'), 'slip-3.png');
    h.fake.failNext('sendPhoto', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    await h.adapter.continueConversation(reference(2041), async (context) => {
      await context.sendActivity({
        type: 'message',
        attachments: [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(h.rt.config.paths.files, stored.file)).href, name: 'slip-3.png' }],
      });
    });
    const uploads = h.fake.callsOf('sendPhoto').filter((c) => c.params.chat_id === 2041);
    expect(uploads.map((c) => c.status)).toEqual([429, 200]);
    for (const u of uploads) expect(u.files[0]!.bytes.equals(fixture('slip-3.png'))).toBe(true);
  });
});

describe('each update once', () => {
  it('a redelivered update is skipped, also by a restarted adapter (the update is in the inbound journal)', async () => {
    const merchant = person(2050);
    const first = await h.send(textUpdate(merchant, '怎么申请暂停结算'));
    expect(first.handled.outcome).toBe('processed');
    expect(sentTexts(first.calls).length).toBeGreaterThan(0);

    const again = await h.send(first.update, { force: true });
    expect(again.handled.outcome).toBe('duplicate');
    expect(again.calls).toEqual([]);
    expect(await inboundTexts(2050)).toEqual(['怎么申请暂停结算']);

    // A new process (same data folder) gets the update again from Telegram: still skipped.
    const restarted = new TelegramAdapter({
      token: h.fake.token,
      apiRoot: h.fake.apiRoot,
      botInfo: TEST_BOT,
      transcripts: h.rt.runtime.transcripts,
      filesDir: h.rt.config.paths.files,
      uploadMaxBytes: h.rt.config.webchat.uploadMaxBytes,
      stateDir: join(h.rt.dataDir, 'telegram'),
      journal: new InboundJournal(h.rt.runtime.store.db),
      logic: (context) => h.rt.runtime.bot.run(context),
    });
    const outcomes: string[] = [];
    restarted.events.on('update', (u: { outcome: string }) => outcomes.push(u.outcome));
    await restarted.bot.handleUpdate(first.update as Update);
    await restarted.settled();
    expect(outcomes).toEqual(['duplicate']);
    expect(await inboundTexts(2050)).toEqual(['怎么申请暂停结算']);
  });

  it('an update whose turn was cut short is answered once by the next process, also when Telegram delivers it again', async () => {
    // The first process: the update is stored and its turn starts, then the process is gone (its turn
    // never ends, nothing was answered) — and Telegram, never told, delivers the update again.
    const fake = await FakeBotApi.start();
    let entered!: () => void;
    const inTurn = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = await startHarness({ rt: h.rt, fake, logic: async () => (entered(), gate) });
    let second: Harness | undefined;
    try {
      // (An id the shared harness's fake has not used: one bot's update ids are unique.)
      const update = fake.pushUpdate({ ...textUpdate(person(2052), '退货报25是什么意思'), update_id: 950_001 });
      await inTurn;
      await first.adapter.bot.stop();

      // The next process (same database) answers it, and takes the redelivery for what it is.
      const answered = fake.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === 2052, { timeoutMs: 15_000 });
      second = await startHarness({ rt: h.rt, fake });
      await answered;
      await second.adapter.settled();
      const again = await second.send(update as UpdateInput, { force: true });
      expect(again.handled.outcome).toBe('duplicate');
      expect(again.calls).toEqual([]);
      const replies = sentTexts(fake.callsOf('sendMessage').filter((c) => c.params.chat_id === 2052));
      expect(replies.filter((t) => t.includes('返回码25'))).toHaveLength(1);
      expect(await inboundTexts(2052)).toContain('退货报25是什么意思');
    } finally {
      release();
      await first.close();
      await second?.close();
      await fake.close();
    }
  });
});

describe('proactive messages', () => {
  it("an agent's reply with a photo and a PDF: text with the agent's name, the files uploaded from the files folder; events are not sent", async () => {
    const files = h.rt.config.paths.files;
    const png = await storeFile(files, fixture('slip-2.png'), 'slip-2.png');
    const pdf = await storeFile(files, fixture('licence.pdf'), 'licence.pdf');
    const from = h.fake.calls.length;
    await h.adapter.continueConversation(reference(2060), async (context) => {
      await context.sendActivity({
        type: 'message',
        text: '您好，我是客服，请看示例。',
        channelData: { handoff: { agent: '李华' } },
        attachments: [
          { contentType: png.contentType, contentUrl: pathToFileURL(join(files, png.file)).href, name: '示例.png' },
          { contentType: pdf.contentType, contentUrl: `https://chat.example.com/v3/directline/conversations/x/files/${pdf.file}`, name: '说明.pdf' },
        ],
      });
      await context.sendActivity({ type: 'event', name: 'handoff.status', value: { state: 'accepted' } } as Partial<Activity>);
      await context.sendActivity({ type: 'typing' });
    });
    const calls = h.fake.calls.slice(from).filter((c) => c.method !== 'getUpdates');
    expect(calls.map((c) => c.method)).toEqual(['sendMessage', 'sendPhoto', 'sendDocument', 'sendChatAction']);
    expect(unescapeHtml(calls[0]!.params.text)).toBe('客服 李华：\n您好，我是客服，请看示例。');
    expect(calls[1]!.files[0]).toMatchObject({ field: 'photo', filename: '示例.png' });
    expect(calls[1]!.files[0]!.bytes.equals(fixture('slip-2.png'))).toBe(true);
    expect(calls[2]!.files[0]).toMatchObject({ field: 'document', filename: '说明.pdf' });
    expect(calls[2]!.files[0]!.bytes.equals(fixture('licence.pdf'))).toBe(true);
    expect(calls.every((c) => c.params.chat_id === 2060)).toBe(true);
  });
});

describe('feedback on answers', () => {
  it('an answer carries 👍/👎 buttons; a press is answered, the keyboard removed and the feedback stored with the answer', async () => {
    const merchant = person(2070);
    const asked = await h.send(textUpdate(merchant, '退货多久能到账'));
    expect(sentTexts(asked.calls).join('\n')).toContain('来源：');
    const buttons = lastKeyboard(asked.calls);
    expect(buttons.map((b) => b.text)).toEqual(expect.arrayContaining(['👍 有帮助', '👎 没帮助']));
    const down = buttons.find((b) => b.text === '👎 没帮助')!;

    const press = await h.send(callbackUpdate(merchant, messageWithKeyboard(asked.calls), down.callback_data!));
    expect(press.handled.outcome).toBe('processed');
    expect(press.calls.some((c) => c.method === 'answerCallbackQuery')).toBe(true);
    expect(press.calls.some((c) => c.method === 'editMessageReplyMarkup')).toBe(true);
    expect(sentTexts(press.calls).join('\n')).toContain('抱歉这个回答没能帮到您');
    expect(lastKeyboard(press.calls).map((b) => b.text)).toEqual(['换个说法再问', '转人工客服']);
    const stored = (await h.rt.runtime.feedback.list()).filter((f) => f.conversationId === 'tg:2070');
    expect(stored).toMatchObject([{ channelId: 'telegram', rating: 'down', question: '退货多久能到账', userId: 'tg:2070' }]);
    expect(stored[0]!.sources.length).toBeGreaterThan(0);
  });
});
