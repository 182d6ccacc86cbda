/**
 * EMBEDDINGS=onnx: the HNSW vectors come from an ONNX sentence-embedding model in a local folder, run by
 * transformers.js and onnxruntime-node — here a real, tiny BERT-style model written by the test itself
 * (test/helpers/tiny-bert.ts: ONNX graph, WordPiece tokenizer.json, config files), never downloaded.
 * BM25 and the confidence stay local.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAppError, type AppError } from '../../src/app/errors.js';
import { loadKnowledge } from '../../src/knowledge/documents.js';
import { indexIsStale, indexText, ingest, loadIndex, readManifest } from '../../src/knowledge/ingest.js';
import { KnowledgeBase, type KnowledgeLogger } from '../../src/knowledge/knowledge-base.js';
import { loadLexicon } from '../../src/knowledge/lexicon.js';
import { OnnxEmbeddings, onnxModelId, onnxModelProblem, resetOnnxModels } from '../../src/knowledge/onnx-embeddings.js';
import { describeEmbedding, embeddingLabel, sameEmbedding, type EmbeddingSettings } from '../../src/knowledge/vector-embeddings.js';
import { expectedVector, wordsOf, writeTinyBert, type TinyBert } from '../helpers/tiny-bert.js';
import { KNOWLEDGE_DIR, makeTempDir, removeDir, rejection } from './helpers.js';

const FILES = ['void-vs-refund.md', 'response-codes.md', 'sales-slip.md', 'pre-authorization.md', 'glossary.yaml', 'lexicon.yaml'];
const QUESTION = '退款多久到持卡人账户';
const QUESTION_FILE = 'void-vs-refund.md';
const DIMS = 24;
const LEXICON = loadLexicon(path.join(KNOWLEDGE_DIR, 'lexicon.yaml'));
/** Sentences the unit tests embed; their words are in the vocabulary too (besides the knowledge files'). */
const SENTENCES = ['退款多久到账', '退款什么时候能到账', '明天会下雨吗', 'POS机打印签购单', '预授权完成怎么撤销？', 'Refund takes 7 days'];

let root: string;
let model: TinyBert;
let vocabulary: string[];
const temps: string[] = [];

const CHUNKS = (() => {
  const dir = makeTempDir();
  try {
    for (const f of FILES) fs.copyFileSync(path.join(KNOWLEDGE_DIR, f), path.join(dir, f));
    return loadKnowledge(dir).chunks;
  } finally {
    removeDir(dir);
  }
})();
const TOTAL = CHUNKS.length;

beforeAll(() => {
  root = makeTempDir();
  // The vocabulary: every character and word of the test sentences, then of the knowledge files' index
  // texts — the sentences first, so that their tokens (and their random weights) stay the same when the
  // knowledge files are edited.
  vocabulary = [...new Set([...SENTENCES.flatMap(wordsOf), ...CHUNKS.flatMap((c) => wordsOf(indexText(c, LEXICON)))])];
  model = writeTinyBert(path.join(root, 'models', 'tiny-bert'), { words: vocabulary, dims: DIMS, seed: 1 });
});
afterAll(() => removeDir(root));
afterEach(() => {
  vi.useRealTimers();
  for (const t of temps.splice(0)) removeDir(t);
});

function temp(): string {
  const t = makeTempDir();
  temps.push(t);
  return t;
}

/** A copy of the model folder (under the same folder name) that a test may change. */
function modelCopy(): string {
  const dir = path.join(temp(), 'tiny-bert');
  fs.cpSync(model.dir, dir, { recursive: true });
  return dir;
}

interface Workspace {
  kd: string;
  idx: string;
  file: (name: string) => string;
}

function workspace(): Workspace {
  const r = temp();
  const kd = path.join(r, 'knowledge');
  fs.mkdirSync(kd);
  for (const f of FILES) fs.copyFileSync(path.join(KNOWLEDGE_DIR, f), path.join(kd, f));
  return { kd, idx: path.join(r, 'data', 'index'), file: (name) => path.join(kd, name) };
}

