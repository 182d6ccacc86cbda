/**
 * EMBEDDINGS=openai: the HNSW vectors come from an OpenAI-compatible embeddings endpoint (here the local
 * fake server, real HTTP on 127.0.0.1), while BM25 and the confidence stay local.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import type { Config } from '../../src/app/config.js';
import { loadKnowledge } from '../../src/knowledge/documents.js';
import { indexIsStale, indexText, ingest, loadIndex, readManifest } from '../../src/knowledge/ingest.js';
import { loadLexicon } from '../../src/knowledge/lexicon.js';
import { KnowledgeBase, type KnowledgeLogger } from '../../src/knowledge/knowledge-base.js';
import { LocalHashEmbeddings } from '../../src/knowledge/local-embeddings.js';
import { describeEmbedding, endpointOf, sameEmbedding, toVector, type EmbeddingSettings } from '../../src/knowledge/vector-embeddings.js';
import { EMBEDDING_DIMENSIONS, bigramVector, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { KNOWLEDGE_DIR, makeTempDir, removeDir, rejection } from './helpers.js';

const FILES = ['void-vs-refund.md', 'response-codes.md', 'sales-slip.md', 'pre-authorization.md', 'glossary.yaml', 'lexicon.yaml'];
const MODEL = 'text-embedding-v3';
const API_KEY = 'sk-remote-embeddings-test-key';
const QUESTION = '退款多久到持卡人账户';
const QUESTION_FILE = 'void-vs-refund.md';

let fake: FakeOpenAI;
const roots: string[] = [];

beforeAll(async () => {
  vi.stubEnv('LANGSMITH_TRACING', '');
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fake.close();
});
beforeEach(() => {
  fake.embeddings.length = 0;
  fake.failEmbeddings(false);
});
afterEach(() => {
  for (const r of roots.splice(0)) removeDir(r);
});

interface Workspace {
  kd: string;
  idx: string;
  file: (name: string) => string;
}

/** A small knowledge folder (four files, the glossary and the lexicon) in a fresh temp dir. */
function workspace(): Workspace {
  const root = makeTempDir();
  roots.push(root);
  const kd = path.join(root, 'knowledge');
  fs.mkdirSync(kd);
  for (const f of FILES) fs.copyFileSync(path.join(KNOWLEDGE_DIR, f), path.join(kd, f));
  return { kd, idx: path.join(root, 'data', 'index'), file: (name) => path.join(kd, name) };
}

const CHUNKS = (() => {
  const root = makeTempDir();
  try {
    for (const f of FILES) fs.copyFileSync(path.join(KNOWLEDGE_DIR, f), path.join(root, f));
    return loadKnowledge(root).chunks;
  } finally {
    removeDir(root);
  }
})();
const TOTAL = CHUNKS.length;
/** What the index sends to the embedding endpoint is the chunk's text in the guide's spelling. */
const LEXICON = loadLexicon(path.join(KNOWLEDGE_DIR, 'lexicon.yaml'));

function remote(extra: Partial<EmbeddingSettings> = {}): EmbeddingSettings {
  return { provider: 'openai', model: MODEL, batchSize: 10, apiKey: API_KEY, baseUrl: fake.url, maxRetries: 0, ...extra };
}

function open(w: Workspace, embeddings?: EmbeddingSettings, logger?: KnowledgeLogger): Promise<KnowledgeBase> {
  return KnowledgeBase.open({ knowledgeDir: w.kd, indexDir: w.idx, minConfidence: 0.35, maxSources: 2, embeddings, logger });
}

function spyLogger(): KnowledgeLogger & { warnings: { details: Record<string, unknown>; message: string }[] } {
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  return { warnings, warn: (details, message) => void warnings.push({ details, message }) };
}

/** Texts sent to the endpoint (all requests, in order). */
const sentTexts = (): string[] => fake.embeddings.flatMap((r) => r.input);

