/**
 * `pos-assist eval --model` and `ask --json` as a user runs them (the CLI's commands, in this process) against
 * the local OpenAI-compatible server: the same tables with the model path beside the offline ones, the
 * calls it made, and a usage error without a configured model.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cautiousModel, startFakeOpenAI, structuredName, type FakeOpenAI } from '../helpers/fake-openai.js';
import { runCli } from '../helpers/llm.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';
import { tempDir } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dataDir = tempDir();
// The run's prebuilt index and migrated database (test/setup/prebuilt-index.ts): the first command
// checks them at start-up instead of building them.
seedIndex(dataDir);
seedDatabase({ paths: { database: join(dataDir, 'pos-assist.sqlite') } });
const fixtures = join(dataDir, 'small.json');
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chat: cautiousModel });
  const test = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'eval', 'test.json'), 'utf8')) as { questions: unknown[]; offTopic: unknown[] };
  writeFileSync(fixtures, JSON.stringify({ questions: test.questions.slice(0, 24), offTopic: test.offTopic.slice(0, 4) }));
});
afterAll(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string>) => runCli(dataDir, args, env);

const LLM = () => ({ LLM_API_KEY: 'sk-test-0123456789', LLM_BASE_URL: fake.url, LLM_MODEL: 'fake-qwen' });

describe('eval --model', () => {
  it('--json scores the model path beside both retrievers, with the calls it made', async () => {
    const before = fake.chats.length;
    const { code, stdout, stderr } = await cli(['eval', '--model', '--fixtures', fixtures, '--json'], LLM());
    expect(code, stderr).toBe(0);
    const [report] = JSON.parse(stdout) as {
      file: string;
      results: { mode: string; correct: number }[];
      model: { name: string; result: { mode: string; correct: number; questions: number; byCategory: unknown[] }; calls: { calls: number; byPurpose: Record<string, number> } };
    }[];
    expect(report!.file).toBe('small.json');
    expect(report!.results.map((r) => r.mode)).toEqual(['hybrid', 'bm25']);
    expect(report!.model.name).toBe('fake-qwen');
    expect(report!.model.result.questions).toBe(24);
    expect(report!.model.result.correct).toBeGreaterThanOrEqual(report!.results[0]!.correct);
    const made = fake.chats.slice(before);
    expect(report!.model.calls.calls).toBe(made.length);
    expect(report!.model.calls.byPurpose.rerank).toBe(made.filter((c) => structuredName(c) === 'rerank').length);
    expect(report!.model.calls.byPurpose.rerank).toBeGreaterThan(0);
    expect(report!.model.calls.byPurpose.answer).toBeGreaterThan(0);
  }, 60_000);

  it('prints the same tables with a model row, a model column and the calls', async () => {
    const { code, stdout, stderr } = await cli(['eval', '--model', '--fixtures', fixtures], LLM());
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}hybrid .*\n {2}bm25 .*\n {2}model {5}/m);
    expect(stdout).toContain('(model: hybrid retrieval + fake-qwen: rewrite, rerank, grounded answer)');
    expect(stdout).toContain('correct (model)');
    expect(stdout).toMatch(/model calls: \d+ \([\d.]+ per message; by purpose: .*rerank \d+/);
  }, 60_000);

  it('needs a configured model', async () => {
    const { code, stderr } = await cli(['eval', '--model', '--fixtures', fixtures], { LLM_API_KEY: '', OPENAI_API_KEY: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('eval --model needs a language model');
  });

  it('ask --json says what the rewrite and rerank did', async () => {
    const { code, stdout, stderr } = await cli(['ask', '撤销和退货到底有什么区别？', '--json'], LLM());
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ answered: true, by: 'model', steps: { rerank: 'picked' } });
    expect(out.steps.picked).toBe(`${out.sources[0].file}#${out.sources[0].section}`);
  }, 60_000);
});
