/**
 * Streamed replies on Telegram: one message, sent at the first interim text and edited as the text grows
 * (throttled: at most one edit per interval per stream, never an edit that changes nothing), then edited
 * into the complete reply — its keyboard included, a long one continued in new messages. When the
 * message cannot be edited the complete reply is sent anew. Against the fake Bot API, through the real
 * adapter (grammY) and runtime; the edit interval is shortened to 200 ms.
 */
import { MessageFactory, type Activity, type ConversationReference } from 'botbuilder';
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { finalActivity, streamingActivity } from '../../src/channels/streaming.js';
import { TELEGRAM_TEXT_LIMIT } from '../../src/channels/telegram/format.js';
import type { RecordedCall } from './fake-bot-api.js';
import { startHarness, type Harness } from './helpers.js';

const INTERVAL_MS = 200;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ adapterOptions: { streamEditIntervalMs: INTERVAL_MS } });
});

afterAll(async () => {
  await h?.close();
});

function reference(chatId: number): Partial<ConversationReference> {
  return {
    channelId: 'telegram',
    serviceUrl: 'urn:pos-assist:telegram',
    conversation: { id: `tg:${chatId}`, isGroup: false, conversationType: 'personal', name: 'x' },
    bot: { ...BOT_ACCOUNT },
    user: { id: `tg:${chatId}`, name: '李 华' },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FINAL = '撤销只能在当天批结算之前进行。已经结算的交易需要改做退货，退货款项会按原路退回持卡人的银行卡账户。来源：《撤销与退货的区别》';

/** The text growing a few characters at a time, as a model writes it. */
function prefixes(text: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => text.slice(0, Math.ceil(((i + 1) * text.length) / (count + 1))));
}

/** Runs a proactive turn that streams `interims` (with `gapMs` between them), then sends `final`. */
async function stream(chatId: number, streamId: string, interims: string[], final: Partial<Activity> | undefined, gapMs = 30) {
  const from = h.fake.calls.length;
  await h.adapter.continueConversation(reference(chatId), async (context) => {
    for (const [i, text] of interims.entries()) {
      await context.sendActivity(streamingActivity(streamId, i + 1, text));
      await sleep(gapMs);
    }
    if (final) await context.sendActivity(finalActivity(streamId, final));
  });
  return h.fake.calls.slice(from).filter((c) => c.params.chat_id === chatId && c.method !== 'getUpdates');
}

const of = (calls: RecordedCall[], method: string) => calls.filter((c) => c.method === method);

describe('streamed replies on Telegram', () => {
  it('one message: sent at the first interim, edited at most once per interval with the latest text, ending as the complete reply', async () => {
    const interims = prefixes(FINAL, 24);
    const calls = await stream(3001, 's-1', interims, MessageFactory.text(FINAL), 30);
    const sends = of(calls, 'sendMessage');
    const edits = of(calls, 'editMessageText');
    expect(sends).toHaveLength(1);
    expect(sends[0]!.params.text).toBe(interims[0]);
    expect(sends[0]!.params.parse_mode).toBe('HTML');
    const messageId = (sends[0]!.result as Message).message_id;
    // Throttled: far fewer edits than interims, all of the one message, spaced by the interval.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits.length).toBeLessThan(interims.length / 2);
    expect(edits.every((e) => e.params.message_id === messageId && e.status === 200)).toBe(true);
    const interimEdits = edits.slice(0, -1);
    for (let i = 1; i < interimEdits.length; i++) expect(interimEdits[i]!.at - interimEdits[i - 1]!.at).toBeGreaterThanOrEqual(INTERVAL_MS - 60);
    // Each edit shows newer text than the last (never an unchanged one), from the interims.
    const texts = edits.map((e) => String(e.params.text));
    for (let i = 1; i < texts.length; i++) {
      expect(texts[i]!.length).toBeGreaterThan(texts[i - 1]!.length);
      expect(texts[i]!.startsWith(texts[i - 1]!)).toBe(true);
    }
    for (const t of texts.slice(0, -1)) expect(interims).toContain(t);
    // The last edit is the complete reply, in HTML parse mode; the chat shows it.
    expect(edits.at(-1)!.params).toMatchObject({ text: FINAL, parse_mode: 'HTML', message_id: messageId });
    expect((h.fake.sent.get(`3001:${messageId}`) as { text?: string }).text).toBe(FINAL);
    // The transcript holds the complete reply once, and no interim text.
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('telegram', 'tg:3001');
    const outbound = page.items.filter((a) => a.from?.role === 'bot');
    expect(outbound.map((a) => a.text)).toEqual([FINAL]);
    expect(outbound[0]!.type).toBe('message');
  });

  it('the latest text wins: an interim arriving out of order is ignored, a quick final replaces a pending edit', async () => {
    const calls = await h.adapter
      .continueConversation(reference(3002), async (context) => {
        await context.sendActivity(streamingActivity('s-2', 1, '撤销只能'));
        await context.sendActivity(streamingActivity('s-2', 3, '撤销只能在当天批结算之前'));
        await context.sendActivity(streamingActivity('s-2', 2, '撤销只能在'));
        // The final comes before the interval is over: the pending interim edit is not made.
        await context.sendActivity(finalActivity('s-2', MessageFactory.text(FINAL)));
      })
      .then(() => h.fake.calls.filter((c) => c.params.chat_id === 3002));
    expect(of(calls, 'sendMessage').map((c) => c.params.text)).toEqual(['撤销只能']);
    expect(of(calls, 'editMessageText').map((c) => c.params.text)).toEqual([FINAL]);
    await sleep(INTERVAL_MS * 2);
    // Nothing more once the stream is over.
    expect(h.fake.calls.filter((c) => c.params.chat_id === 3002)).toHaveLength(calls.length);
  });

  it('the keyboard of the final message goes on the edited message', async () => {
    const calls = await stream(3003, 's-3', prefixes(FINAL, 4), MessageFactory.suggestedActions(['问题已解决', '转人工客服'], FINAL), 20);
    expect(of(calls, 'sendMessage')).toHaveLength(1);
    const last = of(calls, 'editMessageText').at(-1)!;
    expect(last.params.text).toBe(FINAL);
    expect((last.params.reply_markup.inline_keyboard as { text: string }[][]).flat().map((b) => b.text)).toEqual(['问题已解决', '转人工客服']);
    // Interim edits never carry it.
    for (const e of of(calls, 'editMessageText').slice(0, -1)) expect(e.params.reply_markup).toBeUndefined();
  });

  it('a complete reply longer than one message: the first part is the edit, the rest new messages (keyboard on the last)', async () => {
    const sentence = (i: number) => `第${i}条说明：撤销只能在当天批结算之前进行，已经结算的交易需要改做退货，退货款项会按原路退回持卡人的银行卡账户。`;
    const long = Array.from({ length: 150 }, (_, i) => sentence(i + 1)).join('');
    expect(long.length).toBeGreaterThan(2 * TELEGRAM_TEXT_LIMIT);
    // The interims grow past one message too: only what one message holds is shown meanwhile.
    const interims = [long.slice(0, 300), long.slice(0, 5000)];
    const calls = await stream(3004, 's-4', interims, MessageFactory.suggestedActions(['好的'], long), INTERVAL_MS + 50);
    const sends = of(calls, 'sendMessage');
    const edits = of(calls, 'editMessageText');
    expect(edits.every((e) => e.status === 200 && String(e.params.text).length <= TELEGRAM_TEXT_LIMIT)).toBe(true);
    expect(sends).toHaveLength(3); // the first interim, then parts 2 and 3 of the complete reply
    const finalEdit = edits.at(-1)!;
    expect(finalEdit.params.reply_markup).toBeUndefined();
    const parts = [finalEdit.params.text, ...sends.slice(1).map((c) => c.params.text)];
    expect(parts.join('')).toBe(long);
    expect(sends.slice(1).map((c) => Boolean(c.params.reply_markup))).toEqual([false, true]);
    expect(calls.indexOf(finalEdit)).toBeLessThan(calls.indexOf(sends[1]!));
  });

  it('a failed edit of the complete reply (400) does not lose it: it is sent as a new message', async () => {
    const calls = await stream(3005, 's-5', prefixes(FINAL, 3), undefined, 20);
    await sleep(INTERVAL_MS * 2); // the interim edits are done
    const from = h.fake.calls.length;
    h.fake.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message can not be edited' });
    await h.adapter.continueConversation(reference(3005), async (context) => {
      await context.sendActivity(finalActivity('s-5', MessageFactory.suggestedActions(['好的'], FINAL)));
    });
    const after = h.fake.calls.slice(from).filter((c) => c.params.chat_id === 3005);
    expect(after.map((c) => [c.method, c.status])).toEqual([
      ['editMessageText', 400],
      ['sendMessage', 200],
    ]);
    expect(after[1]!.params.text).toBe(FINAL);
    expect(after[1]!.params.reply_markup).toBeDefined();
    expect(of(calls, 'sendMessage')).toHaveLength(1);
  });

  it('a streamed message the merchant deleted: interim edits stop, the complete reply is sent anew', async () => {
    const interims = prefixes(FINAL, 6);
    const from = h.fake.calls.length;
    await h.adapter.continueConversation(reference(3006), async (context) => {
      await context.sendActivity(streamingActivity('s-6', 1, interims[0]!));
      const first = h.fake.calls.slice(from).find((c) => c.method === 'sendMessage')!;
      h.fake.sent.delete(`3006:${(first.result as Message).message_id}`);
      for (const [i, text] of interims.slice(1).entries()) {
        await context.sendActivity(streamingActivity('s-6', i + 2, text));
        await sleep(60);
      }
      await context.sendActivity(finalActivity('s-6', MessageFactory.text(FINAL)));
    });
    const calls = h.fake.calls.slice(from).filter((c) => c.params.chat_id === 3006);
    const edits = of(calls, 'editMessageText');
    // One interim edit failed, so no more were tried; the final edit failed too; then a new message.
    expect(edits.map((e) => e.status)).toEqual([400, 400]);
    expect(edits[1]!.params.text).toBe(FINAL);
    expect(of(calls, 'sendMessage')).toHaveLength(2);
    expect(calls.at(-1)!).toMatchObject({ method: 'sendMessage', status: 200, params: { text: FINAL } });
  });

  it('"message is not modified" on the final edit means the message already shows it: no second copy', async () => {
    const interims = prefixes(FINAL, 3);
    await stream(3007, 's-7', interims, undefined, 20);
    await sleep(INTERVAL_MS * 2);
    const from = h.fake.calls.length;
    h.fake.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup of the message are exactly the same' });
    await h.adapter.continueConversation(reference(3007), async (context) => {
      await context.sendActivity(finalActivity('s-7', MessageFactory.text(FINAL)));
    });
    const after = h.fake.calls.slice(from).filter((c) => c.params.chat_id === 3007);
    expect(after.map((c) => c.method)).toEqual(['editMessageText']);
  });

  it('a final text the message already shows (no keyboard) needs no edit', async () => {
    const calls = await stream(3008, 's-8', [FINAL.slice(0, 10), FINAL], MessageFactory.text(FINAL), INTERVAL_MS + 80);
    expect(of(calls, 'sendMessage')).toHaveLength(1);
    expect(of(calls, 'editMessageText').map((c) => c.params.text)).toEqual([FINAL]);
  });

  it('a stream without interim text: the final message is sent as usual', async () => {
    const calls = await stream(3009, 's-9', [], MessageFactory.suggestedActions(['好的'], FINAL));
    expect(calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(calls[0]!.params).toMatchObject({ text: FINAL, parse_mode: 'HTML' });
    expect(calls[0]!.params.reply_markup).toBeDefined();
    // An empty interim is not sent either (Telegram refuses empty text).
    const empty = await stream(3010, 's-10', [''], MessageFactory.text(FINAL));
    expect(empty.map((c) => c.method)).toEqual(['sendMessage']);
  });
});