describe('EMBEDDINGS=openai: ingest and ask', () => {
  it('builds the vectors through the endpoint and answers with the right source', async () => {
    const w = workspace();
    const kb = await open(w, remote());
    expect(kb.ingestReport).toMatchObject({ fullRebuild: true, reason: 'no index yet', total: TOTAL, embedded: TOTAL });
    expect(kb.ingestReport!.vectorEmbedding).toEqual({ provider: 'openai', model: MODEL, endpoint: fake.url, dimensions: EMBEDDING_DIMENSIONS });
    // Every chunk's index text went out once (newlines flattened by the client), with the configured model.
    expect(sentTexts().sort()).toEqual(CHUNKS.map((c) => indexText(c, LEXICON).replace(/\n/g, ' ')).sort());
    expect(new Set(fake.embeddings.map((r) => r.model))).toEqual(new Set([MODEL]));

    const index = await loadIndex(w.kd, w.idx, remote());
    expect(index.vectors.dimensions).toBe(EMBEDDING_DIMENSIONS);
    expect(index.vectorQuery.kind).toBe('remote');

    fake.embeddings.length = 0;
    const answer = await kb.ask(QUESTION);
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]!.file).toBe(QUESTION_FILE);
    expect(answer.retrieval.vectorUnavailable).toBeUndefined();
    // The question itself was embedded remotely, and the vector side ranked by it.
    expect(fake.embeddings).toHaveLength(1);
    expect(fake.embeddings[0]!.input).toEqual([QUESTION]);
    expect(answer.retrieval.hits.some((h) => h.vectorRank !== undefined)).toBe(true);
    const vectorOnly = await kb.search(QUESTION, { mode: 'vector', k: 3 });
    expect(vectorOnly.hits[0]!.chunk.file).toBe(QUESTION_FILE);
  });

  it('keeps the confidence local: same top chunk, same confidence, coverage and similarity as with EMBEDDINGS=local', async () => {
    const w = workspace();
    const local = workspace();
    const kbRemote = await open(w, remote());
    const kbLocal = await open(local);
    // The stored local TF-IDF model is the same whichever embedding ranks.
    expect(readManifest(w.idx)!.embedding).toEqual(readManifest(local.idx)!.embedding);
    let compared = 0;
    const questions = ['已结算的交易怎么取消', '撤销和退货有什么区别', '预授权完成怎么撤销', QUESTION, '刷错或重复刷卡怎么办', '返回码97终端未登记'];
    for (const q of questions) {
      const a = await kbRemote.search(q);
      const b = await kbLocal.search(q);
      if (a.hits[0]?.chunk.id !== b.hits[0]?.chunk.id) continue;
      compared++;
      expect({ confidence: a.confidence, coverage: a.coverage, similarity: a.similarity }, q).toEqual({
        confidence: b.confidence,
        coverage: b.coverage,
        similarity: b.similarity,
      });
    }
    expect(compared).toBeGreaterThanOrEqual(5);
    // Off-topic stays off-topic whatever ranks the candidates.
    const off = await kbRemote.ask('明天会下雨吗');
    expect(off.answered).toBe(false);
    expect(off.confidence).toBe((await kbLocal.ask('明天会下雨吗')).confidence);
  });

  it('decodes float and base64 answers alike (SDK default base64, forced float, explicit base64)', async () => {
    const builds: [EmbeddingSettings['encodingFormat'], string][] = [
      [undefined, 'base64'],
      ['float', 'float'],
      ['base64', 'base64'],
    ];
    const vectors: number[][] = [];
    const probe = CHUNKS.find((c) => c.file === QUESTION_FILE && c.headingPath.length > 0)!;
    for (const [encodingFormat, onTheWire] of builds) {
      fake.embeddings.length = 0;
      const w = workspace();
      const kb = await open(w, remote({ encodingFormat }));
      expect(new Set(fake.embeddings.map((r) => r.encodingFormat)), String(encodingFormat)).toEqual(new Set([onTheWire]));
      const index = await loadIndex(w.kd, w.idx, remote({ encodingFormat }));
      const v = index.vectors.vectorOf(probe.id)!;
      expect(v).toHaveLength(EMBEDDING_DIMENSIONS);
      vectors.push(v);
      // Query embeddings are decoded as well.
      const answer = await kb.ask(QUESTION);
      expect(answer.sources[0]!.file, String(encodingFormat)).toBe(QUESTION_FILE);
      expect(answer.retrieval.vectorUnavailable).toBeUndefined();
    }
    const expected = bigramVector(indexText(probe, LEXICON).replace(/\n/g, ' '));
    for (const v of vectors) v.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 5));
  });

  it('sends at most batchSize texts per request (DashScope: 10)', async () => {
    expect(TOTAL).toBeGreaterThan(20);
    const w = workspace();
    await ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: remote({ batchSize: 10 }) });
    expect(fake.embeddings.length).toBe(Math.ceil(TOTAL / 10));
    expect(Math.max(...fake.embeddings.map((r) => r.input.length))).toBe(10);
    expect(sentTexts()).toHaveLength(TOTAL);

    fake.embeddings.length = 0;
    await ingest({ knowledgeDir: w.kd, indexDir: w.idx, rebuild: true, embeddings: remote({ batchSize: 4 }) });
    expect(fake.embeddings.every((r) => r.input.length <= 4)).toBe(true);
    expect(sentTexts()).toHaveLength(TOTAL);
  });

  it('accepts the configuration object as it is (Config["embeddings"])', async () => {
    const w = workspace();
    const configured: Config['embeddings'] = { provider: 'openai', model: MODEL, batchSize: 10, apiKey: API_KEY, baseUrl: fake.url };
    const kb = await open(w, configured);
    expect(kb.chunkCount).toBe(TOTAL);
    const local: Config['embeddings'] = { provider: 'local', model: 'text-embedding-3-small', batchSize: 512, apiKey: undefined, baseUrl: undefined };
    expect(describeEmbedding(local)).toEqual({ provider: 'local' });
  });
});

