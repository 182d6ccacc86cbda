/**
 * Every entry point uses the configured model: `ask --json` and `chat` as a user runs them (the CLI's
 * commands, in this process: test/helpers/cli.ts) against a local OpenAI-compatible server.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { runCli } from '../helpers/llm.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';
import { tempDir } from '../helpers/runtime.js';

const dataDir = tempDir();
// The run's prebuilt index and migrated database (test/setup/prebuilt-index.ts): the first command
// checks them at start-up instead of building them.
seedIndex(dataDir);
seedDatabase({ paths: { database: join(dataDir, 'pos-assist.sqlite') } });
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chat: () => ({ content: '已结算的交易不能撤销，要做退货[1]。' }) });
});
afterAll(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string>, input?: string) => runCli(dataDir, args, env, input);

const LLM = () => ({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url, LLM_MODEL: 'qwen-plus' });

describe('entry points with a language model', () => {
  it('ask --json answers through the model and says so', async () => {
    const { code, stdout, stderr } = await cli(['ask', 'POS机已经结算了还能撤销交易吗', '--json'], LLM());
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ answered: true, by: 'model', model: { name: 'qwen-plus', kind: 'answered' } });
    expect(out.answer).toContain('已结算的交易不能撤销，要做退货[1]。');
    expect(out.sources.length).toBe(1);
    expect(fake.chats.at(-1)!.body.model).toBe('qwen-plus');
  });

  it('ask falls back to the extractive answer when the provider is down, and says why', async () => {
    const { code, stdout } = await cli(['ask', 'POS机已经结算了还能撤销交易吗', '--json'], { ...LLM(), LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_TIMEOUT_MS: '2000' });
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ answered: true, by: 'extractive', model: { kind: 'failed' } });
    expect(out.answer).toContain('来源');
  });

  it('chat --jsonl answers through the model', async () => {
    const before = fake.chats.length;
    const { code, stdout, stderr } = await cli(['chat', '--jsonl'], LLM(), `${JSON.stringify({ text: 'POS机已经结算了还能撤销交易吗' })}\n`);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('已结算的交易不能撤销，要做退货[1]。');
    expect(fake.chats.length).toBeGreaterThan(before);
  });

  it('usage shows the calls the chat made (outcomes, purposes, tokens), and checks --hours', async () => {
    const { code, stdout, stderr } = await cli(['usage', '--json'], LLM());
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ hours: 24, model: 'qwen-plus' });
    expect(out.byOutcome.ok).toBeGreaterThanOrEqual(1);
    expect(out.byPurpose.answer).toBeGreaterThanOrEqual(1);
    expect(out.inputTokens).toBeGreaterThan(0);
    const plain = await cli(['usage', '--hours', '1'], {});
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Language model: not configured');
    expect(plain.stdout).toMatch(/Last 1 h: \d+ calls/);
    const bad = await cli(['usage', '--hours', '0'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--hours must be a whole number');
  });
});
