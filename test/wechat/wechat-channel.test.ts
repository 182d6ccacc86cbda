/**
 * The WeChat channel end to end: the REAL wechaty with wechaty-puppet-mock (no network), the real
 * adapter started by `startWechat`, and a REAL runtime (knowledge base, flows, requests, handoff).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConversationReference } from 'botbuilder';
import { types } from 'wechaty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFile } from '../../src/channels/attachments.js';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { numberedOptions, WechatAdapter } from '../../src/channels/wechat/wechat-adapter.js';
import { BOT_NAME, fileBox, joinTexts, nextHandled, startHarness, type Harness } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/files/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function inbound(conversationId: string) {
  const page = await h.rt.runtime.transcripts.getTranscriptActivities('wechat', conversationId);
  return page.items.filter((a) => a.from?.role === 'user');
}

describe('start-up', () => {
  it('is up after the login, with the capabilities of WeChat (no buttons, no typing, plain text)', () => {
    expect(h.channel.status()).toBe('up');
    expect(h.channel.user()).toEqual({ id: h.me.id, name: BOT_NAME });
    expect(h.channel.qrcode()).toBeUndefined();
    expect(h.adapter.capabilities).toMatchObject({ suggestedActions: false, markdown: false, attachments: true, typing: false });
  });
});

describe('text', () => {
  it('answers a question with its source, to the merchant who asked', async () => {
    const merchant = h.contact('李华');
    const { handled, replies } = await h.say(merchant, 'POS机已经结算了还能撤销交易吗');
    expect(handled.outcome).toBe('processed');
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((r) => r.to === merchant.id)).toBe(true);
    const text = joinTexts(replies);
    expect(text).toMatch(/退货/);
    expect(text).toMatch(/来源：《.+》/);
    const [activity] = await inbound(`wx:${merchant.id}`);
    expect(activity).toMatchObject({
      channelId: 'wechat',
      from: { id: `wx:${merchant.id}`, name: '李华' },
      conversation: { id: `wx:${merchant.id}`, isGroup: false },
      locale: 'zh-CN',
    });
  });

  it('suggested actions are numbered lines; "1" answers with the first option of the last message', async () => {
    const merchant = h.contact('王芳');
    const help = await h.say(merchant, '帮助');
    const text = joinTexts(help.replies);
    const options = numberedOptions(help.replies[help.replies.length - 1]!.text);
    expect(options.length).toBeGreaterThan(1);
    expect(text).toContain(`1. ${options[0]}`);
    expect(h.adapter.state.optionsFor(`wx:${merchant.id}`)).toEqual(options);

    const pick = await h.say(merchant, '1');
    expect(pick.handled.outcome).toBe('processed');
    const texts = (await inbound(`wx:${merchant.id}`)).map((a) => a.text);
    expect(texts).toEqual(['帮助', options[0]]);
    expect(pick.replies.length).toBeGreaterThan(0);
    // A number with no such option stays a number.
    await h.say(merchant, '99');
    expect((await inbound(`wx:${merchant.id}`)).pop()!.text).toBe('99');
  });
});

describe('images and files', () => {
  const reference = (contactId: string): Partial<ConversationReference> => ({
    channelId: 'wechat',
    serviceUrl: 'urn:pos-assist:wechat',
    conversation: { id: `wx:${contactId}`, isGroup: false, conversationType: 'personal', name: 'x' },
    bot: { ...BOT_ACCOUNT },
    user: { id: `wx:${contactId}`, name: '赵六' },
  });

  it('a cancellation request: the slip image is fetched, stored by its bytes and accepted', async () => {
    const merchant = h.contact('赵六');
    let last = '';
    for (const text of ['昨天刷了1280元，参考号123456789012，想撤销', '898310048161234', '12345678', '跳过', '顾客退货']) {
      last = joinTexts((await h.say(merchant, text)).replies);
    }
    expect(last).toContain('签购单');
    const slip = fixture('slip.png');
    const { handled, replies } = await h.say(merchant, fileBox('slip.png', slip));
    expect(handled.outcome).toBe('processed');
    expect(joinTexts(replies)).toContain('手机号');
    const { file } = await storeFile(h.rt.config.paths.files, slip, 'slip.png');
    expect(existsSync(join(h.rt.config.paths.files, file))).toBe(true);
    const photo = (await inbound(`wx:${merchant.id}`)).pop()!;
    expect(photo.attachments?.[0]).toMatchObject({ contentType: 'image/png', contentUrl: pathToFileURL(join(h.rt.config.paths.files, file)).href });
    expect(photo.channelData).toMatchObject({ wechat: { type: 'Image' } });
  });

  it('a PDF file is stored; a text file is refused with the reason', async () => {
    const merchant = h.contact('孙七');
    // The mock types only jpeg/png by content; a real puppet sends a PDF as an Attachment message.
    const pdf = await h.sayFile(merchant, fileBox('licence.pdf', fixture('licence.pdf')), types.Message.Attachment);
    expect(pdf.handled.outcome).toBe('processed');
    const stored = (await inbound(`wx:${merchant.id}`)).pop()!;
    expect(stored.attachments?.[0]).toMatchObject({ contentType: 'application/pdf', name: 'licence.pdf' });
    expect(stored.attachments?.[0]?.contentUrl).toMatch(/\/[0-9a-f]{64}\.pdf$/);

    const txt = await h.sayFile(merchant, fileBox('notes.txt', fixture('notes.txt')), types.Message.Attachment);
    expect(txt.handled.outcome).toBe('refused');
    expect(joinTexts(txt.replies)).toMatch(/notes\.txt.*格式无法接收/);
  });

  it('proactive: a message through the stored conversation reference reaches the contact; events are not sent', async () => {
    const merchant = h.contact('周八');
    const from = h.sent.length;
    await h.adapter.continueConversation(reference(merchant.id), async (context) => {
      await context.sendActivity('您的申请已受理，工单号 CX-20261130-0001');
      await context.sendActivity({ type: 'event', name: 'handoff.status', value: { state: 'accepted' } });
    });
    const sent = h.sent.slice(from);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: merchant.id, text: '您的申请已受理，工单号 CX-20261130-0001' });
  });

  it('a stored file is sent as a file', async () => {
    const merchant = h.contact('吴九');
    const slip = await storeFile(h.rt.config.paths.files, fixture('slip-back.png'), 'slip-back.png');
    const from = h.sent.length;
    await h.adapter.continueConversation(reference(merchant.id), async (context) => {
      await context.sendActivity({
        type: 'message',
        text: '这是您上传的签购单',
        attachments: [{ contentType: 'image/png', contentUrl: pathToFileURL(join(h.rt.config.paths.files, slip.file)).href, name: 'slip-back.png' }],
      });
    });
    const sent = h.sent.slice(from);
    expect(sent.map((s) => s.type)).toEqual([types.Message.Text, types.Message.Image]);
    expect(sent[1]).toMatchObject({ to: merchant.id, file: { name: 'slip-back.png' } });
  });
});

describe('rooms', () => {
  it('ignores a room message without a mention; answers one that @-mentions the bot, @-mentioning the merchant', async () => {
    const merchant = h.contact('陈店长');
    const other = h.contact('路人');
    const room = h.room('门店收银群', [merchant, other]);
    const ignored = await h.say(merchant, 'POS机已经结算了还能撤销交易吗', { room });
    expect(ignored.handled.outcome).toBe('ignored');
    expect(ignored.replies).toEqual([]);
    const other1 = await h.say(other, '@路人 你好', { room, mentions: [other] });
    expect(other1.handled.outcome).toBe('ignored');

    const asked = await h.say(merchant, `@${BOT_NAME}\u2005POS机已经结算了还能撤销交易吗`, { room, mentions: [h.me] });
    expect(asked.handled.outcome).toBe('processed');
    expect(asked.replies.length).toBeGreaterThan(0);
    expect(asked.replies.every((r) => r.to === room.id)).toBe(true);
    expect(asked.replies[0]!.text).toMatch(/^@陈店长/);
    expect(joinTexts(asked.replies)).toMatch(/来源：《.+》/);
    const [activity] = await inbound(`wx:room:${room.id}`);
    expect(activity).toMatchObject({
      text: 'POS机已经结算了还能撤销交易吗',
      from: { id: `wx:${merchant.id}` },
      conversation: { id: `wx:room:${room.id}`, isGroup: true, name: '门店收银群' },
    });
  });
});

describe('once only', () => {
  it('the same message delivered twice is processed once, also by a restarted adapter', async () => {
    const merchant = h.contact('钱五');
    const first = await h.say(merchant, '怎么申请暂停结算');
    expect(first.handled.outcome).toBe('processed');
    const again = await h.redeliver(first.id);
    expect(again.handled).toEqual({ messageId: first.id, outcome: 'duplicate' });
    expect(again.replies).toEqual([]);
    expect(await inbound(`wx:${merchant.id}`)).toHaveLength(1);

    // A second adapter over the same database (a restart) knows the id too.
    const restarted = new WechatAdapter({
      bot: h.channel.bot,
      transcripts: h.rt.runtime.transcripts,
      filesDir: h.rt.config.paths.files,
      uploadMaxBytes: 1024,
      stateDir: h.rt.config.wechat.stateDir,
      journal: new InboundJournal(h.rt.runtime.store.db),
      logic: async () => undefined,
    });
    try {
      const handled = nextHandled(restarted, 20_000, first.id);
      h.puppet.emit('message', { messageId: first.id });
      expect(await handled).toEqual({ messageId: first.id, outcome: 'duplicate' });
      await restarted.settled();
    } finally {
      restarted.detach();
    }
  });

  it('a message stored but not answered when the process stopped is answered once after the restart, when the account is logged in again', async () => {
    // The first process stores the message and starts its turn, then is gone: the turn never ends,
    // nothing was answered, and the puppet will not deliver the message again.
    let entered!: () => void;
    const inTurn = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = await startHarness({ logic: async () => (entered(), gate) });
    let second: Harness | undefined;
    let stopped = false;
    try {
      const merchant = first.contact('孙七');
      merchant.say('退货报25是什么意思').to(first.me);
      await inTurn;
      first.adapter.detach();
      await first.channel.bot.stop();
      stopped = true;
      expect(first.sent.filter((m) => m.to === merchant.id)).toEqual([]);

      // The next process (same database, same account logging in again) answers it.
      const replied = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the stored message was not answered after the restart')), 15_000);
        (first.me as unknown as NodeJS.EventEmitter).on('message', (msg: { payload: { talkerId: string; listenerId?: string } }) => {
          if (msg.payload.talkerId !== first.me.id || msg.payload.listenerId !== merchant.id) return;
          clearTimeout(timer);
          resolve();
        });
      });
      second = await startHarness({ restartOf: first });
      await replied;
      await second.adapter.settled();
      const replies = first.sent.filter((m) => m.to === merchant.id).map((m) => m.text);
      expect(replies.filter((t) => t.includes('返回码25'))).toHaveLength(1);
      const page = await first.rt.runtime.transcripts.getTranscriptActivities('wechat', `wx:${merchant.id}`);
      expect(page.items.filter((a) => a.from?.role === 'user').map((a) => a.text)).toContain('退货报25是什么意思');
    } finally {
      release();
      await second?.close();
      if (stopped) {
        await first.adapter.drain();
        await first.rt.cleanup();
      } else await first.close();
    }
  });

  it("ignores the bot's own messages (its replies echoed by the puppet, and what the account sends from the phone)", async () => {
    const merchant = h.contact('郑十');
    const own: string[] = [];
    const listener = (handled: { detail?: string; messageId: string }) => {
      if (handled.detail === 'own message') own.push(handled.messageId);
    };
    h.adapter.events.on('message', listener);
    const from = h.sent.length;
    h.me.say('您好，我是POS助手').to(merchant);
    await new Promise((r) => setTimeout(r, 300));
    await h.adapter.settled();
    h.adapter.events.off('message', listener);
    expect(own).toContain(h.sent[from]!.id);
    expect(h.sent.slice(from)).toHaveLength(1);
    expect(await inbound(`wx:${merchant.id}`)).toEqual([]);
  });
});

describe('feedback on answers', () => {
  it('an answer ends with 👍/👎 as numbered options; the number is the feedback, stored with the answer', async () => {
    const merchant = h.contact('冯十一');
    const { replies } = await h.say(merchant, '退货多久能到账');
    const answer = replies.at(-1)!.text;
    expect(answer).toContain('来源：');
    const options = numberedOptions(answer);
    expect(options).toEqual(expect.arrayContaining(['👍 有帮助', '👎 没帮助']));

    const { replies: thanks } = await h.say(merchant, String(options.indexOf('👍 有帮助') + 1));
    expect(joinTexts(thanks)).toContain('感谢您的反馈');
    const stored = (await h.rt.runtime.feedback.list()).filter((f) => f.conversationId === `wx:${merchant.id}`);
    expect(stored).toMatchObject([{ channelId: 'wechat', rating: 'up', question: '退货多久能到账' }]);
    expect(stored[0]!.sources.length).toBeGreaterThan(0);
  });
});
