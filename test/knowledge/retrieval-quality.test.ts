/**
 * The acceptance test of answering: answer correctness on the labelled merchant questions
 * (`test/fixtures/eval/`), measured with the project's own `evaluate` over the real knowledge base built
 * into a temp data dir. The `test` split is never tuned on: its floors sit just under what it scores, so
 * quality cannot silently fall; `pos-assist eval` prints the full tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalFixturesSchema, evaluate, loadEvalFixtures, missingFacts, type EvalFixtures, type EvalResult } from '../../src/knowledge/evaluate.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { FIXTURES_DIR, KNOWLEDGE_DIR, makeTempDir, rawSections, removeDir } from './helpers.js';

const GATE = 0.28;
const DEV_FILE = path.join(FIXTURES_DIR, 'eval', 'dev.json');
const TEST_FILE = path.join(FIXTURES_DIR, 'eval', 'test.json');

let dataDir: string;
let kb: KnowledgeBase;
let dev: EvalFixtures;
let test: EvalFixtures;
const results: Record<string, EvalResult> = {};

/** On failure, say which questions missed: a bare number is no help. */
const describeResult = (r: EvalResult): string =>
  `${r.mode}: correct ${r.correct}, hit@1 ${r.hitAt1}, hit@3 ${r.hitAt3}, off-topic rejection ${r.offTopicRejection}\n` +
  `by category: ${JSON.stringify(r.byCategory.map((c) => [c.category, c.correct]))}\n` +
  `misses: ${JSON.stringify(r.misses.slice(0, 12).map((m) => [m.q, m.got[0], m.missingFacts]))}\n` +
  `false answers: ${JSON.stringify(r.falseAnswers)}`;

beforeAll(async () => {
  dataDir = makeTempDir();
  kb = await KnowledgeBase.open({ knowledgeDir: KNOWLEDGE_DIR, indexDir: path.join(dataDir, 'index'), minConfidence: GATE, maxSources: 2 });
  dev = loadEvalFixtures(DEV_FILE);
  test = loadEvalFixtures(TEST_FILE);
  results.testHybrid = await evaluate(kb, test, 'hybrid');
  results.testBm25 = await evaluate(kb, test, 'bm25');
  results.devHybrid = await evaluate(kb, dev, 'hybrid');
});
afterAll(() => removeDir(dataDir));

