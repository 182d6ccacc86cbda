import fs from 'node:fs';
import path from 'node:path';
import { Document } from '@langchain/core/documents';
import { VectorStore } from '@langchain/core/vectorstores';
import { beforeAll, describe, expect, it } from 'vitest';
import { HnswVectorStore } from '../../src/knowledge/hnsw-store.js';
import { LocalHashEmbeddings } from '../../src/knowledge/local-embeddings.js';
import { useTempDirs } from './helpers.js';

/** Small deterministic PRNG, so random vectors are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVectors(n: number, dims: number, seed: number): number[][] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => rnd() * 2 - 1));
}

const docs = (ids: string[]): Document[] => ids.map((id) => new Document({ pageContent: `text of ${id}`, metadata: { tag: id }, id }));
const ids = (hits: [{ id?: string }, number][]): (string | undefined)[] => hits.map(([d]) => d.id);

const TEXTS: Record<string, string> = {
  refund: '已经批结算的交易不能撤销，只能做退货。退货需要参考号和原交易日期。',
  void: '当天未批结算的交易可以做消费撤销，需要凭证号和主管密码。',
  slip: '签购单上印有商户编号、终端编号、批次号和凭证号。',
  payout: '资金结算一般T+1到账，节假日顺延。',
  privacy: '不要把完整的银行卡号和密码发给任何人。',
};

let embeddings: LocalHashEmbeddings;
beforeAll(() => {
  embeddings = new LocalHashEmbeddings({ dimensions: 512 });
  embeddings.fit(Object.values(TEXTS));
});

function textStore(): HnswVectorStore {
  return new HnswVectorStore(embeddings);
}

async function addTexts(store: HnswVectorStore): Promise<void> {
  const keys = Object.keys(TEXTS);
  await store.addDocuments(
    keys.map((k) => new Document({ pageContent: TEXTS[k]!, metadata: { key: k } })),
    { ids: keys },
  );
}

describe('HnswVectorStore as a LangChain VectorStore', () => {
  it('is a VectorStore of type hnswlib', () => {
    const store = textStore();
    expect(store).toBeInstanceOf(VectorStore);
    expect(store._vectorstoreType()).toBe('hnswlib');
  });

  it('answers similaritySearch (base class → embedQuery → vector search) with the nearest document', async () => {
    const store = textStore();
    await addTexts(store);
    expect(store.size).toBe(5);
    const [top] = await store.similaritySearch('结算以后怎么退货', 1);
    expect(top!.id).toBe('refund');
    expect(top!.pageContent).toBe(TEXTS.refund);
    expect(top!.metadata).toEqual({ key: 'refund' });
    const [slip] = await store.similaritySearch('签购单上的批次号', 1);
    expect(slip!.id).toBe('slip');
  });

  it('applies a filter function through similaritySearch', async () => {
    const store = textStore();
    await addTexts(store);
    const hits = await store.similaritySearch('结算以后怎么退货', 5, (d) => d.metadata.key !== 'refund');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.map((d) => d.id)).not.toContain('refund');
  });

  it('returns nothing for a query without direction (stop words only)', async () => {
    const store = textStore();
    await addTexts(store);
    expect(await store.similaritySearch('我想问一下', 3)).toEqual([]);
  });
});

describe('HnswVectorStore: vectors', () => {
  it('returns nearest first with similarity = 1 − cosine distance, in [−1, 1], descending', async () => {
    const store = textStore();
    await store.addVectors(
      [
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 0],
        [-1, 0, 0],
        [0, 0, 1],
      ],
      docs(['x', 'y', 'xy', 'minus-x', 'z']),
    );
    const hits = await store.similaritySearchVectorWithScore([2, 0, 0], 5);
    expect(ids(hits)).toEqual(['x', 'xy', expect.any(String), expect.any(String), 'minus-x']);
    const scores = hits.map(([, s]) => s);
    expect(scores[0]).toBeCloseTo(1, 5);
    expect(scores[1]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(scores[2]).toBeCloseTo(0, 5);
    expect(scores[3]).toBeCloseTo(0, 5);
    expect(scores[4]).toBeCloseTo(-1, 5);
    for (const s of scores) {
      expect(s).toBeGreaterThanOrEqual(-1 - 1e-6);
      expect(s).toBeLessThanOrEqual(1 + 1e-6);
    }
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
    expect(hits[0]![0].metadata).toEqual({ tag: 'x' });
  });

  it('never returns more than k results nor more than it holds', async () => {
    const store = textStore();
    await store.addVectors([[1, 0], [0, 1]], docs(['a', 'b']));
    expect(await store.similaritySearchVectorWithScore([1, 0], 1)).toHaveLength(1);
    expect(await store.similaritySearchVectorWithScore([1, 0], 50)).toHaveLength(2);
    expect(await textStore().similaritySearchVectorWithScore([1, 0], 3)).toEqual([]);
  });

  it('rejects a query or a vector with the wrong number of dimensions', async () => {
    const store = textStore();
    await store.addVectors([[1, 0, 0]], docs(['a']));
    await expect(store.similaritySearchVectorWithScore([1, 0], 1)).rejects.toThrow(/dimensions/);
    await expect(store.addVectors([[1, 0]], docs(['b']))).rejects.toThrow(/dimensions/);
    await expect(store.addVectors([[1, 0, 0]], docs(['b', 'c']))).rejects.toThrow(/one vector per document/);
  });

  it('delete removes a document from the results', async () => {
    const store = textStore();
    await store.addVectors([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0]], docs(['a', 'b', 'c']));
    await store.delete({ ids: ['a'] });
    expect(store.size).toBe(2);
    expect(store.has('a')).toBe(false);
    const hits = await store.similaritySearchVectorWithScore([1, 0, 0], 10);
    expect(ids(hits)).toEqual(['b', 'c']);
    // Deleting an unknown id is harmless.
    await store.delete({ ids: ['nope'] });
    expect(store.size).toBe(2);
  });

  it('re-adding an existing id replaces the document instead of duplicating it', async () => {
    const store = textStore();
    await store.addVectors([[1, 0], [0, 1]], docs(['a', 'b']));
    await store.addVectors([[0, 1]], [new Document({ pageContent: 'new a', metadata: {} })], { ids: ['a'] });
    expect(store.size).toBe(2);
    expect(store.ids().sort()).toEqual(['a', 'b']);
    const hits = await store.similaritySearchVectorWithScore([1, 0], 2);
    expect(hits.map(([d]) => d.pageContent).sort()).toEqual(['new a', 'text of b']);
    expect(hits[0]![1]).toBeCloseTo(0, 5); // the old [1, 0] vector of "a" is gone
  });
});

describe('HnswVectorStore: on disk and growth', () => {
  const tempDir = useTempDirs();

  it('save → load in a temp dir gives the same results and LangChain\'s file layout', async () => {
    const store = textStore();
    await addTexts(store);
    const dir = path.join(tempDir(), 'vectors');
    await store.save(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['args.json', 'docstore.json', 'hnswlib.index']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'args.json'), 'utf8'))).toMatchObject({ space: 'cosine', numDimensions: 512 });

    const loaded = await HnswVectorStore.load(dir, embeddings);
    expect(loaded.size).toBe(store.size);
    expect(loaded.ids().sort()).toEqual(store.ids().sort());
    for (const q of ['结算以后怎么退货', '签购单上的批次号', '钱什么时候到账', '卡号能不能发']) {
      const a = await store.similaritySearchWithScore(q, 5);
      const b = await loaded.similaritySearchWithScore(q, 5);
      expect(b.map(([d]) => [d.id, d.pageContent, d.metadata])).toEqual(a.map(([d]) => [d.id, d.pageContent, d.metadata]));
      b.forEach(([, s], i) => expect(s).toBeCloseTo(a[i]![1], 6));
    }
    // The loaded store keeps working: add and delete.
    await loaded.addDocuments([new Document({ pageContent: '预授权完成需要授权码。', metadata: { key: 'preauth' } })], { ids: ['preauth'] });
    await loaded.delete({ ids: ['refund'] });
    expect(ids(await loaded.similaritySearchWithScore('预授权完成', 1))).toEqual(['preauth']);
    expect(ids(await loaded.similaritySearchWithScore('结算以后怎么退货', 6))).not.toContain('refund');
  });

  it('load of a folder with a missing file fails with the file name', async () => {
    const store = textStore();
    await addTexts(store);
    const dir = path.join(tempDir(), 'vectors');
    await store.save(dir);
    fs.rmSync(path.join(dir, 'docstore.json'));
    await expect(HnswVectorStore.load(dir, embeddings)).rejects.toThrow(/missing docstore\.json/);
  });

  it('refuses to save an empty store', async () => {
    await expect(textStore().save(path.join(tempDir(), 'v'))).rejects.toThrow(/empty/);
  });

  it('grows beyond the initial capacity of 256', async () => {
    const store = textStore();
    const vectors = randomVectors(600, 16, 7);
    const names = vectors.map((_, i) => `doc-${i}`);
    // In three batches, so resizing happens both within one add and across adds.
    await store.addVectors(vectors.slice(0, 200), docs(names.slice(0, 200)));
    await store.addVectors(vectors.slice(200, 500), docs(names.slice(200, 500)));
    await store.addVectors(vectors.slice(500), docs(names.slice(500)));
    expect(store.size).toBe(600);
    for (const i of [0, 199, 255, 256, 300, 499, 599]) {
      const [hit] = await store.similaritySearchVectorWithScore(vectors[i]!, 1);
      expect(hit![0].id).toBe(`doc-${i}`);
      expect(hit![1]).toBeCloseTo(1, 5);
    }
    const dir = path.join(tempDir(), 'big');
    await store.save(dir);
    const loaded = await HnswVectorStore.load(dir, embeddings);
    expect(loaded.size).toBe(600);
    const [hit] = await loaded.similaritySearchVectorWithScore(vectors[420]!, 1);
    expect(hit![0].id).toBe('doc-420');
  });

  it('compact() after deleting most documents keeps the remaining ones searchable (and survives save/load)', async () => {
    const store = textStore();
    const vectors = randomVectors(300, 12, 42);
    const names = vectors.map((_, i) => `doc-${i}`);
    await store.addVectors(vectors, docs(names));
    expect(store.compact()).toBe(false); // nothing deleted: nothing to do
    const keep = new Set([3, 17, 50, 99, 150, 222, 298, 299]);
    await store.delete({ ids: names.filter((_, i) => !keep.has(i)) });
    expect(store.size).toBe(keep.size);
    expect(store.compact()).toBe(true);
    expect(store.compact()).toBe(false);
    expect(store.size).toBe(keep.size);
    expect(store.ids().sort()).toEqual([...keep].map((i) => `doc-${i}`).sort());
    for (const i of keep) {
      const hits = await store.similaritySearchVectorWithScore(vectors[i]!, 20);
      expect(hits).toHaveLength(keep.size);
      expect(hits[0]![0].id).toBe(`doc-${i}`);
      expect(hits[0]![1]).toBeCloseTo(1, 5);
      expect(hits[0]![0].metadata).toEqual({ tag: `doc-${i}` });
      for (const [d] of hits) expect(keep.has(Number(d.id!.slice(4)))).toBe(true);
    }
    // Adding after compaction does not overwrite a kept document.
    await store.addVectors([randomVectors(1, 12, 99)[0]!], docs(['fresh']));
    expect(store.size).toBe(keep.size + 1);
    const [again] = await store.similaritySearchVectorWithScore(vectors[3]!, 1);
    expect(again![0].id).toBe('doc-3');

    const dir = path.join(tempDir(), 'compacted');
    await store.save(dir);
    const loaded = await HnswVectorStore.load(dir, embeddings);
    for (const i of keep) {
      const [hit] = await loaded.similaritySearchVectorWithScore(vectors[i]!, 1);
      expect(hit![0].id).toBe(`doc-${i}`);
    }
  });
});