describe('EMBEDDINGS=openai: the manifest records the embedding; a change rebuilds', () => {
  it('records provider, model, endpoint and dimensions, never the key', async () => {
    const w = workspace();
    await open(w, remote());
    const manifest = readManifest(w.idx)!;
    expect(manifest.vectorEmbedding).toEqual({ provider: 'openai', model: MODEL, endpoint: fake.url, dimensions: EMBEDDING_DIMENSIONS });
    for (const f of ['manifest.json', 'bm25.json', 'vectors/args.json', 'vectors/docstore.json']) {
      expect(fs.readFileSync(path.join(w.idx, f), 'utf8'), f).not.toContain(API_KEY);
    }
    expect(indexIsStale(w.kd, w.idx, remote())).toBe(false);
    expect(indexIsStale(w.kd, w.idx, remote({ batchSize: 3, encodingFormat: 'float' }))).toBe(false);
    expect(indexIsStale(w.kd, w.idx, remote({ model: 'text-embedding-v4' }))).toBe(true);
    expect(indexIsStale(w.kd, w.idx)).toBe(true);
  });

  it('a model change is a full rebuild with the new model', async () => {
    const w = workspace();
    await open(w, remote());
    fake.embeddings.length = 0;
    const kb = await open(w, remote({ model: 'text-embedding-v4' }));
    expect(kb.ingestReport).toMatchObject({
      fullRebuild: true,
      reason: 'embedding changed (openai text-embedding-v3 → openai text-embedding-v4)',
      embedded: TOTAL,
    });
    expect(sentTexts()).toHaveLength(TOTAL);
    expect(new Set(fake.embeddings.map((r) => r.model))).toEqual(new Set(['text-embedding-v4']));
    expect(readManifest(w.idx)!.vectorEmbedding).toMatchObject({ provider: 'openai', model: 'text-embedding-v4' });
    fake.embeddings.length = 0;
    await kb.ask(QUESTION);
    expect(fake.embeddings.map((r) => r.model)).toEqual(['text-embedding-v4']);
  });

  it('an endpoint change is a full rebuild too', async () => {
    const w = workspace();
    await open(w, remote());
    const other = await startFakeOpenAI();
    try {
      const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: remote({ baseUrl: other.url }) });
      expect(report.reason).toBe(`embedding changed (openai ${MODEL} @ ${fake.url} → openai ${MODEL} @ ${other.url})`);
      expect(other.embeddings.flatMap((r) => r.input)).toHaveLength(TOTAL);
    } finally {
      await other.close();
    }
  });

  it('local → openai → local rebuilds each time; KnowledgeBase.open notices by itself', async () => {
    const w = workspace();
    const localSpy = vi.spyOn(LocalHashEmbeddings.prototype, 'embedDocuments');
    try {
      const first = await open(w);
      expect(readManifest(w.idx)!.vectorEmbedding).toEqual({ provider: 'local' });
      expect(first.ingestReport!.vectorEmbedding).toEqual({ provider: 'local' });
      expect(fake.embeddings).toHaveLength(0);
      expect(indexIsStale(w.kd, w.idx)).toBe(false);
      expect(indexIsStale(w.kd, w.idx, remote())).toBe(true);

      localSpy.mockClear();
      const toRemote = await open(w, remote());
      expect(toRemote.ingestReport).toMatchObject({ fullRebuild: true, reason: `embedding changed (local → openai ${MODEL})`, embedded: TOTAL });
      expect(sentTexts()).toHaveLength(TOTAL);
      // The local model is fitted, but it no longer embeds the documents.
      expect(localSpy).not.toHaveBeenCalled();
      expect((await loadIndex(w.kd, w.idx, remote())).vectors.dimensions).toBe(EMBEDDING_DIMENSIONS);

      fake.embeddings.length = 0;
      const back = await open(w);
      expect(back.ingestReport).toMatchObject({ fullRebuild: true, reason: `embedding changed (openai ${MODEL} → local)`, embedded: TOTAL });
      expect(fake.embeddings).toHaveLength(0);
      expect(readManifest(w.idx)!.vectorEmbedding).toEqual({ provider: 'local' });
      expect((await loadIndex(w.kd, w.idx)).vectors.dimensions).toBe(2048);
      expect((await back.ask(QUESTION)).sources[0]!.file).toBe(QUESTION_FILE);
    } finally {
      localSpy.mockRestore();
    }
  });

  it('an index from before the descriptor was recorded counts as local', async () => {
    const w = workspace();
    await ingest({ knowledgeDir: w.kd, indexDir: w.idx });
    const file = path.join(w.idx, 'manifest.json');
    const { vectorEmbedding, ...old } = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(vectorEmbedding).toEqual({ provider: 'local' });
    fs.writeFileSync(file, JSON.stringify(old));
    expect(indexIsStale(w.kd, w.idx)).toBe(false);
    expect(indexIsStale(w.kd, w.idx, remote())).toBe(true);
    const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx });
    expect(report).toMatchObject({ fullRebuild: false, embedded: 0 });
  });
});