describe('answer quality on the test split (never tuned on; floors)', () => {
  it('built the real knowledge base into the temp data dir', () => {
    expect(kb.ingestReport).toMatchObject({ fullRebuild: true, problems: [] });
    expect(fs.existsSync(path.join(dataDir, 'index', 'manifest.json'))).toBe(true);
  });

  it('floor: hybrid answers ≥ 0.93 of the questions correctly (with the labelled facts)', () => {
    const r = results.testHybrid!;
    expect(r.questions).toBe(test.questions.length);
    expect(r.correct, describeResult(r)).toBeGreaterThanOrEqual(0.93);
  });

  it('floor: off-topic rejection ≥ 0.95', () => {
    expect(results.testHybrid!.offTopicRejection, describeResult(results.testHybrid!)).toBeGreaterThanOrEqual(0.95);
  });

  it('hybrid answers at least as many correctly as BM25 alone (fusion earns its keep)', () => {
    expect(results.testHybrid!.correct, `${describeResult(results.testHybrid!)}\n${describeResult(results.testBm25!)}`).toBeGreaterThanOrEqual(results.testBm25!.correct);
  });

  it('floor: every category ≥ 0.85 correct', () => {
    const categories = results.testHybrid!.byCategory.filter((c) => c.category !== 'off-topic');
    expect(categories.map((c) => c.category)).toEqual(expect.arrayContaining(['code', 'dialect', 'english', 'long', 'two-part', 'spoken']));
    for (const c of categories) {
      expect(c.correct, `${c.category}: ${describeResult(results.testHybrid!)}`).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('metrics are consistent: hit@1 ≤ MRR ≤ 1, correct ≤ answered, misses are the incorrect questions', () => {
    for (const r of [results.testHybrid!, results.testBm25!, results.devHybrid!]) {
      expect(r.hitAt1).toBeLessThanOrEqual(r.hitAt3);
      expect(r.mrr).toBeGreaterThanOrEqual(r.hitAt1);
      expect(r.mrr).toBeLessThanOrEqual(1);
      expect(r.correct).toBeLessThanOrEqual(r.answerRate);
      expect(r.misses.length).toBe(Math.round(r.questions * (1 - r.correct)));
      expect(r.falseAnswers.length).toBe(Math.round(r.offTopic * (1 - r.offTopicRejection)));
      expect(r.byCategory.reduce((n, c) => n + c.questions, 0)).toBe(r.questions + r.offTopic);
    }
  });

  it('evaluation is deterministic: a second run gives the same numbers', async () => {
    expect(await evaluate(kb, test, 'hybrid')).toEqual(results.testHybrid);
  });
});

describe('out of scope: what the guide does not cover is refused, what it does is not', () => {
  it('a question sharing its words with an out-of-scope one but naming a guide concept is answered', async () => {
    // "信用卡逾期了会怎么样" is out of scope; the CVV is the guide's card-data rules.
    const refused = await kb.ask('信用卡逾期了会怎么样');
    expect(refused.answered).toBe(false);
    expect(refused.retrieval.outOfScope).toBeTruthy();
    const answered = await kb.ask('信用卡的CVV能发给你们核对吗');
    expect(answered.answered, JSON.stringify(answered.retrieval.outOfScope)).toBe(true);
    expect(answered.sources[0]!.file).toBe('card-data-privacy.md');
    expect(answered.retrieval.outOfScope).toBeUndefined();
  });

  it('a two-part message that is out of scope as a whole is not answered by one of its parts', async () => {
    // From the dev split: its second part alone ("刷卡 大概能贷多少") once cleared the gate.
    const a = await kb.ask('凭这几年的刷卡流水能去银行申请经营贷吗？大概能贷多少');
    expect(a.retrieval.analysis.parts.length).toBeGreaterThanOrEqual(2);
    expect(a.answered).toBe(false);
    expect(a.text).toBe('');
  });

  it('a two-part message with one in-scope half is still answered from the guide', async () => {
    const a = await kb.ask('刷卡手续费是多少？当天到账要另外收费吗');
    expect(a.answered).toBe(true);
    expect(a.sources.map((s) => s.section)).toContain('T+0与D0当天到账');
  });
});

describe('elsewhere: another platform or errand is not the guide\'s, unless the terminal is in it too', () => {
  it('a question naming another platform is refused although it asks about refunds', async () => {
    for (const q of ['网购的衣服想退货，淘宝上怎么操作', '美团外卖的营业款多久到账', 'How long does an international bank wire take to arrive?']) {
      const a = await kb.ask(q);
      expect(a.answered, q).toBe(false);
      expect(a.retrieval.outOfScope, q).toBeTruthy();
    }
  });

  it('the same platform named beside the card terminal is answered', async () => {
    const a = await kb.ask('顾客在美团上下的单，来店里又在POS机上刷卡付了一遍，这笔刷卡的怎么退给他');
    expect(a.answered).toBe(true);
    expect(a.retrieval.outOfScope).toBeUndefined();
  });

  it('a question that points back at its story is read with the story: "这个要怎么操作" is not every 怎么操作', async () => {
    const a = await kb.ask('我女儿在国外读书，下个月要交学费，我想把店里POS刷卡收的钱直接换成美元汇过去给她，这个要怎么操作，需要去银行办什么手续吗');
    expect(a.answered).toBe(false);
    const c = await kb.ask('I sent money to the wrong WeChat account, can I reverse it?');
    expect(c.answered).toBe(false);
    const b = await kb.ask('我做水果批发的，每天收的钱一般第二天上午就到账，可是这周一收的款到今天周三还没到，银行卡也没有入账记录，这是什么原因，我该找谁？');
    expect(b.answered).toBe(true);
    expect(b.sources[0]!.section).toBe('钱没按时到账怎么办');
  });
});

describe('unanswered: what the guide never covers about the terminal itself, named or not', () => {
  it('is refused with the terminal named, and answered when a concept of the guide comes with it', async () => {
    for (const q of ['POS机的电池能用多久', '机器屏幕上的广告怎么关', 'how do I turn off the ads on the terminal screen', '怎么设置小费功能']) {
      const a = await kb.ask(q);
      expect(a.answered, q).toBe(false);
      expect(a.retrieval.outOfScope, q).toBeTruthy();
    }
    const voided = await kb.ask('撤销做到一半机器没电了，这笔撤销成功了吗');
    expect(voided.retrieval.outOfScope).toBeUndefined();
  });

  it('is refused with the slip or the terminal named as what it belongs to (carriers), not as a concept', async () => {
    // 小票 and 机器 are concepts of the guide, but here only the thing the ads, the look or the screen is part of.
    for (const q of ['打印出来的小票有广告 能去掉吗', '小票上的广告语能不能换成我们店的活动', '机器屏幕太暗了 亮度在哪调', '顾客要发票 POS小票能当发票用吗']) {
      const a = await kb.ask(q);
      expect(a.answered, q).toBe(false);
      expect(a.retrieval.outOfScope, q).toBeTruthy();
    }
    // A concept beyond the carrier still keeps the question the guide's.
    const refund = await kb.ask('退货的小票上有广告 退货凭证号在哪里看');
    expect(refund.retrieval.outOfScope).toBeUndefined();
  });
});

describe('a story whose question names nothing of the guide is read with the story', () => {
  it('an errand told in the story decides; a guide concept told there keeps the question the guide\'s', async () => {
    const rent = await kb.ask('上个月用店里的对公账户交了一季度的房租，房东说没收到，可是银行流水显示已经扣款了。钱到底去哪了，怎么查？');
    expect(rent.answered).toBe(false);
    expect(rent.retrieval.outOfScope).toBe('房租');
    const dispute = await kb.ask('我们刚被服务商通知说有一笔调单，是半年前一笔五千多的交易，持卡人说没收到货。其实货是快递寄过去的，有签收记录，也有微信聊天记录。现在要怎么回复？有多少天时间？');
    expect(dispute.retrieval.outOfScope).toBeUndefined();
    expect(dispute.sources[0]!.section).toBe('调单回复材料与时限');
  });
});

describe('two slip fields compared', () => {
  it('are answered by both fields\' sections', async () => {
    const a = await kb.ask('参考号和凭证号有啥区别');
    expect(a.sources.map((s) => s.section)).toEqual(['参考号', '凭证号']);
    expect(a.text).toContain('12位');
    expect(a.text).toContain('6位');
  });
});

describe('answer correctness is about the facts', () => {
  it('a fact group is satisfied by any of its alternatives, regardless of case, width and spaces', () => {
    expect(missingFacts('到账时间为 T + 1', [['t+1', 'D+1']])).toEqual([]);
    expect(missingFacts('退货需要参考号', [['参考号'], ['12位']])).toEqual([['12位']]);
  });
});

describe('the evaluation fixtures themselves', () => {
  const sections = new Map<string, Set<string>>();
  beforeAll(() => {
    for (const name of fs.readdirSync(KNOWLEDGE_DIR).filter((n) => n.endsWith('.md'))) {
      sections.set(name, new Set(rawSections(path.join(KNOWLEDGE_DIR, name))));
    }
  });

  for (const file of [DEV_FILE, TEST_FILE]) {
    const name = path.basename(file);

    it(`${name} matches the fixture schema`, () => {
      const parsed = EvalFixturesSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    });

    it(`every expect label of ${name} names an existing file and ## section of the real knowledge base`, () => {
      const bad: string[] = [];
      for (const { q, expect: labels } of loadEvalFixtures(file).questions) {
        for (const label of labels) {
          const [f, ...rest] = label.split('#');
          if (!sections.get(f!)?.has(rest.join('#'))) bad.push(`${q} → ${label}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it(`every question of ${name} has a fact to check, and no question repeats or is also off-topic`, () => {
      const fixtures = loadEvalFixtures(file);
      expect(fixtures.questions.filter((x) => x.facts.length === 0).map((x) => x.q)).toEqual([]);
      const qs = fixtures.questions.map((x) => x.q.trim());
      expect(new Set(qs).size).toBe(qs.length);
      for (const o of fixtures.offTopic) expect(qs).not.toContain(o.q.trim());
    });
  }

  it('at least 400 in-domain questions in all, every category of the issue in both splits', () => {
    expect(dev.questions.length + test.questions.length).toBeGreaterThanOrEqual(400);
    const categories = ['plain', 'spoken', 'typo', 'pinyin', 'dialect', 'voice', 'long', 'two-part', 'code', 'slip', 'time-limit', 'safety', 'english', 'english-typo'];
    for (const f of [dev, test]) expect([...new Set(f.questions.map((x) => x.category))].sort()).toEqual([...categories].sort());
    expect(test.offTopic.length).toBeGreaterThanOrEqual(30);
  });

  it('the test split shares no question with dev (it would not be held out)', () => {
    const seen = new Set([...dev.questions.map((x) => x.q.trim()), ...dev.offTopic.map((x) => x.q.trim())]);
    const shared = [...test.questions.map((x) => x.q.trim()), ...test.offTopic.map((x) => x.q.trim())].filter((q) => seen.has(q));
    expect(shared).toEqual([]);
  });

  it('every ## section of the knowledge base is the expected answer of at least one question', () => {
    const labelled = new Set([...dev.questions, ...test.questions].flatMap((x) => x.expect));
    const unlabelled = [...sections].flatMap(([f, ss]) => [...ss].map((s) => `${f}#${s}`)).filter((l) => !labelled.has(l));
    expect(unlabelled).toEqual([]);
  });
});
