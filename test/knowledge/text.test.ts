import { describe, expect, it } from 'vitest';
import { STOPWORDS, addTerms, cjkBigrams, isBigram, normalize, sentences, tokenize, words } from '../../src/knowledge/text.js';

describe('normalize', () => {
  it('folds full-width letters and digits (NFKC) and lower-cases', () => {
    expect(normalize('ＰＯＳ')).toBe('pos');
    expect(normalize('返回码２５')).toBe('返回码25');
    expect(normalize('Refund ＡＢＣ')).toBe('refund abc');
  });

  it('applies to the token stream too', () => {
    expect(words('ＰＯＳ机')).toContain('pos');
    expect(words('POS机')).toEqual(words('ＰＯＳ机'));
    expect(words('ＲＥＦＵＮＤ')).toEqual(['refund']);
  });
});

describe('words', () => {
  it('drops stop words by default and keeps them when asked', () => {
    const q = '我想问一下怎么撤销';
    const kept = words(q, false);
    expect(kept).toEqual(expect.arrayContaining(['我', '想', '怎么', '撤销']));
    const dropped = words(q);
    expect(dropped).toContain('撤销');
    for (const w of dropped) expect(STOPWORDS.has(w)).toBe(false);
    expect(dropped).not.toContain('怎么');
    expect(dropped).not.toContain('我');
  });

  it('drops English stop words and punctuation', () => {
    expect(words('How do I refund a payment?')).toEqual(['refund', 'payment']);
  });

  it('gives nothing for a stop-word-only question', () => {
    expect(words('我想问一下怎么办')).toEqual([]);
    expect(tokenize('我想问一下怎么办')).toEqual([]);
  });

  it('drops long digit runs (identifiers) but keeps short codes', () => {
    expect(words('返回码25')).toContain('25');
    expect(words('凭证号000123的交易')).not.toContain('000123');
    expect(words('原交易123456789012').join('')).toBe('原交易');
  });

  it('keeps a glossary term whole after addTerms', () => {
    // A made-up term first: proves addTerms changes the segmentation (jieba cuts it without help).
    expect(words('请核对凭证联号')).not.toContain('凭证联号');
    addTerms(['凭证联号']);
    expect(words('请核对凭证联号')).toContain('凭证联号');

    addTerms(['签购单']);
    expect(words('请打印签购单')).toContain('签购单');
    expect(words('请打印签购单')).not.toContain('签购');
    // Idempotent: adding again changes nothing.
    addTerms(['签购单', '签购单']);
    expect(words('请打印签购单')).toEqual(['打印', '签购单']);
  });
});

describe('cjkBigrams', () => {
  it('takes bigrams only inside runs of content words, never across a stop word', () => {
    expect(cjkBigrams('我想暂停结算怎么申请')).toEqual(['²暂停', '²停结', '²结算', '²申请']);
  });

  it('ends a run at punctuation and at Latin words', () => {
    const b = cjkBigrams('撤销，退货pos机器');
    expect(b).toContain('²撤销');
    expect(b).toContain('²退货');
    expect(b).not.toContain('²销退');
    expect(b).not.toContain('²货机');
  });

  it('marks bigrams so they never collide with words', () => {
    for (const t of cjkBigrams('暂停结算')) expect(isBigram(t)).toBe(true);
    for (const t of words('暂停结算')) expect(isBigram(t)).toBe(false);
  });
});

describe('tokenize', () => {
  it('is words plus bigrams, or words only with bigrams: false', () => {
    const q = '暂停结算怎么申请';
    expect(tokenize(q)).toEqual([...words(q), ...cjkBigrams(q)]);
    expect(tokenize(q, { bigrams: false })).toEqual(words(q));
    expect(tokenize(q, { dropStopwords: false })).toContain('怎么');
  });
});

describe('sentences', () => {
  it('splits after 。！？；!?; and at line breaks, keeping the terminator', () => {
    expect(sentences('第一句。第二句！第三句？第四句；第五句\n第六句 ok! 第七句')).toEqual([
      '第一句。',
      '第二句！',
      '第三句？',
      '第四句；',
      '第五句',
      '第六句 ok!',
      '第七句',
    ]);
  });

  it('keeps list items whole, even when they contain several sentences', () => {
    expect(sentences('处理步骤：\n- 第一步：打开菜单。然后确认！\n1. 第二步；输入密码。\n2、第三步\n最后一句。再一句。')).toEqual([
      '处理步骤：',
      '- 第一步：打开菜单。然后确认！',
      '1. 第二步；输入密码。',
      '2、第三步',
      '最后一句。',
      '再一句。',
    ]);
  });

  it('skips blank lines', () => {
    expect(sentences('\n\n甲。\n\n\n乙。\n')).toEqual(['甲。', '乙。']);
  });
});

describe('useTerms', () => {
  it('forgets a removed glossary term (the segmenter is rebuilt)', async () => {
    const { useTerms, words } = await import('../../src/knowledge/text.js');
    useTerms(['斑马收银台']);
    expect(words('斑马收银台在哪')).toContain('斑马收银台');
    useTerms([]);
    expect(words('斑马收银台在哪')).not.toContain('斑马收银台');
  });
});