describe('EMBEDDINGS=openai: incremental', () => {
  it('an unchanged re-open calls the endpoint for nothing; an edit embeds only the changed section', async () => {
    const w = workspace();
    await open(w, remote());
    fake.embeddings.length = 0;
    const again = await open(w, remote());
    expect(again.ingestReport).toBeUndefined();
    expect(fake.embeddings).toHaveLength(0);
    const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: remote() });
    expect(report).toMatchObject({ fullRebuild: false, embedded: 0, unchanged: TOTAL });
    expect(fake.embeddings).toHaveLength(0);

    const source = fs.readFileSync(w.file('sales-slip.md'), 'utf8');
    expect(source).toContain('6位');
    fs.writeFileSync(w.file('sales-slip.md'), source.replace('6位', '六位'));
    const edited = await open(w, remote());
    expect(edited.ingestReport).toMatchObject({ fullRebuild: false, updated: 1, embedded: 1 });
    expect(sentTexts()).toHaveLength(1);
    expect(sentTexts()[0]).toContain('六位');
  });

  it('a glossary change re-fits the local model but keeps the remote vectors', async () => {
    const w = workspace();
    await open(w, remote());
    const before = readManifest(w.idx)!;
    fake.embeddings.length = 0;
    fs.appendFileSync(w.file('glossary.yaml'), '  - [小票打印机, 打印机, printer]\n');
    const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: remote() });
    expect(report).toMatchObject({ fullRebuild: true, reason: 'glossary changed', embedded: 0, unchanged: TOTAL });
    expect(fake.embeddings).toHaveLength(0);
    expect(readManifest(w.idx)!.termsHash).not.toBe(before.termsHash);
    const kb = await open(w, remote());
    expect(kb.ingestReport).toBeUndefined();
    expect((await kb.ask(QUESTION)).sources[0]!.file).toBe(QUESTION_FILE);
  });

  it('rebuild: true re-embeds everything remotely', async () => {
    const w = workspace();
    await open(w, remote());
    fake.embeddings.length = 0;
    const report = await ingest({ knowledgeDir: w.kd, indexDir: w.idx, rebuild: true, embeddings: remote() });
    expect(report).toMatchObject({ fullRebuild: true, reason: 'rebuild requested', embedded: TOTAL });
    expect(sentTexts()).toHaveLength(TOTAL);
  });
});

