/**
 * Slot extraction by a language model, end to end: a runtime configured with LLM_API_KEY and LLM_BASE_URL
 * pointing at the local fake OpenAI-compatible server, a terminal conversation, and a free-form message
 * whose date, amount and reason the rules alone would not read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeFile } from '../../src/channels/attachments.js';
import { isStructured, startFakeOpenAI, structured, type ChatRequest, type FakeOpenAI } from '../helpers/fake-openai.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SLIP = readFileSync(join(ROOT, 'test', 'fixtures', 'files', 'slip.png'));

let fake: FakeOpenAI;
let env: TestRuntime | undefined;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake.close());
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** `n` days before today in Shanghai (the day a model would resolve "前两天" to). */
function daysAgo(n: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

function structuredName(req: ChatRequest): string | undefined {
  return req.body.tools?.[0]?.function?.name ?? req.body.response_format?.json_schema?.name;
}

describe('slot extraction through the bot', () => {
  it('a free-form message fills the slots the rules alone would miss; bare answers make no model call', async () => {
    const date = daysAgo(2);
    fake.setChat((req) => {
      if (!isStructured(req) || structuredName(req) !== 'slots') return { status: 500, error: 'not this test' };
      const fields = Object.keys((req.body.tools?.[0]?.function.parameters ?? req.body.response_format.json_schema.schema).properties);
      const read: Record<string, string> = { transaction_date: date, amount: '两百八', reason: '客人不要了' };
      return structured(req, Object.fromEntries(fields.map((f) => [f, read[f] ?? null])));
    });
    env = await startRuntime({ LLM_API_KEY: 'sk-test', LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-model' });
    const chat = terminalConversation(env.runtime, 'llm-slots-1');
    await chat.start();

    const first = await chat.say('想撤销一笔交易，前两天那笔两百八的，客人不要了');
    expect(first.at(-1)?.text).toMatch(/商户编号/);
    expect(fake.chats.filter((c) => structuredName(c) === 'slots')).toHaveLength(1);
    const sent = fake.chats.find((c) => structuredName(c) === 'slots')!;
    expect(sent.user).toBe('想撤销一笔交易，前两天那笔两百八的，客人不要了');

    const calls = fake.chats.length;
    const prompts: string[] = [];
    for (const answer of ['898310048160011', '12345678', '000123', '跳过']) {
      const said = await chat.say(answer);
      prompts.push(said.at(-1)?.text ?? '');
    }
    // Never asked for the date, the amount or the reason; the bare answers went to the rules alone.
    expect(prompts.join('\n')).not.toMatch(/哪天|金额是多少|原因/);
    expect(prompts.at(-1)).toMatch(/签购单/);

    // The slip, then the phone: the summary shows what the model read, checked and formatted by the slot types.
    const stored = await storeFile(env.config.paths.files, SLIP, 'slip.png');
    await chat.adapter.say('', chat.logic, [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(env.config.paths.files, stored.file)).href, name: 'slip.png' }]);
    const summary = (await chat.say('13900139000')).at(-1)?.text ?? '';
    expect(summary).toMatch(/请核对/);
    const [y, m, d] = date.split('-').map(Number);
    expect(summary).toContain(`交易日期 ${y}年${m}月${d}日`);
    expect(summary).toContain('金额 ¥280.00');
    expect(summary).toContain('原因：客人不要了');
    expect(fake.chats.length).toBe(calls);

    const recorded = await env.runtime.store.db.selectFrom('llm_calls').select(['purpose', 'outcome']).execute();
    expect(recorded).toContainEqual({ purpose: 'extract', outcome: 'ok' });
  });
});
