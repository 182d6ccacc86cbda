/**
 * The agent's brief written by the language model, through the real server: the merchant is queued at
 * once with the template summary, the model's brief replaces it when it arrives (and shows as a note),
 * and a failing model leaves the template.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../webchat/helpers.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { Merchant, agent, api, details, onlyHandoff, startHandoffServer } from '../handoff/helpers.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake.close());
let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.destroy();
  ts = undefined;
});

const QUEUED = '正在为您转接人工客服';

describe('agent brief', () => {
  it('replaces the template summary with the model\'s brief, built from the masked transcript', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fake.setChat(async (req) => {
      if (/brief a human support agent/.test(req.system)) {
        await gate;
        return { content: '商户要撤销一笔交易，已给出卡号后四位 1111。\n建议：核对参考号后办理。' };
      }
      return { content: 'NO_ANSWER' };
    });
    ts = await startHandoffServer({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url });
    const alice = await agent(ts, 'alice');
    const m = await Merchant.open(ts);
    await m.turn('我的卡号是 6222 0212 3456 7890 128，那笔交易扣错了', '');
    await m.turn('转人工', QUEUED);
    const row = await onlyHandoff(ts, m.conversationId);
    // The merchant was queued before the brief came: the template is there first.
    let got = await details(ts, alice, row.id);
    expect(got.package.summaryBy).toBe('template');
    expect(got.package.summary).toContain('转人工原因');
    release();
    await ts.server.runtime()!.handoffTurns.idle();
    got = await details(ts, alice, row.id);
    expect(got.package.summaryBy).toBe('model');
    expect(got.package.summary).toContain('商户要撤销一笔交易');
    expect(got.events.filter((e) => e.kind === 'note' && e.actor === 'bot').map((e) => e.text)).toEqual([got.package.summary]);
    const briefRequest = fake.chats.find((c) => /brief a human support agent/.test(c.system))!;
    expect(briefRequest.user).toContain('转人工');
    expect(briefRequest.user).not.toContain('6222 0212 3456 7890 128');
    expect(briefRequest.user).not.toContain('6222021234567890128');
  });

  it('keeps the template summary when the model fails', async () => {
    fake.setChat(() => ({ status: 500, error: 'down' }));
    ts = await startHandoffServer({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url });
    const alice = await agent(ts, 'alice');
    const m = await Merchant.open(ts);
    await m.turn('转人工', QUEUED);
    await ts.server.runtime()!.handoffTurns.idle();
    const got = await details(ts, alice, (await onlyHandoff(ts, m.conversationId)).id);
    expect(got.package.summaryBy).toBe('template');
    expect(got.package.summary).toContain('商户最后说：转人工');
    const calls = await ts.server.runtime()!.llmCalls.summary();
    expect(calls.byOutcome.error).toBeGreaterThanOrEqual(1);
  });
});

describe('the operators\' view of the language model', () => {
  it('/agent/api/llm shows the settings without the key, and the last day\'s calls; 401 without a session', async () => {
    fake.setChat(() => ({ content: '已结算的交易要做退货[1]。', usage: { prompt_tokens: 300, completion_tokens: 20 } }));
    ts = await startHandoffServer({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url, LLM_MODEL: 'qwen-plus' });
    expect((await fetch(`${ts.url}/agent/api/llm`)).status).toBe(401);
    const alice = await agent(ts, 'alice');
    const m = await Merchant.open(ts);
    await m.turn('已经结算的交易怎么退货？', '退货');
    const res = await api(ts, alice, 'GET', '/agent/api/llm');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('sk-test-0123456789');
    expect(res.body).toMatchObject({ configured: true, model: 'qwen-plus', endpoint: fake.url, structuredOutput: 'json_schema', embeddings: { provider: 'local' } });
    expect(res.body.last24h).toMatchObject({ byOutcome: { ok: 1 }, inputTokens: 300, outputTokens: 20 });
    const ready = (await (await fetch(`${ts.url}/readyz`)).json()) as { languageModel: string };
    expect(ready.languageModel).toBe('on');
  });
});