describe('EMBEDDINGS=openai: failures', () => {
  it('a failing endpoint at question time: that search is ranked by BM25 alone, with a warning, and still answers', async () => {
    const w = workspace();
    const logger = spyLogger();
    const kb = await open(w, remote(), logger);
    const healthy = await kb.ask(QUESTION);
    expect(healthy.answered).toBe(true);

    fake.failEmbeddings(500);
    const started = Date.now();
    const degraded = await kb.ask(QUESTION);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(degraded.answered).toBe(true);
    expect(degraded.sources[0]!.file).toBe(QUESTION_FILE);
    expect(degraded.retrieval.vectorUnavailable).toMatch(/could not be embedded/);
    expect(degraded.retrieval.hits.every((h) => h.vectorRank === undefined)).toBe(true);
    // Exactly BM25's ranking and the unchanged local confidence.
    const bm25 = await kb.search(QUESTION, { k: 8, mode: 'bm25' });
    expect(degraded.retrieval.hits.map((h) => h.chunk.id)).toEqual(bm25.hits.map((h) => h.chunk.id));
    expect(degraded.confidence).toBe(bm25.confidence);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/BM25/);
    expect(logger.warnings[0]!.details).toMatchObject({ model: MODEL, endpoint: fake.url });
    expect(JSON.stringify(logger.warnings)).not.toContain(API_KEY);

    fake.failEmbeddings(false);
    const recovered = await kb.ask(QUESTION);
    expect(recovered.retrieval.vectorUnavailable).toBeUndefined();
  });

  it('an endpoint that is gone (connection refused) falls back the same way', async () => {
    const w = workspace();
    const gone = await startFakeOpenAI();
    const settings = remote({ baseUrl: gone.url });
    const logger = spyLogger();
    const kb = await open(w, settings, logger);
    await gone.close();
    const answer = await kb.ask(QUESTION);
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]!.file).toBe(QUESTION_FILE);
    expect(answer.retrieval.vectorUnavailable).toBeDefined();
    expect(logger.warnings).toHaveLength(1);
  });

  it('a failure while re-indexing keeps the previous index: ingest throws KNOWLEDGE_EMBEDDINGS_FAILED, open serves the old one', async () => {
    const w = workspace();
    await open(w, remote());
    const before = fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8');
    const source = fs.readFileSync(w.file('sales-slip.md'), 'utf8');
    fs.writeFileSync(w.file('sales-slip.md'), source.replace('6位', '六位'));

    fake.failEmbeddings(500);
    const err = await rejection(ingest({ knowledgeDir: w.kd, indexDir: w.idx, embeddings: remote() }));
    expect(isAppError(err, 'KNOWLEDGE_EMBEDDINGS_FAILED'), String(err)).toBe(true);
    expect(err.message).toContain(`openai ${MODEL} @ ${fake.url}`);
    expect(err.message).toContain('the previous index was kept');
    expect(err.message).not.toContain(API_KEY);
    expect(fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8')).toBe(before);
    expect(fs.existsSync(`${w.idx}.staging`)).toBe(false);
    expect(indexIsStale(w.kd, w.idx, remote())).toBe(true);

    const logger = spyLogger();
    const kb = await open(w, remote(), logger);
    expect(kb.ingestReport).toBeUndefined();
    expect(isAppError(kb.ingestError, 'KNOWLEDGE_EMBEDDINGS_FAILED')).toBe(true);
    expect(logger.warnings.map((x) => x.message)).toContain('knowledge index not updated; serving the previous index');
    expect(fs.readFileSync(path.join(w.idx, 'manifest.json'), 'utf8')).toBe(before);
    expect((await kb.ask('返回码97终端未登记')).sources[0]!.file).toBe('response-codes.md');

    // refresh() throws and keeps the index it has.
    await expect(kb.refresh()).rejects.toThrow(/previous index was kept/);
    expect(kb.chunkCount).toBe(TOTAL);

    fake.failEmbeddings(false);
    fake.embeddings.length = 0;
    expect(await kb.refresh()).toMatchObject({ fullRebuild: false, updated: 1, embedded: 1 });
    expect(sentTexts()).toHaveLength(1);
  });

  it('switching local → openai while the endpoint is down keeps serving the local index', async () => {
    const w = workspace();
    await open(w);
    fake.failEmbeddings(503);
    const logger = spyLogger();
    const kb = await open(w, remote(), logger);
    expect(isAppError(kb.ingestError, 'KNOWLEDGE_EMBEDDINGS_FAILED')).toBe(true);
    expect(readManifest(w.idx)!.vectorEmbedding).toEqual({ provider: 'local' });
    fake.embeddings.length = 0;
    const answer = await kb.ask(QUESTION);
    // The vectors are local, so the question is embedded locally: no remote call, no fallback.
    expect(fake.embeddings).toHaveLength(0);
    expect(answer.retrieval.vectorUnavailable).toBeUndefined();
    expect(answer.sources[0]!.file).toBe(QUESTION_FILE);
  });

  it('vectors built by another remote model than the configured one: BM25 alone until rebuilt', async () => {
    const w = workspace();
    await open(w, remote());
    const logger = spyLogger();
    const kb = await open(w, remote({ model: 'text-embedding-v4' }), logger);
    expect(kb.ingestReport?.reason).toMatch(/^embedding changed/);
    // Simulate an index kept from another model: load it with settings that do not match.
    const index = await loadIndex(w.kd, w.idx, remote({ model: 'other-model' }));
    expect(index.vectorQuery).toMatchObject({ kind: 'unavailable' });
  });

  it('with no index at all, a failing endpoint is KNOWLEDGE_EMBEDDINGS_FAILED and nothing is written', async () => {
    const w = workspace();
    fake.failEmbeddings(500);
    const err = await rejection(open(w, remote()));
    expect(isAppError(err, 'KNOWLEDGE_EMBEDDINGS_FAILED'), String(err)).toBe(true);
    expect(err.message).toContain('no index was built');
    expect(fs.existsSync(w.idx)).toBe(false);
  });
});

