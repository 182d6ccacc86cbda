import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/knowledge/bm25.js';

const q = (...tokens: string[]): Map<string, number> => new Map(tokens.map((t) => [t, 1]));

function toyCorpus(): Bm25Index {
  const index = new Bm25Index();
  index.add('refund', ['退货', '参考号', '日期', '金额', '密码']);
  index.add('void', ['撤销', '凭证号', '密码', '当天', '批次']);
  index.add('slip', ['签购单', '凭证号', '参考号', '批次号', '商户', '终端']);
  index.add('payout', ['到账', '结算', '工作日', '节假日']);
  index.add('filler', ['商户', '终端', '网络', '签到']);
  return index;
}

describe('Bm25Index ranking', () => {
  it('ranks a document with the query term above documents without it, and drops zero scores', () => {
    const index = toyCorpus();
    const hits = index.search(q('退货'), 10);
    expect(hits.map((h) => h.id)).toEqual(['refund']);
    expect(hits[0]!.score).toBeGreaterThan(0);
    expect(index.search(q('不存在的词'), 10)).toEqual([]);
  });

  it('ranks the document matching more (rarer) query terms first', () => {
    const hits = toyCorpus().search(q('凭证号', '撤销'), 10);
    expect(hits.map((h) => h.id)).toEqual(['void', 'slip']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('gives rarer terms a higher idf, always positive', () => {
    const index = toyCorpus();
    expect(index.df('商户')).toBe(2);
    expect(index.df('退货')).toBe(1);
    expect(index.df('nothing')).toBe(0);
    expect(index.idf('退货')).toBeGreaterThan(index.idf('商户'));
    expect(index.idf('nothing')).toBeGreaterThan(index.idf('退货'));
    const everywhere = new Bm25Index();
    everywhere.add('a', ['x']);
    everywhere.add('b', ['x']);
    expect(everywhere.idf('x')).toBeGreaterThan(0);
  });

  it('saturates term frequency: more occurrences help less and less, bounded by idf·(k1+1)', () => {
    const index = new Bm25Index({ k1: 1.2, b: 0 }); // b = 0: no length effect, pure tf
    for (const n of [1, 2, 4, 8, 32]) index.add(`tf${n}`, Array.from({ length: n }, () => '退货'));
    index.add('other', ['撤销']);
    const hits = index.search(q('退货'), 10);
    expect(hits.map((h) => h.id)).toEqual(['tf32', 'tf8', 'tf4', 'tf2', 'tf1']);
    const s = Object.fromEntries(hits.map((h) => [h.id, h.score]));
    expect(s.tf2! - s.tf1!).toBeGreaterThan(s.tf4! - s.tf2!);
    expect(s.tf4! - s.tf2!).toBeGreaterThan(s.tf8! - s.tf4!);
    expect(s.tf32!).toBeLessThan(2.2 * s.tf1!); // 32× the occurrences, not even 2.2× the score
    expect(s.tf32!).toBeLessThan(index.idf('退货') * (1.2 + 1));
    // Exact Okapi value for tf = 1 with b = 0: idf · (1·2.2)/(1+1.2) = idf.
    expect(s.tf1!).toBeCloseTo(index.idf('退货'), 12);
  });

  it('prefers the shorter document when term frequencies tie', () => {
    const index = new Bm25Index();
    index.add('long', ['退货', 'a', 'b', 'c', 'd', 'e', 'f', 'g']);
    index.add('short', ['退货', 'a']);
    index.add('other', ['撤销', 'x', 'y']);
    const hits = index.search(q('退货'), 10);
    expect(hits.map((h) => h.id)).toEqual(['short', 'long']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('breaks exact ties by id, whatever the insertion order', () => {
    const a = new Bm25Index();
    a.add('b-doc', ['退货', 'x']);
    a.add('a-doc', ['退货', 'y']);
    a.add('c', ['z']);
    expect(a.search(q('退货'), 10).map((h) => h.id)).toEqual(['a-doc', 'b-doc']);
  });

  it('multiplies each term\'s contribution by its weight in the query map', () => {
    const index = toyCorpus();
    const full = index.search(new Map([['退货', 1]]), 10)[0]!.score;
    const half = index.search(new Map([['退货', 0.5]]), 10)[0]!.score;
    expect(half).toBeCloseTo(full / 2, 12);
    // Weights decide the ranking between two partially matching documents.
    const toVoid = index.search(new Map([['撤销', 1], ['签购单', 0.2]]), 10).map((h) => h.id);
    const toSlip = index.search(new Map([['撤销', 0.2], ['签购单', 1]]), 10).map((h) => h.id);
    expect(toVoid[0]).toBe('void');
    expect(toSlip[0]).toBe('slip');
  });

  it('honours k', () => {
    const hits = toyCorpus().search(q('商户', '密码', '凭证号'), 2);
    expect(hits).toHaveLength(2);
    expect(new Bm25Index().search(q('x'), 5)).toEqual([]);
  });
});

describe('Bm25Index serialisation', () => {
  it('toJSON → JSON → fromJSON gives identical scores, idf and size', () => {
    const index = toyCorpus();
    index.add('dup-tf', ['退货', '退货', '退货', '参考号']);
    const restored = Bm25Index.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
    expect(restored.size).toBe(index.size);
    expect(restored.toJSON()).toEqual(index.toJSON());
    for (const query of [q('退货'), q('凭证号', '撤销'), q('商户', '终端', '网络'), new Map([['参考号', 0.6], ['退货', 1]])]) {
      expect(restored.search(query, 10)).toEqual(index.search(query, 10));
    }
    for (const t of ['退货', '商户', 'nothing']) expect(restored.idf(t)).toBe(index.idf(t));
  });

  it('keeps k1 and b through the round trip', () => {
    const index = new Bm25Index({ k1: 2, b: 0.3 });
    index.add('a', ['x', 'x', 'y']);
    index.add('b', ['x', 'z', 'z', 'z', 'z']);
    const state = index.toJSON();
    expect(state).toMatchObject({ version: 1, k1: 2, b: 0.3 });
    expect(Bm25Index.fromJSON(state).search(q('x'), 5)).toEqual(index.search(q('x'), 5));
  });
});
