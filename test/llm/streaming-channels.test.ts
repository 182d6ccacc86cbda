/**
 * A language model's answer streamed end to end through the real channels: the real server over Direct
 * Line (WebSocket), and Telegram against a local fake Bot API — with the model served by a local
 * OpenAI-compatible server over SSE.
 */
import type { Activity } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { openConversation, say, startTestServer, StreamClient, waitFor, type TestServer } from '../webchat/helpers.js';
import { person, startHarness, textUpdate, type Harness } from '../telegram/helpers.js';

const ANSWER = '已结算的交易不能撤销，需要在终端上做退货交易[1]。退货需要原交易的参考号和交易日期，退货金额不能超过原交易金额[1]。终端上做不了时，可以联系我们办理手工退货[1]。';

let fake: FakeOpenAI;
beforeAll(async () => {
  // About 1.3 s of streaming: three characters every 30 ms.
  fake = await startFakeOpenAI({ chat: () => ({ content: ANSWER, chunks: ANSWER.match(/.{1,3}/gsu)!, delayMs: 30 }) });
});
afterAll(async () => fake.close());

const LLM = () => ({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url, LLM_TIMEOUT_MS: '10000' });
const streamData = (a: Partial<Activity>) => a.channelData as { streamType?: string; streamId?: string; streamSequence?: number } | undefined;

describe('a streamed answer over Direct Line', () => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.destroy();
    ts = undefined;
  });

  it('arrives as growing interim text over the WebSocket, then one stored final message with its sources', async () => {
    ts = await startTestServer({ ...LLM(), WEBCHAT_TOKENS_PER_MINUTE: '1000' });
    const conv = await openConversation(ts);
    const ws = StreamClient.connect(conv.streamUrl);
    await ws.waitForActivity((a) => a.type === 'message' && a.from?.role === 'bot', 'the greeting');
    const { id } = await say(ts, conv, '已经结算的交易怎么退货？');
    const all = () => ws.frames.flatMap((f) => f.activities);
    const final = await waitFor(() => all().find((a) => a.type === 'message' && a.replyToId === id && streamData(a)?.streamType === 'final'), 'the final message', 15_000);
    const interim = all().filter((a) => a.type === 'typing' && streamData(a)?.streamType === 'streaming');
    expect(interim.length).toBeGreaterThanOrEqual(2);
    const texts = interim.map((a) => a.text ?? '');
    for (let i = 1; i < texts.length; i++) expect(texts[i]!.length).toBeGreaterThanOrEqual(texts[i - 1]!.length);
    for (const t of texts) expect(ANSWER.startsWith(t)).toBe(true);
    expect(new Set([...interim, final].map((a) => streamData(a)!.streamId)).size).toBe(1);
    expect(final.text).toContain(ANSWER);
    expect(final.text).toMatch(/来源：\[1\] 《/);
    // Stored once: the Direct Line log has the final message and no interim.
    const res = await fetch(`${ts.url}/v3/directline/conversations/${conv.conversationId}/activities`, { headers: { authorization: `Bearer ${conv.token}` } });
    const stored = ((await res.json()) as { activities: Activity[] }).activities;
    expect(stored.filter((a) => a.type === 'message' && a.text?.includes(ANSWER))).toHaveLength(1);
    expect(stored.filter((a) => streamData(a)?.streamType === 'streaming')).toHaveLength(0);
    await ws.close();
  });
});

describe('a streamed answer on Telegram', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is one message, edited a few times as the model writes, ending as the final answer', async () => {
    h = await startHarness({ env: { ...LLM(), HANDOFF_BUSINESS_HOURS: 'always' }, adapterOptions: { streamEditIntervalMs: 300 } });
    const { calls } = await h.send(textUpdate(person(4242), '已经结算的交易怎么退货？'));
    const sends = calls.filter((c) => c.method === 'sendMessage');
    const edits = calls.filter((c) => c.method === 'editMessageText');
    expect(sends).toHaveLength(1);
    expect(ANSWER.startsWith(String(sends[0]!.params.text))).toBe(true);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    // Far fewer edits than the model's chunks: throttled.
    expect(edits.length).toBeLessThan(ANSWER.length / 3 / 2);
    const last = String(edits.at(-1)!.params.text);
    expect(last).toContain(ANSWER);
    expect(last).toContain('来源');
    expect(new Set(edits.map((e) => e.params.message_id))).toEqual(new Set([(sends[0]!.result as { message_id: number }).message_id]));
  });
});
