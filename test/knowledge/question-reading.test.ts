/**
 * Reading a message as merchants type it: the lexicon, spoken numbers, pinyin and homophone typos, the
 * response-code table, the question inside a long message and two questions in one — each through the
 * real modules, and end to end against the real knowledge base.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { spokenNumbersToDigits } from '../../src/knowledge/chinese-numbers.js';
import { CodeLookup } from '../../src/knowledge/code-lookup.js';
import { FieldLookup } from '../../src/knowledge/field-lookup.js';
import { parseKnowledgeFile, type Chunk } from '../../src/knowledge/documents.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { lexiconOf, loadLexicon, loadOutOfScope, variantTerms } from '../../src/knowledge/lexicon.js';
import { EnglishSpeller, editDistance } from '../../src/knowledge/english-speller.js';
import { PinyinSpeller } from '../../src/knowledge/pinyin-speller.js';
import { focusOf, questionParts } from '../../src/knowledge/question-analysis.js';
import { FIXTURES_DIR, KNOWLEDGE_DIR, makeTempDir, removeDir } from './helpers.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('lexicon', () => {
  const lexicon = lexiconOf([
    { term: '签购单', variants: ['小票', '签够单'] },
    { term: '手工退货', variants: ['手工推货'] },
    { term: '退货', variants: ['推货', 'tuihuo', 'tui huo'] },
  ]);

  it('rewrites variants to the guide term, the longest variant first', () => {
    expect(lexicon.apply('小票丢了')).toBe('签购单丢了');
    expect(lexicon.apply('手工推货要多久')).toBe('手工退货要多久');
    expect(lexicon.apply('推货要多久')).toBe('退货要多久');
  });

  it('matches pinyin variants as whole words, with or without the space', () => {
    expect(lexicon.apply('tuihuo yao duojiu')).toContain('退货');
    expect(lexicon.apply('tui huo yao duojiu')).toContain('退货');
    expect(lexicon.apply('xtuihuox')).toBe('xtuihuox');
  });

  it('a lexicon or out-of-scope file of the wrong shape is a specific error naming the file; a missing one is empty', () => {
    const dir = makeTempDir();
    try {
      const bad = path.join(dir, 'lexicon.yaml');
      fs.writeFileSync(bad, 'entries:\n  - term: 退货\n');
      expect(() => loadLexicon(bad)).toThrow(/lexicon\.yaml: entries\.0\.variants/);
      fs.writeFileSync(bad, 'entries: [unclosed');
      expect(() => loadLexicon(bad)).toThrow(expect.objectContaining({ code: 'KNOWLEDGE_FILE_INVALID' }));
      const oos = path.join(dir, 'out-of-scope.yaml');
      fs.writeFileSync(oos, 'questions: {a: 1}\n');
      expect(() => loadOutOfScope(oos)).toThrow(/out-of-scope\.yaml: questions/);
      expect(loadLexicon(path.join(dir, 'none.yaml')).apply('小票')).toBe('小票');
      expect(loadOutOfScope(path.join(dir, 'none.yaml'))).toEqual({ questions: [], elsewhere: [], terminal: [], unanswered: [], carriers: [] });
    } finally {
      removeDir(dir);
    }
  });

  it('rewrites exactly as one alternation of every variant would, over the guide and every question of the answer eval', () => {
    // The reference: the real lexicon as one regular expression, longest variant first, Latin variants as
    // whole words with their spaces optional. The lexicon scans by first character instead; they must agree.
    const entries = (parseYaml(fs.readFileSync(path.join(KNOWLEDGE_DIR, 'lexicon.yaml'), 'utf8')) as { entries: { term: string; variants: (string | number)[] }[] }).entries.map(
      (e) => ({ term: e.term, variants: e.variants.map(String) }),
    );
    const real = lexiconOf(entries);
    const map = variantTerms(entries);
    const latin = /^[a-z0-9 '+-]+$/;
    const alternation = new RegExp(
      [...map.keys()]
        .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
        .map((v) => {
          const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, ' ?');
          return latin.test(v) ? `(?<![a-z])${escaped}(?![a-z])` : escaped;
        })
        .join('|'),
      'g',
    );
    expect(map.size, 'the real lexicon has many variants').toBeGreaterThan(100);
    const findSpaced = (m: string) => [...map].find(([k]) => k.replace(/ /g, '') === m.replace(/ /g, ''))?.[1];
    const lookup = (m: string) => map.get(m) ?? map.get(m.replace(/ /g, '')) ?? findSpaced(m) ?? m;
    const reference = (text: string) => text.replace(alternation, (m) => ` ${lookup(m)} `.replace(/^ (?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff]) $/g, ''));
    const texts = [
      ...fs.readdirSync(KNOWLEDGE_DIR).filter((f) => f.endsWith('.md')).map((f) => fs.readFileSync(path.join(KNOWLEDGE_DIR, f), 'utf8')),
      ...['dev.json', 'test.json'].flatMap((f) => {
        const data = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'eval', f), 'utf8')) as { questions: { q: string }[]; offTopic: { q: string }[] };
        return [...data.questions, ...data.offTopic].map((q) => q.q);
      }),
    ].map((t) => t.normalize('NFKC').toLowerCase());
    const latinVariants = [...map.keys()].filter((k) => latin.test(k));
    // Pinyin variants with their spaces dropped, inside words and beside each other.
    texts.push(latinVariants.map((k) => `${k.replace(/ /g, '')} x${k}x ${k}`).join('，'));
    let rewritten = 0;
    for (const text of texts) {
      const want = reference(text);
      expect(real.apply(text), text.slice(0, 80)).toBe(want);
      if (want !== text) rewritten++;
    }
    expect(rewritten, 'texts the lexicon rewrites').toBeGreaterThan(20);
  });

  it('its fingerprint changes with any rewrite', () => {
    expect(lexiconOf([{ term: '退货', variants: ['推货'] }]).fingerprint).not.toBe(lexiconOf([{ term: '退货', variants: ['退或'] }]).fingerprint);
  });
});

describe('spoken numbers', () => {
  it.each([
    ['返回码二十五', '返回码25'],
    ['报个幺二', '报个12'],
    ['提示九四是啥', '提示94是啥'],
    ['退货期限是不是三十天', '退货期限是不是30天'],
    ['四零怎么处理', '40怎么处理'],
    ['三到五个工作日', '3到5个工作日'],
    // Spoken amounts drop the last unit: 八百八 is 880, not 808.
    ['刷了八百八然后', '刷了880然后'],
    ['一千二的单子', '1200的单子'],
    ['八百零八块', '808块'],
    ['两万五', '25000'],
  ])('%s → %s', (spoken, digits) => {
    expect(spokenNumbersToDigits(spoken)).toBe(digits);
  });

  it('leaves words with numerals alone', () => {
    for (const s of ['我问一下', '十分感谢', '一笔交易', '两三天', '千万别', '万一不行']) expect(spokenNumbersToDigits(s)).toBe(s);
  });
});

describe('pinyin speller', () => {
  const speller = new PinyinSpeller(['撤销', '退货', '参考号', '凭证号', '结算', '多久', '到账', '怎么', '签购单', '手工退货'], {
    englishWords: ['how', 'long', 'refund', 'take', 'does', 'the', 'a'],
  });

  it('corrects homophone typos towards the guide vocabulary', () => {
    expect(speller.fixHomophones('撤肖怎么弄')).toBe('撤销怎么弄');
    expect(speller.fixHomophones('推货多久到账')).toBe('退货多久到账');
    expect(speller.fixHomophones('参靠号在哪')).toBe('参考号在哪');
    expect(speller.fixHomophones('签够单丢了')).toBe('签购单丢了');
  });

  it('leaves a word that shares no character with the vocabulary word alone', () => {
    // 彻笑 sounds like 撤销 but shares no character: not a typo of it.
    expect(speller.fixHomophones('彻笑')).toBe('彻笑');
  });

  it('reads pinyin typed with the IME off, spaced or run together', () => {
    expect(speller.fromPinyin('tuihuo duojiu daozhang')).toBe('退货多久到账');
    expect(speller.fromPinyin('tui huo duo jiu dao zhang')).toBe('退货多久到账');
    expect(speller.fromPinyin('怎么chexiao')).toBe('怎么撤销');
  });

  it('leaves English alone', () => {
    expect(speller.fromPinyin('how long does a refund take')).toBe('how long does a refund take');
  });
});

describe('response-code table', () => {
  const chunk = (section: string): Chunk => ({
    id: `codes.md#${section}#0`, file: 'codes.md', title: '返回码', headingPath: [section], section, text: 'x', keywords: [], hash: '', lang: 'zh', questions: [], weight: 1,
  });
  const codes = new CodeLookup([chunk('返回码25：原交易不存在'), chunk('返回码12、40、57、58：交易类型不允许'), chunk('返回码77、A0、99：请重新签到')]);

  it('is read from the headings', () => {
    expect(codes.size).toBe(8);
  });

  it('finds codes quoted casually, in both languages', () => {
    expect(codes.find('撤销跳出个12')).toEqual(['codes.md#返回码12、40、57、58：交易类型不允许']);
    expect(codes.find('退的时候老报40')).toEqual(['codes.md#返回码12、40、57、58：交易类型不允许']);
    expect(codes.find('25?')).toEqual(['codes.md#返回码25：原交易不存在']);
    expect(codes.find('refund failed with error a0')).toEqual(['codes.md#返回码77、A0、99：请重新签到']);
    // How a number is said to have appeared on the screen: 整出个, 冒了个, 蹦出, 弹了个.
    expect(codes.find('机器整出个25，这玩意儿咋整啊，还退不退了')).toEqual(['codes.md#返回码25：原交易不存在']);
    expect(codes.find('刷卡机上冒了个99是怎么回事啊，顾客还在等着')).toEqual(['codes.md#返回码77、A0、99：请重新签到']);
  });

  it('does not read lengths, limits or amounts as codes', () => {
    expect(codes.find('参考号是12位吗 报错了')).toEqual([]);
    expect(codes.find('退货失败 金额是¥25')).toEqual([]);
    expect(codes.find('我们店有25个员工，想问问结算的事情怎么处理')).toEqual([]);
  });
});

describe('slip-field table', () => {
  const chunk = (section: string): Chunk => ({
    id: `slip.md#${section}#0`, file: 'slip.md', title: '签购单', headingPath: [section], section, text: 'x', keywords: [], hash: '', lang: 'zh', questions: [], weight: 1,
  });
  const fields = new FieldLookup([chunk('参考号'), chunk('凭证号'), chunk('签购单其他字段')], ['参考号', '凭证号', '签购单'], lexiconOf([]));

  it('is read from the headings that are a term of the guide', () => {
    expect(fields.size).toBe(2);
  });

  it('answers a question about one field from its section', () => {
    expect(fields.find('参考号是几位')).toBe('slip.md#参考号');
    expect(fields.find('凭证号在哪里看')).toBe('slip.md#凭证号');
  });

  it('leaves questions about two fields, or not about a field, to retrieval', () => {
    expect(fields.find('参考号和凭证号有什么区别')).toBeUndefined();
    expect(fields.find('退货要用参考号吗')).toBeUndefined();
  });

  it('two fields compared are both looked up, in the order named', () => {
    expect(fields.compared('凭证号跟参考号有什么区别')).toEqual(['slip.md#凭证号', 'slip.md#参考号']);
    expect(fields.compared('参考号和凭证号都要填吗')).toEqual([]);
    expect(fields.compared('参考号有什么不同的叫法')).toEqual([]);
  });
});

describe('the question inside a message', () => {
  it('a long message: the clauses that ask are the focus, the story the context', () => {
    const { focus, context } = focusOf('我是开小超市的，昨天有个顾客刷了五百块，今天拿着小票回来说不要了，这种情况我该怎么给他退？');
    expect(focus).toBe('这种情况我该怎么给他退？');
    expect(context).toContain('小票');
  });

  it('"没收到什么通知" tells, it does not ask: 什么 after a negation is not a question', () => {
    const { focus, context } = focusOf('这周一收的款到今天还没到，我查了银行卡也没有入账记录，也没收到什么通知，这是什么原因？');
    expect(focus).toBe('这是什么原因？');
    expect(context).toContain('没收到什么通知');
  });

  it('a voice run-on without punctuation is split where the story turns to the question', () => {
    const { focus, context } = focusOf('喂你好我想问一下就是昨天有个客人刷了880然后今天他说东西不要了我们昨天晚上已经结算过了那现在要怎么给他退款啊');
    expect(focus).toBe('那现在要怎么给他退款啊');
    expect(context).toContain('已经结算过了');
  });

  it('spaces between Chinese words separate clauses, as on a phone', () => {
    const { focus, context } = focusOf('你好 我是楼下卖烟酒的 今天有个老顾客刷的卡 又拿回来退 今天的还没结算 我直接在机器上给他撤销就行吗');
    expect(focus).toBe('我直接在机器上给他撤销就行吗');
    expect(context).toContain('还没结算');
  });

  it('a short message is its own focus', () => {
    expect(focusOf('退货多久到账')).toEqual({ focus: '退货多久到账', context: '' });
  });

  it('two questions in one message are split', () => {
    expect(questionParts('预授权有效期多久？做了预授权完成以后还能撤吗？')).toEqual(['预授权有效期多久？', '做了预授权完成以后还能撤吗？']);
    expect(questionParts('参考号几位，另外凭证号在哪看')).toHaveLength(2);
    expect(questionParts('退货多久到账？')).toEqual([]);
  });

  it('splits at line breaks, semicolons, numbered items and an English "and" that starts a question', () => {
    expect(questionParts('参考号在哪看\n批结算是什么意思')).toEqual(['参考号在哪看', '批结算是什么意思']);
    expect(questionParts('撤销要主管密码吗；退货要几天到账')).toEqual(['撤销要主管密码吗', '退货要几天到账']);
    expect(questionParts('1. 参考号在哪看 2. 批结算是什么')).toEqual(['参考号在哪看', '批结算是什么']);
    expect(questionParts('how do i void a sale and how long does a refund take')).toEqual(['how do i void a sale', 'how long does a refund take']);
    // "and" inside one question is not a second question; neither is a number inside an amount.
    expect(questionParts('can i void and refund the same sale')).toEqual([]);
    expect(questionParts('退了1.5元怎么查')).toEqual([]);
  });

  it('a comma or a space joins two questions only when each asks about a thing of its own', () => {
    const terms = ['参考号', '凭证号', '交易凭证', '材料', '退货'];
    expect(questionParts('参考号是几位，凭证号又是几位', terms)).toEqual(['参考号是几位', '凭证号又是几位']);
    expect(questionParts('交易凭证过期了怎么办 被要求补材料又怎么办', terms)).toEqual(['交易凭证过期了怎么办', '被要求补材料又怎么办']);
    // A story and its question, or one thing asked twice, stay one question.
    expect(questionParts('嗯那个退货的时候 要输哪个号码啊', terms)).toEqual([]);
    expect(questionParts('参考号在哪，参考号几位', terms)).toEqual([]);
  });

  it('an elliptic second part asks the first question of the thing it names', () => {
    expect(questionParts('撤销多久能到账？那退货呢？', ['撤销', '退货'])).toEqual(['撤销多久能到账？', '退货多久能到账？']);
    expect(questionParts('how long does a void take to come back? what about a refund?', [])).toEqual([
      'how long does a void take to come back?',
      'refund how long does a void take to come back?',
    ]);
  });
});

describe('knowledge files: questions and English text of a section', () => {
  const source = [
    '---',
    'title: 撤销与退货',
    'title_en: Voids and refunds',
    '---',
    '## 退货的条件',
    '退货用于已经批结算的交易。',
    '',
    '### 问法',
    '- 结完账了还能退吗',
    '- can I refund after settlement?',
    '',
    '### English: When to refund',
    'A refund is for a settled transaction.',
  ].join('\n');

  it('parses a Chinese and an English chunk of the same section, each with its questions', () => {
    const chunks = parseKnowledgeFile('void.md', utf8(source));
    expect(chunks.map((c) => [c.lang, c.section, c.title, c.headingPath, c.text, c.questions])).toEqual([
      ['zh', '退货的条件', '撤销与退货', ['退货的条件'], '退货用于已经批结算的交易。', ['结完账了还能退吗']],
      ['en', '退货的条件', 'Voids and refunds', ['When to refund'], 'A refund is for a settled transaction.', ['can I refund after settlement?']],
    ]);
    expect(chunks[1]!.id).toBe('void.md#退货的条件#en#0');
  });

  it('a weight in the front matter is checked and kept', () => {
    expect(parseKnowledgeFile('a.md', utf8('---\ntitle: A\nweight: 0.5\n---\n## S\ntext')).map((c) => c.weight)).toEqual([0.5]);
    expect(() => parseKnowledgeFile('a.md', utf8('---\ntitle: A\nweight: 3\n---\n## S\ntext'))).toThrow(/weight/);
  });

  it('an empty English block is a specific error', () => {
    expect(() => parseKnowledgeFile('a.md', utf8('---\ntitle: A\n---\n## S\ntext\n\n### English: S\n\n## T\nmore'))).toThrow(/English block is empty/);
  });
});

describe('English typos', () => {
  const speller = new EnglishSpeller('the refund reference number receipt settlement payment should arrive check checked what'.split(' '));

  it('counts a swapped pair of letters as one edit', () => {
    expect(editDistance('reciept', 'receipt')).toBe(1);
    expect(editDistance('settelment', 'settlement')).toBe(1);
    expect(editDistance('capital', 'cancel', 2)).toBe(3);
  });

  it("corrects an unknown word to the guide's nearest word, and leaves real and far words alone", () => {
    expect(speller.correct('how many digit is the refrence no on the reciept')).toBe('how many digit is the reference no on the receipt');
    expect(speller.correct('paymnet shoud arive after settelment')).toBe('payment should arrive after settlement');
    // Two edits away from a guide word, and seven letters: a real word as likely as a typo.
    expect(speller.correct('my screen is cracked')).toBe('my screen is cracked');
    // Nothing near: left as typed (an unknown word keeps an off-topic question looking off-topic).
    expect(speller.correct('capital of australia')).toBe('capital of australia');
  });

  it('words of other topics are kept, and offered only for a long typo or another form of the word', () => {
    const withElsewhere = new EnglishSpeller('when will money arrive account'.split(' '), 'lend loan recommend roll wire'.split(' '));
    // "land" is a word of its own, no typo of "lend" (which would make a payout question a loan question).
    expect(withElsewhere.correct('when will the money land')).toBe('when will the money land');
    expect(withElsewhere.correct('can u recomend a printer')).toBe('can u recommend a printer');
    expect(withElsewhere.correct('paper rolls')).toBe('paper roll');
    expect(withElsewhere.correct('wire transfer')).toBe('wire transfer');
  });
});

describe('end to end on the real knowledge base', () => {
  let dir: string;
  let kb: KnowledgeBase;
  beforeAll(async () => {
    dir = makeTempDir();
    kb = await KnowledgeBase.open({ knowledgeDir: KNOWLEDGE_DIR, indexDir: path.join(dir, 'index'), minConfidence: 0.28, maxSources: 2 });
  });
  afterAll(() => removeDir(dir));

  const top = async (q: string) => {
    const a = await kb.ask(q);
    return { answered: a.answered, section: a.sources[0] ? `${a.sources[0].file}#${a.sources[0].section}` : '', text: a.text, lang: a.lang, sources: a.sources };
  };

  it('a code quoted casually is looked up', async () => {
    expect((await top('撤销跳出个12')).section).toBe('response-codes.md#返回码12、40、57、58：交易类型不允许');
    expect((await top('退货的时候屏幕上显示九四')).section).toBe('response-codes.md#返回码94：重复交易');
  });

  it('a terminal prompt copied into a long message is looked up too', async () => {
    const a = await top('早上想把昨天那笔刷错的撤销掉，结果机器显示“已结算不能撤销”，昨晚好像自动结了账。那现在怎么办，钱还能退回给客人吗');
    expect(a).toMatchObject({ answered: true, section: 'response-codes.md#提示"已结算不能撤销"' });
    expect(a.text).toContain('退货');
  });

  it('an English question is answered from the English text', async () => {
    const a = await top('How long does a refund take to reach the cardholder?');
    expect(a).toMatchObject({ answered: true, lang: 'en', section: 'void-vs-refund.md#退款多久到持卡人账户' });
    expect(a.text).toMatch(/working days/);
    expect(a.text).not.toMatch(/[\u4e00-\u9fff]{4}/);
  });

  it('pinyin and homophone typos find the section the guide words would', async () => {
    expect((await top('cankaohao shi jiwei')).section).toBe('sales-slip.md#参考号');
    expect((await top('推货要准备什么')).section).toMatch(/^void-refund-steps\.md#退货前的准备$|^void-vs-refund\.md#退货的条件$/);
  });

  it('an English question with typos finds the section its words would', async () => {
    expect(await top('how many digit is the refrence no on the reciept')).toMatchObject({ answered: true, lang: 'en', section: 'sales-slip.md#参考号' });
  });

  it('two questions in one message are both answered, each cited', async () => {
    const a = await top('参考号是几位？另外凭证号是几位？');
    expect(a.sources.map((s) => s.section)).toEqual(['参考号', '凭证号']);
    expect(a.text).toContain('12位');
    expect(a.text).toContain('6位');
  });

  it('off-topic messages are still refused', async () => {
    for (const q of ['明天上海会下雨吗', '给我讲个笑话', 'what is the capital of France']) expect((await top(q)).answered, q).toBe(false);
  });
});
