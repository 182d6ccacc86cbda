/**
 * The acceptance test of the knowledge capability: retrieval quality on labelled merchant questions,
 * measured with the project's own `evaluate` over the real knowledge base built into a temp data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalFixturesSchema, evaluate, loadEvalFixtures, type EvalFixtures, type EvalResult } from '../../src/knowledge/evaluate.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { FIXTURES_DIR, KNOWLEDGE_DIR, makeTempDir, rawSections, removeDir } from './helpers.js';

const GATE = 0.35;
const MAIN_FILE = path.join(FIXTURES_DIR, 'eval-questions.json');
const HOLDOUT_FILE = path.join(FIXTURES_DIR, 'eval-holdout.json');

let dataDir: string;
let kb: KnowledgeBase;
let main: EvalFixtures;
let holdout: EvalFixtures;
const results: Record<string, EvalResult> = {};

/** On failure, say which questions missed: a bare number is no help. */
const describeResult = (r: EvalResult): string =>
  `${r.mode}: hit@1 ${r.hitAt1}, hit@3 ${r.hitAt3}, MRR ${r.mrr}, off-topic rejection ${r.offTopicRejection}\n` +
  `misses: ${JSON.stringify(r.misses.slice(0, 15).map((m) => [m.q, m.got[0]]))}\n` +
  `false answers: ${JSON.stringify(r.falseAnswers)}`;

beforeAll(async () => {
  dataDir = makeTempDir();
  kb = await KnowledgeBase.open({ knowledgeDir: KNOWLEDGE_DIR, indexDir: path.join(dataDir, 'index'), minConfidence: GATE, maxSources: 2 });
  main = loadEvalFixtures(MAIN_FILE);
  holdout = loadEvalFixtures(HOLDOUT_FILE);
  results.mainHybrid = await evaluate(kb, main, 'hybrid');
  results.mainBm25 = await evaluate(kb, main, 'bm25');
  results.holdoutHybrid = await evaluate(kb, holdout, 'hybrid');
});
afterAll(() => removeDir(dataDir));

describe('retrieval quality on eval-questions.json (acceptance, gate 0.35)', () => {
  it('built the real knowledge base into the temp data dir', () => {
    expect(kb.ingestReport).toMatchObject({ fullRebuild: true, problems: [] });
    expect(kb.minConfidence).toBe(GATE);
    expect(fs.existsSync(path.join(dataDir, 'index', 'manifest.json'))).toBe(true);
  });

  it('hybrid hit@3 ≥ 0.90', () => {
    const r = results.mainHybrid!;
    expect(r.questions).toBe(main.questions.length);
    expect(r.hitAt3, describeResult(r)).toBeGreaterThanOrEqual(0.9);
  });

  it('off-topic rejection ≥ 0.90 (hybrid and bm25)', () => {
    for (const r of [results.mainHybrid!, results.mainBm25!]) {
      expect(r.offTopic).toBe(main.offTopic.length);
      expect(r.offTopicRejection, describeResult(r)).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('hybrid hit@3 ≥ bm25 hit@3 (fusion earns its keep)', () => {
    expect(results.mainHybrid!.hitAt3, `${describeResult(results.mainHybrid!)}\n${describeResult(results.mainBm25!)}`).toBeGreaterThanOrEqual(
      results.mainBm25!.hitAt3,
    );
  });

  it('metrics are consistent: hit@1 ≤ MRR ≤ hit@3-ish, misses are exactly the non-hit@1 questions', () => {
    for (const r of [results.mainHybrid!, results.mainBm25!, results.holdoutHybrid!]) {
      expect(r.hitAt1).toBeLessThanOrEqual(r.hitAt3);
      expect(r.mrr).toBeGreaterThanOrEqual(r.hitAt1);
      expect(r.mrr).toBeLessThanOrEqual(1);
      expect(r.misses.length).toBe(Math.round(r.questions * (1 - r.hitAt1)));
      expect(r.falseAnswers.length).toBe(Math.round(r.offTopic * (1 - r.offTopicRejection)));
    }
  });

  it('evaluation is deterministic: a second run gives the same numbers', async () => {
    const again = await evaluate(kb, main, 'hybrid');
    expect(again).toEqual(results.mainHybrid);
  });
});

describe('retrieval quality on eval-holdout.json (regression floors)', () => {
  it('floor: hybrid hit@3 ≥ 0.55 on the holdout', () => {
    expect(results.holdoutHybrid!.hitAt3, describeResult(results.holdoutHybrid!)).toBeGreaterThanOrEqual(0.55);
  });

  it('floor: off-topic rejection ≥ 0.85 on the holdout', () => {
    expect(results.holdoutHybrid!.offTopicRejection, describeResult(results.holdoutHybrid!)).toBeGreaterThanOrEqual(0.85);
  });
});

describe('the evaluation fixtures themselves', () => {
  const sections = new Map<string, Set<string>>();
  beforeAll(() => {
    for (const name of fs.readdirSync(KNOWLEDGE_DIR).filter((n) => n.endsWith('.md'))) {
      sections.set(name, new Set(rawSections(path.join(KNOWLEDGE_DIR, name))));
    }
  });

  for (const file of [MAIN_FILE, HOLDOUT_FILE]) {
    const name = path.basename(file);

    it(`${name} matches the fixture schema`, () => {
      const parsed = EvalFixturesSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    });

    it(`every expect label of ${name} names an existing file and ## section of the real knowledge base`, () => {
      const fixtures = loadEvalFixtures(file);
      const bad: string[] = [];
      for (const { q, expect: labels } of fixtures.questions) {
        for (const label of labels) {
          const [f, ...rest] = label.split('#');
          const section = rest.join('#');
          if (!sections.get(f!)?.has(section)) bad.push(`${q} → ${label}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it(`${name} has no duplicate questions and no question that is also off-topic`, () => {
      const fixtures = loadEvalFixtures(file);
      const qs = fixtures.questions.map((x) => x.q.trim());
      expect(new Set(qs).size).toBe(qs.length);
      expect(new Set(fixtures.offTopic).size).toBe(fixtures.offTopic.length);
      for (const o of fixtures.offTopic) expect(qs).not.toContain(o.trim());
    });
  }

  it('eval-questions.json has at least 60 in-domain and 15 off-topic questions', () => {
    const f = loadEvalFixtures(MAIN_FILE);
    expect(f.questions.length).toBeGreaterThanOrEqual(60);
    expect(f.offTopic.length).toBeGreaterThanOrEqual(15);
  });

  it('the holdout shares no question with eval-questions.json (it would not be a holdout)', () => {
    const a = loadEvalFixtures(MAIN_FILE);
    const b = loadEvalFixtures(HOLDOUT_FILE);
    const seen = new Set([...a.questions.map((x) => x.q.trim()), ...a.offTopic.map((x) => x.trim())]);
    const shared = [...b.questions.map((x) => x.q.trim()), ...b.offTopic.map((x) => x.trim())].filter((q) => seen.has(q));
    expect(shared).toEqual([]);
  });

  it('every ## section of the knowledge base is the expected answer of at least one question', () => {
    const labelled = new Set([...main.questions, ...holdout.questions].flatMap((x) => x.expect));
    const unlabelled = [...sections].flatMap(([f, ss]) => [...ss].map((s) => `${f}#${s}`)).filter((l) => !labelled.has(l));
    expect(unlabelled).toEqual([]);
  });
});
