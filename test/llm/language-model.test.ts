import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import pino from 'pino';
import { LanguageModel, LlmError, type LlmCallRecord } from '../../src/llm/language-model.js';
import { isStructured, startFakeOpenAI, structured, type FakeOpenAI } from '../helpers/fake-openai.js';
import type { StructuredOutputMethod } from '../../src/app/config.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => fake.close());

function model(overrides: Partial<{ timeoutMs: number; structuredOutput: StructuredOutputMethod }> = {}, calls: LlmCallRecord[] = []) {
  return new LanguageModel({
    settings: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model', structuredOutput: overrides.structuredOutput ?? 'json_schema', timeoutMs: overrides.timeoutMs ?? 5000, temperature: undefined },
    logger: pino({ level: 'silent' }),
    record: (c) => void calls.push(c),
  });
}

describe('LanguageModel against an OpenAI-compatible server', () => {
  it('streams text over SSE, reporting the text as it grows, and records usage and latency', async () => {
    fake.setChat(() => ({ content: '撤销当天可做，退货次日起。', usage: { prompt_tokens: 120, completion_tokens: 14 } }));
    const calls: LlmCallRecord[] = [];
    const seen: string[] = [];
    const text = await model({}, calls).generate([{ role: 'user', content: '你好' }], { purpose: 'answer', onText: (t) => void seen.push(t) });
    expect(text).toBe('撤销当天可做，退货次日起。');
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(text);
    expect(fake.chats.at(-1)!.stream).toBe(true);
    expect(fake.chats.at(-1)!.body.model).toBe('fake-model');
    expect(calls).toEqual([expect.objectContaining({ purpose: 'answer', outcome: 'ok', inputTokens: 120, outputTokens: 14, model: 'fake-model' })]);
    expect(calls[0]!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('answers without streaming when no listener is given', async () => {
    fake.setChat(() => ({ content: 'ok', usage: { prompt_tokens: 3, completion_tokens: 1 } }));
    const calls: LlmCallRecord[] = [];
    expect(await model({}, calls).generate([{ role: 'user', content: 'x' }], { purpose: 'brief' })).toBe('ok');
    expect(fake.chats.at(-1)!.stream).toBe(false);
    expect(calls[0]).toMatchObject({ outcome: 'ok', inputTokens: 3, outputTokens: 1 });
  });

  it('masks card numbers in every message before it leaves the process', async () => {
    fake.setChat(() => ({ content: '好的' }));
    await model().generate([{ role: 'system', content: 'sys 6222021234567890123' }, { role: 'user', content: '卡号 4111 1111 1111 1111 退款' }], { purpose: 'answer' });
    const body = fake.rawBodies.at(-1)!;
    expect(body).not.toMatch(/4111\s?1111\s?1111\s?1111/);
    expect(body).not.toContain('6222021234567890123');
    expect(body).toContain('411111');
  });

  for (const method of ['json_schema', 'function_calling', 'json_mode'] as const) {
    it(`returns structured output asked as ${method}`, async () => {
      fake.setChat((req) => (isStructured(req) ? structured(req, { amount: '120.50', date: null }) : { content: 'no' }));
      const schema = z.object({ amount: z.string().nullable(), date: z.string().nullable() });
      const value = await model({ structuredOutput: method }).structured(schema, [{ role: 'user', content: '退 120.5 元' }], { purpose: 'extract', name: 'slots' });
      expect(value).toEqual({ amount: '120.50', date: null });
      const body = fake.chats.at(-1)!.body;
      if (method === 'function_calling') expect(body.tools[0].function.name).toBe('slots');
      if (method === 'json_schema') expect(body.response_format.type).toBe('json_schema');
      if (method === 'json_mode') {
        expect(body.response_format.type).toBe('json_object');
        expect(fake.chats.at(-1)!.system).toMatch(/JSON/);
      }
    });
  }

  it('turns output that does not match the schema into a malformed error', async () => {
    fake.setChat(() => ({ content: '{"amount": 12}' }));
    const calls: LlmCallRecord[] = [];
    const schema = z.object({ amount: z.string() });
    const err = await model({}, calls).structured(schema, [{ role: 'user', content: 'x' }], { purpose: 'extract', name: 'slots' }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.outcome).toBe('malformed');
    expect(calls[0]!.outcome).toBe('malformed');
  });

  it('turns non-JSON output into a malformed error', async () => {
    fake.setChat(() => ({ content: 'Sure! The amount is 12.' }));
    const err = await model().structured(z.object({ amount: z.string() }), [{ role: 'user', content: 'x' }], { purpose: 'extract', name: 'slots' }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.outcome).toBe('malformed');
  });

  it('gives up on a slow provider at the deadline, streaming or not', async () => {
    fake.setChat(() => ({ content: 'late answer', delayMs: 1500 }));
    const calls: LlmCallRecord[] = [];
    const started = Date.now();
    const err = await model({ timeoutMs: 300 }, calls).generate([{ role: 'user', content: 'x' }], { purpose: 'answer' }).catch((e) => e);
    expect(err.outcome).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1400);
    const err2 = await model({ timeoutMs: 300 }, calls).generate([{ role: 'user', content: 'x' }], { purpose: 'answer', onText: () => {} }).catch((e) => e);
    expect(err2.outcome).toBe('timeout');
    expect(calls.map((c) => c.outcome)).toEqual(['timeout', 'timeout']);
  });

  it('lets a streamed answer that keeps coming run past the deadline, but not one that goes silent', async () => {
    const long = '撤销当天可做，退货次日起，手工退货要提交材料。'.repeat(2);
    // A deadline far above one gap between chunks (120 ms) and below the whole answer (~1.6 s), so a loaded
    // CI machine that is slow to the first chunk cannot look like silence.
    fake.setChat(() => ({ content: long, chunks: long.match(/.{1,4}/gsu)!, delayMs: 120 }));
    const started = Date.now();
    const text = await model({ timeoutMs: 1000 }).generate([{ role: 'user', content: 'x' }], { purpose: 'answer', onText: () => {} });
    expect(text).toBe(long);
    // It took longer than one deadline in all: only silence counts.
    expect(Date.now() - started).toBeGreaterThan(1000);
    fake.setChat(() => ({ content: long, chunks: ['撤销', '当天可做', '……'], delayMs: 2000 }));
    const err = await model({ timeoutMs: 1000 }).generate([{ role: 'user', content: 'x' }], { purpose: 'answer', onText: () => {} }).catch((e) => e);
    expect(err.outcome).toBe('timeout');
  });

  it('reports a failing provider as an error with its status', async () => {
    fake.setChat(() => ({ status: 500, error: 'upstream exploded' }));
    const calls: LlmCallRecord[] = [];
    const err = await model({}, calls).generate([{ role: 'user', content: 'x' }], { purpose: 'answer' }).catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.outcome).toBe('error');
    expect(err.message).toMatch(/500/);
    expect(calls[0]!.outcome).toBe('error');
  });
});

describe('circuit breaker', () => {
  it('skips a provider that failed three times in a row, without waiting on it, and tries again after the pause', async () => {
    let now = 1_000_000;
    fake.setChat(() => ({ status: 502, error: 'bad gateway' }));
    const calls: LlmCallRecord[] = [];
    const llm = new LanguageModel({
      settings: { apiKey: 'sk-test', baseUrl: fake.url, model: 'fake-model', structuredOutput: 'json_schema', timeoutMs: 5000, temperature: undefined },
      logger: pino({ level: 'silent' }),
      record: (c) => void calls.push(c),
      breakerPauseMs: 60_000,
      now: () => now,
    });
    for (let i = 0; i < 3; i++) await expect(llm.generate([{ role: 'user', content: 'x' }], { purpose: 'answer' })).rejects.toBeInstanceOf(LlmError);
    expect(llm.paused).toBe(true);
    const before = fake.chats.length;
    await expect(llm.generate([{ role: 'user', content: 'x' }], { purpose: 'answer' })).rejects.toThrow(/paused/);
    await expect(llm.structured(z.object({ a: z.string() }), [{ role: 'user', content: 'x' }], { purpose: 'extract', name: 'slots' })).rejects.toThrow(/paused/);
    expect(fake.chats.length).toBe(before);
    now += 60_001;
    fake.setChat(() => ({ content: 'back' }));
    expect(await llm.generate([{ role: 'user', content: 'x' }], { purpose: 'answer' })).toBe('back');
    expect(llm.paused).toBe(false);
  });

  it('does not count malformed output as the provider failing', async () => {
    fake.setChat(() => ({ content: 'not json' }));
    const llm = model();
    for (let i = 0; i < 4; i++) await expect(llm.structured(z.object({ a: z.string() }), [{ role: 'user', content: 'x' }], { purpose: 'extract', name: 'slots' })).rejects.toMatchObject({ outcome: 'malformed' });
    expect(llm.paused).toBe(false);
  });
});