function onnx(extra: Partial<EmbeddingSettings> = {}): EmbeddingSettings {
  return { provider: 'onnx', modelDir: model.dir, pooling: 'cls', batchSize: 8, ...extra };
}

function open(w: Workspace, embeddings?: EmbeddingSettings, logger?: KnowledgeLogger): Promise<KnowledgeBase> {
  return KnowledgeBase.open({ knowledgeDir: w.kd, indexDir: w.idx, minConfidence: 0.35, maxSources: 2, embeddings, logger });
}

function spyLogger(): KnowledgeLogger & { warnings: { details: Record<string, unknown>; message: string }[] } {
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  return { warnings, warn: (details, message) => void warnings.push({ details, message }) };
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (v: number[]) => Math.sqrt(cosine(v, v));

function expectClose(actual: number[], expected: number[], label = ''): void {
  expect(actual, label).toHaveLength(expected.length);
  actual.forEach((x, i) => expect(x, `${label}[${i}]`).toBeCloseTo(expected[i]!, 4));
}

describe('the ONNX embedder (a tiny BERT through transformers.js and onnxruntime-node)', () => {
  it('gives unit vectors of the model’s dimension: the pooled last hidden state of the tokenised text', async () => {
    for (const pooling of ['cls', 'mean'] as const) {
      const e = new OnnxEmbeddings({ modelDir: model.dir, pooling }, 'documents');
      const vectors = await e.embedDocuments(SENTENCES);
      expect(vectors).toHaveLength(SENTENCES.length);
      vectors.forEach((v, i) => {
        expect(v).toHaveLength(DIMS);
        expect(norm(v)).toBeCloseTo(1, 6);
        // Computed from the model's tables by hand: proves the tokenizer (lower case, one token per CJK
        // character, [CLS]/[SEP]), the padding mask of the batch, the graph and the pooling.
        expectClose(v, expectedVector(model, SENTENCES[i]!, pooling), `${pooling} ${SENTENCES[i]}`);
      });
      // A question alone gives the same vector as within a padded batch.
      expectClose(await e.embedQuery(SENTENCES[0]!), vectors[0]!, `${pooling} query`);
    }
    // The two poolings really differ.
    const cls = await new OnnxEmbeddings({ modelDir: model.dir, pooling: 'cls' }, 'documents').embedQuery(SENTENCES[3]!);
    const mean = await new OnnxEmbeddings({ modelDir: model.dir, pooling: 'mean' }, 'documents').embedQuery(SENTENCES[3]!);
    expect(cosine(cls, mean)).toBeLessThan(0.999);
  });

  it('scores similar texts above unrelated ones', async () => {
    for (const pooling of ['cls', 'mean'] as const) {
      const [refund, refundAgain, rain] = await new OnnxEmbeddings({ modelDir: model.dir, pooling }, 'documents').embedDocuments(SENTENCES.slice(0, 3));
      expect(cosine(refund!, refundAgain!), pooling).toBeGreaterThan(cosine(refund!, rain!) + 0.1);
    }
  });

  it('embeds in batches of batchSize, with the same vectors', async () => {
    const texts = CHUNKS.slice(0, 7).map((c) => indexText(c, LEXICON));
    const whole = await new OnnxEmbeddings({ modelDir: model.dir, batchSize: 64 }, 'documents').embedDocuments(texts);
    const inTwos = await new OnnxEmbeddings({ modelDir: model.dir, batchSize: 2 }, 'documents').embedDocuments(texts);
    expect(inTwos).toHaveLength(7);
    inTwos.forEach((v, i) => expectClose(v, whole[i]!, `text ${i}`));
  });

  it('truncates long texts to the tokenizer’s model_max_length', async () => {
    const short = writeTinyBert(path.join(temp(), 'short-bert'), { words: vocabulary, dims: DIMS, seed: 1, maxLength: 16 });
    const long = indexText(CHUNKS.find((c) => c.text.length > 100)!, LEXICON);
    expect(wordsOf(long).length).toBeGreaterThan(40);
    const v = await new OnnxEmbeddings({ modelDir: short.dir }, 'documents').embedQuery(long);
    // [CLS], the first 14 tokens and [SEP], as Hugging Face's tokenizers truncate (transformers.js alone
    // would drop the [SEP]).
    expectClose(v, expectedVector(short, long, 'cls', 16));
    expect(cosine(v, expectedVector(short, long, 'cls'))).toBeLessThan(0.999);
    // In a batch, only the rows that were cut change.
    const [cut, whole] = await new OnnxEmbeddings({ modelDir: short.dir }, 'documents').embedDocuments([long, SENTENCES[0]!]);
    expectClose(cut!, expectedVector(short, long, 'cls', 16));
    expectClose(whole!, expectedVector(short, SENTENCES[0]!, 'cls'));
  });

  it('reads model.onnx at the folder’s root too', async () => {
    const rootLayout = writeTinyBert(path.join(temp(), 'root-bert'), { words: vocabulary, dims: DIMS, seed: 1, layout: 'root' });
    expect(fs.existsSync(path.join(rootLayout.dir, 'onnx'))).toBe(false);
    const v = await new OnnxEmbeddings({ modelDir: rootLayout.dir }, 'documents').embedQuery(SENTENCES[0]!);
    expectClose(v, expectedVector(model, SENTENCES[0]!, 'cls'));
  });

  it('loads local files only: the library is set never to fetch', async () => {
    await new OnnxEmbeddings({ modelDir: model.dir }, 'documents').embedQuery('退款');
    const { env } = await import('@huggingface/transformers');
    expect(env.allowRemoteModels).toBe(false);
    expect(env.useFSCache).toBe(false);
    await expect(env.fetch('https://huggingface.co/BAAI/bge-small-zh-v1.5/resolve/main/config.json')).rejects.toThrow(/network access is disabled/);
  });

  it('names the model by folder and content: the same files give the same id, another model file another', () => {
    const copy = modelCopy();
    const id = onnxModelId(copy);
    expect(id).toMatch(/^tiny-bert@[0-9a-f]{12}$/);
    expect(onnxModelId(copy)).toBe(id);
    // Same folder name, same bytes elsewhere: same model.
    expect(onnxModelId(model.dir)).toBe(id);
    writeTinyBert(copy, { words: vocabulary, dims: DIMS, seed: 2 });
    const changed = onnxModelId(copy);
    expect(changed).toMatch(/^tiny-bert@[0-9a-f]{12}$/);
    expect(changed).not.toBe(id);
    expect(onnxModelId(path.join(temp(), 'missing'))).toBe('missing@unreadable');

    const a = describeEmbedding(onnx());
    expect(a).toEqual({ provider: 'onnx', model: id, pooling: 'cls' });
    expect(sameEmbedding(a, describeEmbedding(onnx({ batchSize: 3 })))).toBe(true);
    expect(sameEmbedding(a, describeEmbedding(onnx({ pooling: 'mean' })))).toBe(false);
    expect(sameEmbedding(a, describeEmbedding(onnx({ modelDir: copy })))).toBe(false);
    expect(sameEmbedding(a, { provider: 'local' })).toBe(false);
    expect(sameEmbedding(a, { provider: 'openai', model: id, endpoint: model.dir })).toBe(false);
    expect(sameEmbedding({ provider: 'openai', model: id, endpoint: model.dir }, a)).toBe(false);
    expect(embeddingLabel(a)).toBe(`onnx ${id}, cls pooling`);
  });

  it('says what is missing in a model folder', () => {
    const empty = temp();
    expect(onnxModelProblem(path.join(empty, 'nope'))).toMatch(/^folder not found: /);
    expect(onnxModelProblem(empty)).toMatch(/^no ONNX model in .* \(looked for onnx\/model\.onnx and model\.onnx\)$/);
    const copy = modelCopy();
    expect(onnxModelProblem(copy)).toBeUndefined();
    fs.rmSync(path.join(copy, 'tokenizer.json'));
    expect(onnxModelProblem(copy)).toMatch(/^tokenizer\.json missing in /);
    fs.writeFileSync(path.join(empty, 'file'), '');
    expect(onnxModelProblem(path.join(empty, 'file'))).toMatch(/^not a folder: /);
  });
});

describe('EMBEDDINGS=onnx: ingest and ask', () => {
  it('builds the vectors with the model, records it in the manifest, and answers with the right source', async () => {
    const w = workspace();
    const kb = await open(w, onnx());
    const recorded = { provider: 'onnx', model: onnxModelId(model.dir), pooling: 'cls', dimensions: DIMS };
    expect(kb.ingestReport).toMatchObject({ fullRebuild: true, reason: 'no index yet', total: TOTAL, embedded: TOTAL });
    expect(kb.ingestReport!.vectorEmbedding).toEqual(recorded);
    expect(readManifest(w.idx)!.vectorEmbedding).toEqual(recorded);
    // No path in the manifest: the folder's name and the hash identify the model.
    expect(fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8')).not.toContain(root);

    // The stored vectors are the model's vectors of each chunk's index text.
    const index = await loadIndex(w.kd, w.idx, onnx());
    expect(index.vectors.dimensions).toBe(DIMS);
    expect(index.vectorQuery.kind).toBe('remote');
    for (const c of CHUNKS.slice(0, 5)) expectClose(index.vectors.vectorOf(c.id)!, expectedVector(model, indexText(c, LEXICON), 'cls'), c.id);

    const answer = await kb.ask(QUESTION);
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]!.file).toBe(QUESTION_FILE);
    expect(answer.retrieval.vectorUnavailable).toBeUndefined();
    expect(answer.retrieval.hits.some((h) => h.vectorRank !== undefined)).toBe(true);
    // The vector side ranks by the model: its best chunk for the question is the nearest stored vector
    // among the chunks in the question's language.
    const q = expectedVector(model, QUESTION, 'cls');
    const nearest = CHUNKS.filter((c) => c.lang === 'zh').sort((a, b) => cosine(q, index.vectors.vectorOf(b.id)!) - cosine(q, index.vectors.vectorOf(a.id)!))[0]!;
    const vectorOnly = await kb.search(QUESTION, { mode: 'vector', k: 3 });
    expect(vectorOnly.hits[0]!.chunk.id).toBe(nearest.id);
    expect(vectorOnly.hits[0]!.vectorScore).toBeCloseTo(cosine(q, index.vectors.vectorOf(nearest.id)!), 4);
  });

  it('keeps the confidence local: same confidence as EMBEDDINGS=local when the same chunk leads; off-topic stays off-topic', async () => {
    const kbOnnx = await open(workspace(), onnx());
    const kbLocal = await open(workspace());
    let compared = 0;
    for (const q of ['已结算的交易怎么取消', '撤销和退货有什么区别', '预授权完成怎么撤销', QUESTION, '返回码97终端未登记']) {
      const a = await kbOnnx.search(q);
      const b = await kbLocal.search(q);
      if (a.hits[0]?.chunk.id !== b.hits[0]?.chunk.id) continue;
      compared++;
      expect({ confidence: a.confidence, coverage: a.coverage, similarity: a.similarity }, q).toEqual({
        confidence: b.confidence,
        coverage: b.coverage,
        similarity: b.similarity,
      });
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    expect((await kbOnnx.ask('明天会下雨吗')).answered).toBe(false);
  });

  it('an unchanged re-open embeds nothing; an edit embeds only the changed section', async () => {
    const w = workspace();
    await open(w, onnx());
    expect(indexIsStale(w.kd, w.idx, onnx())).toBe(false);
    expect((await open(w, onnx())).ingestReport).toBeUndefined();
    const spy = vi.spyOn(OnnxEmbeddings.prototype, 'embedDocuments');
    try {
      const source = fs.readFileSync(w.file('sales-slip.md'), 'utf8');
      expect(source).toContain('6位');
      fs.writeFileSync(w.file('sales-slip.md'), source.replace('6位', '六位'));
      const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: onnx() });
      expect(report).toMatchObject({ fullRebuild: false, updated: 1, embedded: 1 });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0]).toHaveLength(1);
      expect(spy.mock.calls[0]![0][0]).toContain('六位');
    } finally {
      spy.mockRestore();
    }
  });

  it('a changed model file rebuilds everything with the new model, even under the same folder name', async () => {
    const dir = modelCopy();
    const w = workspace();
    await open(w, onnx({ modelDir: dir }));
    const before = onnxModelId(dir);
    const replaced = writeTinyBert(dir, { words: vocabulary, dims: DIMS, seed: 2 });
    const after = onnxModelId(dir);
    expect(indexIsStale(w.kd, w.idx, onnx({ modelDir: dir }))).toBe(true);

    const kb = await open(w, onnx({ modelDir: dir }));
    expect(kb.ingestReport).toMatchObject({
      fullRebuild: true,
      reason: `embedding changed (onnx ${before}, cls pooling → onnx ${after}, cls pooling)`,
      embedded: TOTAL,
    });
    expect(readManifest(w.idx)!.vectorEmbedding).toEqual({ provider: 'onnx', model: after, pooling: 'cls', dimensions: DIMS });
    const index = await loadIndex(w.kd, w.idx, onnx({ modelDir: dir }));
    const probe = CHUNKS[3]!;
    expectClose(index.vectors.vectorOf(probe.id)!, expectedVector(replaced, indexText(probe, LEXICON), 'cls'));
    expect((await kb.ask(QUESTION)).sources[0]!.file).toBe(QUESTION_FILE);
  });

  it('a pooling change rebuilds; local → onnx → local rebuilds each time', async () => {
    const w = workspace();
    await open(w);
    const id = onnxModelId(model.dir);
    const toOnnx = await open(w, onnx());
    expect(toOnnx.ingestReport).toMatchObject({ fullRebuild: true, reason: `embedding changed (local → onnx ${id}, cls pooling)`, embedded: TOTAL });
    const toMean = await open(w, onnx({ pooling: 'mean' }));
    expect(toMean.ingestReport).toMatchObject({ fullRebuild: true, reason: `embedding changed (onnx ${id}, cls pooling → onnx ${id}, mean pooling)` });
    const probe = CHUNKS[0]!;
    expectClose((await loadIndex(w.kd, w.idx, onnx({ pooling: 'mean' }))).vectors.vectorOf(probe.id)!, expectedVector(model, indexText(probe, LEXICON), 'mean'));
    const back = await open(w);
    expect(back.ingestReport).toMatchObject({ fullRebuild: true, reason: `embedding changed (onnx ${id}, mean pooling → local)` });
    expect(readManifest(w.idx)!.vectorEmbedding).toEqual({ provider: 'local' });
  });
});