describe('vector-embeddings helpers', () => {
  it('endpointOf keeps origin and path only', () => {
    expect(endpointOf('https://user:secret@dashscope.aliyuncs.com/compatible-mode/v1/?api_key=sk-x#frag')).toBe(
      'https://dashscope.aliyuncs.com/compatible-mode/v1',
    );
    expect(endpointOf(undefined)).toBe('https://api.openai.com/v1');
    expect(endpointOf('not a url')).toBe('invalid-url');
  });

  it('sameEmbedding compares provider, model and endpoint (not dimensions)', () => {
    const a = { provider: 'openai' as const, model: 'm', endpoint: 'https://x/v1', dimensions: 8 };
    expect(sameEmbedding(a, { provider: 'openai', model: 'm', endpoint: 'https://x/v1' })).toBe(true);
    expect(sameEmbedding(a, { ...a, model: 'n' })).toBe(false);
    expect(sameEmbedding(a, { ...a, endpoint: 'https://y/v1' })).toBe(false);
    expect(sameEmbedding(a, { provider: 'local' })).toBe(false);
    expect(sameEmbedding({ provider: 'local' }, { provider: 'local' })).toBe(true);
  });

  it('toVector decodes base64 float32 and rejects garbage', () => {
    const v = [0.5, -0.25, 1];
    expect(toVector(Buffer.from(new Float32Array(v).buffer).toString('base64'))).toEqual(v);
    expect(toVector(new Float32Array(v))).toEqual(v);
    expect(toVector(v)).toEqual(v);
    expect(() => toVector('abc')).toThrow(/base64/);
    expect(() => toVector([])).toThrow(/empty/);
    expect(() => toVector([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => toVector(null)).toThrow(/null/);
  });
});
