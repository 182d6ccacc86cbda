import { Embeddings } from '@langchain/core/embeddings';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/documents.js';
import { conceptTokens } from '../../src/knowledge/glossary.js';
import { indexText, loadGlossaryFor } from '../../src/knowledge/ingest.js';
import { LocalHashEmbeddings, fnv1a } from '../../src/knowledge/local-embeddings.js';
import { KNOWLEDGE_DIR } from './helpers.js';

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

let corpus: string[];
let features: (t: string) => string[];
let fitted: LocalHashEmbeddings;

beforeAll(() => {
  const { glossary } = loadGlossaryFor(KNOWLEDGE_DIR);
  features = (t) => conceptTokens(glossary, t);
  corpus = loadKnowledge(KNOWLEDGE_DIR).chunks.map((c) => indexText(c));
  fitted = new LocalHashEmbeddings({ features });
  fitted.fit(corpus);
});

describe('LocalHashEmbeddings', () => {
  it('is a LangChain Embeddings', () => {
    expect(fitted).toBeInstanceOf(Embeddings);
    expect(fitted.fitted).toBe(true);
    expect(new LocalHashEmbeddings().fitted).toBe(false);
  });

  it('gives vectors of `dimensions` entries, L2-normalised', async () => {
    const small = new LocalHashEmbeddings({ dimensions: 256 });
    small.fit(corpus);
    for (const e of [fitted, small]) {
      const [a, b] = await e.embedDocuments(['已结算的交易只能做退货', 'how do I refund a payment']);
      const q = await e.embedQuery('撤销报25怎么办');
      for (const v of [a!, b!, q]) {
        expect(v).toHaveLength(e.dimensions);
        expect(norm(v)).toBeCloseTo(1, 9);
      }
    }
    expect(fitted.dimensions).toBe(2048);
    expect(small.dimensions).toBe(256);
  });

  it('is deterministic: same text → identical vector across instances, refits and a toJSON round trip', async () => {
    const text = '退货需要原交易的参考号、原交易日期和主管密码。';
    const v = await fitted.embedQuery(text);

    const sameState = new LocalHashEmbeddings({ state: fitted.toJSON(), features });
    const viaJson = new LocalHashEmbeddings({ state: JSON.parse(JSON.stringify(fitted.toJSON())), features });
    const refit = new LocalHashEmbeddings({ features });
    refit.fit(corpus);

    for (const e of [fitted, sameState, viaJson, refit]) {
      expect(await e.embedQuery(text)).toEqual(v);
      expect((await e.embedDocuments([text]))[0]).toEqual(v);
    }
    // The same corpus always serialises to the same bytes.
    expect(JSON.stringify(refit.toJSON())).toBe(JSON.stringify(fitted.toJSON()));
    expect(viaJson.toJSON()).toEqual(fitted.toJSON());
    // ...and the state really matters: an unfitted model embeds differently.
    expect(await new LocalHashEmbeddings({ features }).embedQuery(text)).not.toEqual(v);
  });

  it('hashes with a stable FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('puts a paraphrase with shared words closer than an unrelated text', async () => {
    const [base, paraphrase, unrelated] = await fitted.embedDocuments([
      '已经批结算的交易不能撤销，只能做退货。',
      '批结算以后的交易要做退货，不能再撤销。',
      '营业执照和法人身份证复印件需要加盖公章。',
    ]);
    const close = dot(base!, paraphrase!);
    const far = dot(base!, unrelated!);
    expect(close).toBeGreaterThan(0.3);
    expect(close).toBeGreaterThan(far + 0.2);
  });

  it('matches across languages through the glossary concept features', async () => {
    const withConcepts = await fitted.embedDocuments(['refund', '退货', '营业执照']);
    expect(dot(withConcepts[0]!, withConcepts[1]!)).toBeGreaterThan(dot(withConcepts[0]!, withConcepts[2]!));
    const plain = new LocalHashEmbeddings({ state: fitted.toJSON() });
    const [r, t] = await plain.embedDocuments(['refund', '退货']);
    expect(dot(r!, t!)).toBeCloseTo(0, 6);
  });

  it('gives a zero vector for an empty or stop-word-only text', async () => {
    for (const text of ['', '   ', '我想问一下怎么办', 'how do I', '？！。']) {
      const v = await fitted.embedQuery(text);
      expect(v).toHaveLength(fitted.dimensions);
      expect(v.every((x) => x === 0)).toBe(true);
    }
  });

  it('gives unseen tokens the maximum idf', () => {
    const state = fitted.toJSON();
    const n = state.documentCount;
    expect(n).toBe(corpus.length);
    const unseen = fitted.idf('从未出现过的词xyz');
    expect(unseen).toBeCloseTo(Math.log(1 + (n + 0.5) / 0.5), 12);
    const seen = Object.keys(state.df);
    expect(seen.length).toBeGreaterThan(100);
    for (const t of seen) expect(fitted.idf(t)).toBeLessThan(unseen);
    // Rarer is heavier.
    expect(fitted.idf('退货')).toBeLessThan(fitted.idf('调账申请表'));
  });
});