describe('EMBEDDINGS=onnx: failures', () => {
  it('a model file that is not ONNX: ingest fails with KNOWLEDGE_EMBEDDINGS_FAILED naming the folder, and writes nothing', async () => {
    const dir = modelCopy();
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'this is not an ONNX file');
    const w = workspace();
    const err = await rejection(ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: onnx({ modelDir: dir }) }));
    expect(isAppError(err, 'KNOWLEDGE_EMBEDDINGS_FAILED'), String(err)).toBe(true);
    expect(err.message).toContain(`the ONNX model in ${dir} could not be loaded`);
    expect(err.message).toContain('no index was built');
    expect(fs.existsSync(w.idx)).toBe(false);
    expect(fs.existsSync(`${w.idx}.staging`)).toBe(false);
  });

  it('a folder without its tokenizer: the embedder says which file is missing', async () => {
    const dir = modelCopy();
    fs.rmSync(path.join(dir, 'tokenizer_config.json'));
    const err = await rejection(new OnnxEmbeddings({ modelDir: dir }, 'documents').embedQuery('退款'));
    expect(isAppError(err, 'KNOWLEDGE_EMBEDDINGS_MODEL'), String(err)).toBe(true);
    expect((err as AppError).detail).toBe(`the ONNX model in ${dir} could not be loaded: tokenizer_config.json missing in ${dir} (a Hugging Face model folder has them beside the model)`);
  });

  it('a model that cannot be loaded at question time: BM25 ranks alone, with a warning, until it loads again', async () => {
    const dir = modelCopy();
    const w = workspace();
    await open(w, onnx({ modelDir: dir }));
    // The model breaks without its files changing identity (config.json is not part of the hash).
    resetOnnxModels();
    const config = fs.readFileSync(path.join(dir, 'config.json'));
    fs.rmSync(path.join(dir, 'config.json'));
    const logger = spyLogger();
    const kb = await open(w, onnx({ modelDir: dir }), logger);
    expect(kb.ingestReport).toBeUndefined();

    const degraded = await kb.ask(QUESTION);
    expect(degraded.answered).toBe(true);
    expect(degraded.sources[0]!.file).toBe(QUESTION_FILE);
    expect(degraded.retrieval.vectorUnavailable).toMatch(/could not be embedded .*the ONNX model in .* could not be loaded: config\.json missing/);
    expect(degraded.retrieval.hits.every((h) => h.vectorRank === undefined)).toBe(true);
    const bm25 = await kb.search(QUESTION, { k: 8, mode: 'bm25' });
    expect(degraded.retrieval.hits.map((h) => h.chunk.id)).toEqual(bm25.hits.map((h) => h.chunk.id));
    expect(degraded.confidence).toBe(bm25.confidence);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/BM25/);
    expect(logger.warnings[0]!.details).toMatchObject({ model: onnxModelId(dir), endpoint: dir });

    // Repaired: the load is retried after a pause (not at every question), then the vectors rank again.
    fs.writeFileSync(path.join(dir, 'config.json'), config);
    expect((await kb.ask(QUESTION)).retrieval.vectorUnavailable).toMatch(/could not be loaded/);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const recovered = await kb.ask(QUESTION);
    expect(recovered.retrieval.vectorUnavailable).toBeUndefined();
    expect(recovered.retrieval.hits.some((h) => h.vectorRank !== undefined)).toBe(true);
  });

  it('a model replaced by a broken one: the previous index is served, ranked by BM25 until it is rebuilt', async () => {
    const dir = modelCopy();
    const w = workspace();
    await open(w, onnx({ modelDir: dir }));
    const before = fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), Buffer.from('broken'));
    const logger = spyLogger();
    const kb = await open(w, onnx({ modelDir: dir }), logger);
    expect(isAppError(kb.ingestError, 'KNOWLEDGE_EMBEDDINGS_FAILED')).toBe(true);
    expect(kb.ingestError!.message).toContain('the previous index was kept');
    expect(fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8')).toBe(before);
    expect(logger.warnings.map((x) => x.message)).toEqual([
      'knowledge index not updated; serving the previous index',
      'vector search disabled until the knowledge index is rebuilt; BM25 ranks alone',
    ]);
    const answer = await kb.ask(QUESTION);
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]!.file).toBe(QUESTION_FILE);
    expect(answer.retrieval.vectorUnavailable).toMatch(/not the configured embedding/);
  });
});
