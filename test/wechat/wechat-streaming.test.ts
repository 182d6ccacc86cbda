/**
 * Streamed replies on WeChat: a WeChat message cannot grow in place, so the channel has no streaming
 * capability and the base adapter drops the interim activities — the merchant gets exactly one message,
 * the complete reply. The REAL wechaty with wechaty-puppet-mock and a real runtime (test/wechat/helpers.ts).
 */
import { MessageFactory, type ConversationReference } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { finalActivity, streamingActivity } from '../../src/channels/streaming.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const reference = (contactId: string): Partial<ConversationReference> => ({
  channelId: 'wechat',
  serviceUrl: 'urn:pos-assist:wechat',
  conversation: { id: `wx:${contactId}`, isGroup: false, conversationType: 'personal', name: 'x' },
  bot: { ...BOT_ACCOUNT },
  user: { id: `wx:${contactId}`, name: '郑十' },
});

const FINAL = '撤销只能在当天批结算之前进行。已经结算的交易需要改做退货。来源：《撤销与退货的区别》';

describe('streamed replies on WeChat', () => {
  it('has no streaming capability: a stream of interim activities and its final message is one message, the final text', async () => {
    expect(h.adapter.capabilities.streaming).toBe(false);
    const merchant = h.contact('郑十');
    const from = h.sent.length;
    await h.adapter.continueConversation(reference(merchant.id), async (context) => {
      for (let i = 1; i <= 8; i++) {
        await context.sendActivity(streamingActivity('wx-stream-1', i, FINAL.slice(0, i * 5)));
        await new Promise((r) => setTimeout(r, 10));
      }
      await context.sendActivity(finalActivity('wx-stream-1', MessageFactory.text(FINAL)));
    });
    await h.adapter.settled();
    const sent = h.sent.slice(from);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: merchant.id, text: FINAL });
    // The transcript has the complete reply only.
    const page = await h.rt.runtime.transcripts.getTranscriptActivities('wechat', `wx:${merchant.id}`);
    expect(page.items.filter((a) => a.from?.role === 'bot').map((a) => [a.type, a.text])).toEqual([['message', FINAL]]);
  });
});
