/**
 * `eval --model` in a test: the bot's answer path with a language model (rewrite, rerank, grounded answer)
 * scored on the test split exactly as the offline path is, against the local OpenAI-compatible server
 * playing a cautious model — the rewrite gives the message back, the rerank picks passage 1, the answer
 * quotes passage [1] with its citation. Such a model adds nothing, so the model path must do at least as
 * well as offline: the steps around it (which reading is searched, which passage leads, what is scored)
 * must not lose answers.
 */
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerPath } from '../../src/bot/answering.js';
import { evaluate, loadEvalFixtures, type EvalFixtures, type EvalResult } from '../../src/knowledge/evaluate.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { GroundedAnswerer } from '../../src/knowledge/grounded-answer.js';
import { LanguageModel, type LlmCallRecord } from '../../src/llm/language-model.js';
import { cautiousModel, isStructured, startFakeOpenAI, structuredName, type FakeOpenAI } from '../helpers/fake-openai.js';
import { FIXTURES_DIR, KNOWLEDGE_DIR, makeTempDir, removeDir } from '../knowledge/helpers.js';

let fake: FakeOpenAI;
let kb: KnowledgeBase;
let dataDir: string;
let test: EvalFixtures;
const calls: LlmCallRecord[] = [];
let offline: EvalResult;
let withModel: EvalResult;

beforeAll(async () => {
  fake = await startFakeOpenAI({ chat: cautiousModel });
  dataDir = makeTempDir();
  kb = await KnowledgeBase.open({ knowledgeDir: KNOWLEDGE_DIR, indexDir: path.join(dataDir, 'index'), minConfidence: 0.25, maxSources: 2 });
  test = loadEvalFixtures(path.join(FIXTURES_DIR, 'eval', 'test.json'));
  const llm = new LanguageModel({
    settings: { apiKey: 'sk-test-0123456789', baseUrl: fake.url, model: 'fake-qwen', structuredOutput: 'json_schema', timeoutMs: 10_000, temperature: undefined },
    logger: pino({ level: 'silent' }),
    record: (c) => void calls.push(c),
  });
  offline = await evaluate(kb, test, 'hybrid');
  withModel = await evaluate(kb, test, 'hybrid', { answer: answerPath(kb, new GroundedAnswerer(llm), 'zh-CN'), concurrency: 4 });
}, 300_000);
afterAll(async () => {
  await fake?.close();
  removeDir(dataDir);
});

describe('eval --model on the test split, with a cautious model', () => {
  it('the model path answers at least as many questions correctly as the offline path', () => {
    const summary = (r: EvalResult) => `correct ${r.correct}, answered ${r.answerRate}, hit@1 ${r.hitAt1}, off-topic rejection ${r.offTopicRejection}`;
    console.info(`test split — offline: ${summary(offline)}; model: ${summary(withModel)}`);
    expect(withModel.questions).toBe(test.questions.length);
    expect(withModel.correct, `offline ${summary(offline)}\nmodel ${summary(withModel)}\nmodel misses: ${JSON.stringify(withModel.misses.slice(0, 10).map((m) => [m.q, m.got[0], m.missingFacts]))}`).toBeGreaterThanOrEqual(offline.correct);
    for (const c of withModel.byCategory) expect(c.questions).toBe(offline.byCategory.find((x) => x.category === c.category)!.questions);
  });

  it('the rewrite and the rerank really ran, on the server, and every call was recorded with its purpose', () => {
    const names = fake.chats.map((c) => structuredName(c) ?? (isStructured(c) ? 'other' : 'answer'));
    const count = (n: string) => names.filter((x) => x === n).length;
    console.info(`model calls on the fake server: rewrite ${count('rewrite')}, rerank ${count('rerank')}, answer ${count('answer')} for ${test.questions.length + test.offTopic.length} messages`);
    expect(count('rewrite')).toBeGreaterThan(0);
    expect(count('rerank')).toBeGreaterThan(count('rewrite'));
    expect(count('answer')).toBeGreaterThan(0);
    expect(count('other')).toBe(0);
    // At most three calls a message, and not one for a message far from the guide.
    expect(fake.chats.length).toBeLessThanOrEqual(3 * (test.questions.length + test.offTopic.length));
    const byPurpose = (p: string) => calls.filter((c) => c.purpose === p).length;
    expect([byPurpose('rewrite'), byPurpose('rerank')]).toEqual([count('rewrite'), count('rerank')]);
    expect(calls.every((c) => c.outcome === 'ok' || (c.purpose === 'answer' && c.outcome === 'refused'))).toBe(true);
  });

  it('the offline answer path is scored exactly as the knowledge base is (same function, no model)', async () => {
    const sample: EvalFixtures = { questions: test.questions.slice(0, 40), offTopic: test.offTopic.slice(0, 10) };
    expect(await evaluate(kb, sample, 'hybrid', { answer: answerPath(kb, undefined, 'zh-CN') })).toEqual(await evaluate(kb, sample, 'hybrid'));
  });
});
