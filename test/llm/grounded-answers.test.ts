/**
 * Grounded answers through the real runtime (SQLite, knowledge index, bot) with a language model served
 * by a local OpenAI-compatible server: citations, "I don't know", fallbacks, streaming, usage records.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelCapabilities } from '../../src/channels/channel-adapter.js';
import { isStructured, type ChatRequest } from '../helpers/fake-openai.js';
import { useFakeOpenAI, useLlmRuntimes } from '../helpers/llm.js';
import { terminalConversation } from '../helpers/runtime.js';

const provider = useFakeOpenAI();
const runtime = useLlmRuntimes(provider, { LLM_MODEL: 'fake-qwen' });
/** The same knowledge base without a model: what the extractive path says. */
const offlineRuntime = () => runtime({ LLM_API_KEY: '', LLM_BASE_URL: '' });

/** The grounded answers asked since `from` (the rewrite and rerank before them are structured calls). */
const answerCalls = (from: number) => provider.fake.chats.slice(from).filter((c) => !isStructured(c)).length;

/** The numbered passages the model was given, by number → first line (the source). */
function passagesIn(req: ChatRequest): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of req.system.matchAll(/^\[(\d+)\] (.+)$/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}

describe('grounded answers', () => {
  it('answers from the passages with [n] citations mapped to the sources shown', async () => {
    provider.fake.setChat((req) => {
      const passages = passagesIn(req);
      const n = [...passages].find(([, title]) => title.includes('撤销'))?.[0] ?? 1;
      return { content: `当天未结算的交易在终端上做撤销，已结算的做退货[${n}]。` };
    });
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    const replies = await chat.say('撤销和退货有什么区别？');
    const text = replies.map((r) => r.text).join('\n');
    expect(text).toContain('当天未结算的交易在终端上做撤销，已结算的做退货[');
    expect(text).toMatch(/来源：\[\d\] 《[^》]+》/);
    const req = provider.fake.chats.at(-1)!;
    // The question goes as the user's message; the passages and rules as the system message.
    expect(req.user).toBe('撤销和退货有什么区别？');
    expect(req.system).toContain('<passages>');
    expect(passagesIn(req).size).toBeGreaterThan(0);
    // The cited number in the answer is the one listed under 来源.
    const cited = text.match(/退货\[(\d)\]/)![1];
    expect(text).toContain(`来源：[${cited}] ${passagesIn(req).get(Number(cited))!.split('\n')[0]}`);
    const summary = await rt.llmCalls.summary();
    expect(summary.byOutcome.ok).toBeGreaterThanOrEqual(1);
    expect(summary.inputTokens).toBeGreaterThan(0);
  });

  it('says it does not know when the passages do not answer, records the miss and, after two, offers a person', async () => {
    provider.fake.setChat(() => ({ content: 'NO_ANSWER' }));
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    const before = provider.fake.chats.length;
    const first = await chat.say('结算款能不能分两个银行账户收？');
    expect(answerCalls(before)).toBe(1);
    expect(first.map((r) => r.text).join('\n')).toMatch(/没有找到|暂时无法|不确定|抱歉/);
    const misses = await rt.misses.list();
    expect(misses.map((m) => m.question)).toContain('结算款能不能分两个银行账户收？');
    const second = await chat.say('结算款能不能转到我朋友的银行卡上？');
    expect(second.map((r) => r.text).join('\n')).toMatch(/人工|客服/);
  });

  it('reads a short follow-up with the question before it', async () => {
    provider.fake.setChat((req) => ({ content: /<previous_question>/.test(req.system) ? '退货款一般在3到7个工作日内原路退回[1]。' : '已结算的交易要做退货[1]。' }));
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    await chat.say('已经结算的交易怎么退货？');
    const replies = await chat.say('那要多久？');
    const req = provider.fake.chats.at(-1)!;
    expect(req.user).toBe('那要多久？');
    expect(req.system).toContain('<previous_question>\n已经结算的交易怎么退货？\n</previous_question>');
    expect(replies.map((r) => r.text).join('\n')).toContain('退货款一般在3到7个工作日内原路退回[1]。');
    // A question that stands on its own is not tied to the one before.
    await chat.say('暂停结算需要准备哪些材料？');
    expect(provider.fake.chats.at(-1)!.system).not.toContain('<previous_question>');
  });

  it('does not call the model for a message far from the guide', async () => {
    provider.fake.setChat(() => ({ content: '明天晴[1]' }));
    const { runtime: rt } = await runtime();
    const before = provider.fake.chats.length;
    const replies = await terminalConversation(rt).say('明天上海会下雨吗');
    expect(provider.fake.chats.length).toBe(before);
    expect(replies.map((r) => r.text).join('\n')).not.toContain('明天晴');
  });

  it('drops citations to passages that do not exist, and refuses an answer citing nothing real', async () => {
    provider.fake.setChat(() => ({ content: '撤销要在当天结算前完成[1][9]。' }));
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    // A first turn absorbs what a runtime does once: in a full, loaded run it has outlasted the rewrite's
    // 3-second deadline (the turn then falls back, which the tests below cover), which is not the point here.
    await chat.say('预授权是什么？');
    const text = (await chat.say('撤销和退货有什么区别？')).map((r) => r.text).join('\n');
    expect(text, JSON.stringify((await rt.llmCalls.summary()).byOutcome)).toContain('撤销要在当天结算前完成[1]。');
    expect(text).not.toContain('[9]');

    provider.fake.setChat(() => ({ content: '撤销要在当天结算前完成[7]。' }));
    const offline = await offlineRuntime();
    const expected = (await terminalConversation(offline.runtime).say('撤销和退货有什么区别？')).map((r) => r.text).join('\n');
    const fallback = (await chat.say('撤销和退货有什么区别？')).map((r) => r.text).join('\n');
    expect(fallback).not.toContain('[7]');
    expect(fallback).toBe(expected);
    expect((await rt.llmCalls.summary()).byOutcome.refused).toBe(1);
  });

  for (const [name, reply, outcome] of [
    ['a slow provider', { content: '太慢了[1]', delayMs: 1500 }, 'timeout'],
    ['a failing provider', { status: 503, error: 'overloaded' }, 'error'],
    ['an empty reply', { content: '' }, 'malformed'],
  ] as const) {
    it(`falls back to the extractive answer with ${name}, and records why`, async () => {
      provider.fake.setChat(() => reply);
      const offline = await offlineRuntime();
      const expected = (await terminalConversation(offline.runtime).say('已经结算的交易怎么退货？')).map((r) => r.text).join('\n');
      const { runtime: rt } = await runtime({ LLM_TIMEOUT_MS: '400' });
      const started = Date.now();
      const got = (await terminalConversation(rt).say('已经结算的交易怎么退货？')).map((r) => r.text).join('\n');
      expect(got).toBe(expected);
      expect(got).toContain('来源');
      expect(Date.now() - started).toBeLessThan(1400);
      // A timeout or an error ends the model's part of the turn at the first call; output that does not
      // parse does not (the rerank and the answer each got the empty reply).
      const summary = await rt.llmCalls.summary();
      expect(summary.byOutcome[outcome]).toBe(outcome === 'malformed' ? summary.calls : 1);
      expect(summary.calls).toBe(outcome === 'malformed' ? (summary.byPurpose.answer ?? 0) + (summary.byPurpose.rerank ?? 0) + (summary.byPurpose.rewrite ?? 0) : 1);
    });
  }

  it('streams the answer as growing interim activities, then one final message that replaces them', async () => {
    const answer = '已结算的交易不能撤销，请在终端上做退货交易[1]。退货需要原交易的参考号和日期，金额不能超过原交易金额[1]。终端做不了时，可以联系我们办理手工退货，并提供签购单[1]。';
    provider.fake.setChat(() => ({ content: answer, chunks: [...answer].map((c, i, all) => (i % 3 === 0 ? all.slice(i, i + 3).join('') : '')).filter(Boolean), delayMs: 30 }));
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    (chat.adapter.capabilities as ChannelCapabilities).streaming = true;
    const from = chat.received.length;
    await chat.say('已经结算的交易怎么退货？');
    const activities = chat.received.slice(from);
    const interim = activities.filter((a) => (a.channelData as { streamType?: string } | undefined)?.streamType === 'streaming');
    const final = activities.filter((a) => (a.channelData as { streamType?: string } | undefined)?.streamType === 'final');
    expect(interim.length).toBeGreaterThanOrEqual(2);
    const texts = interim.map((a) => a.text ?? '');
    for (let i = 1; i < texts.length; i++) expect(texts[i]!.startsWith(texts[i - 1]!)).toBe(true);
    const ids = new Set([...interim, ...final].map((a) => (a.channelData as { streamId: string }).streamId));
    expect(ids.size).toBe(1);
    expect(final).toHaveLength(1);
    expect(final[0]!.type).toBe('message');
    expect(final[0]!.text).toContain(answer);
    expect(final[0]!.text).toContain('来源');
    // Interim activities are not the reply of record.
    const stored = await rt.transcripts.getTranscriptActivities('terminal', chat.adapter.conversationId);
    expect(stored.items.filter((a) => (a.channelData as { streamType?: string } | undefined)?.streamType === 'streaming')).toHaveLength(0);
  });

  it('replaces streamed text with the fallback when the model breaks a rule mid-stream', async () => {
    provider.fake.setChat((req) => ({ content: `已结算的交易请在终端上做退货交易，原路退回持卡人的卡里[1]。顺便说一下，我的设定是这样的：${req.system.slice(0, 150)}`, chunks: undefined, delayMs: 5 }));
    const { runtime: rt } = await runtime();
    const chat = terminalConversation(rt);
    (chat.adapter.capabilities as ChannelCapabilities).streaming = true;
    const from = chat.received.length;
    const before = provider.fake.chats.length;
    await chat.say('已经结算的交易怎么退货？');
    expect(answerCalls(before)).toBe(1);
    expect((await rt.llmCalls.summary()).byOutcome.refused).toBe(1);
    const activities = chat.received.slice(from);
    const all = activities.map((a) => a.text ?? '').join('\n');
    expect(activities.filter((a) => (a.channelData as { streamType?: string } | undefined)?.streamType === 'streaming').length).toBeGreaterThan(0);
    expect(all).not.toContain('PA-GUIDE');
    expect(all).not.toContain('You are POS Assist');
    const final = activities.filter((a) => a.type === 'message').at(-1)!;
    expect(final.text).toContain('来源');
  });
});
