/**
 * Ingestion: knowledge files → chunks → vectors + BM25, saved under `<DATA_DIR>/index`.
 *
 * Incremental by content hash: a chunk whose hash is already in the index keeps its stored vector; only
 * new or changed chunks are embedded; chunks that disappeared are deleted. A full rebuild (re-fitting the
 * embedding's idf table and re-embedding everything) happens when there is no usable index, when asked,
 * when the glossary's segmentation terms change (every token stream changes with them), when the
 * configured vector embedding is not the one that built the stored vectors, or when so much of the corpus
 * changed that the frozen idf table no longer describes it.
 *
 * With a remote embedding (`EMBEDDINGS=openai`, see vector-embeddings.ts) the HNSW vectors come from the
 * remote model and the local TF-IDF model is still fitted and stored (confidence needs it). The remote
 * vectors do not depend on the glossary or on the idf table, so a re-fit keeps the stored ones of
 * unchanged chunks; only a changed embedding, an unreadable index or `rebuild` re-embeds them all. If the
 * remote embedding fails, nothing on disk changes and `KNOWLEDGE_EMBEDDINGS_FAILED` is thrown. A local
 * ONNX model (`EMBEDDINGS=onnx`, onnx-embeddings.ts) is handled exactly like a remote embedding here.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { AppError } from '../core/errors.js';
import { Bm25Index, type Bm25State } from './bm25.js';
import { loadKnowledge, type Chunk, type FileProblem } from './documents.js';
import { conceptTokens, loadGlossary, type Glossary } from './glossary.js';
import { loadLexicon, loadOutOfScope, type Lexicon, type OutOfScope } from './lexicon.js';
import { HnswVectorStore } from './hnsw-store.js';
import { indexContentKey, keepIndex, keptIndex } from './loaded-index-cache.js';
import { LocalHashEmbeddings, type LocalEmbeddingsState } from './local-embeddings.js';
import { normalize, tokenize, useTerms } from './text.js';
import * as OpenCC from 'opencc-js/t2cn';
import {
  describeEmbedding,
  embeddingChange,
  embeddingLabel,
  sameEmbedding,
  vectorEmbedder,
  type EmbeddingSettings,
  type VectorEmbedder,
  type VectorEmbeddingDescriptor,
} from './vector-embeddings.js';

/** Bump when the on-disk format or the tokenisation changes: an older index is then rebuilt. */
export const INDEX_FORMAT = 4;
export const GLOSSARY_FILE = 'glossary.yaml';
export const LEXICON_FILE = 'lexicon.yaml';
export const OUT_OF_SCOPE_FILE = 'out-of-scope.yaml';
/** Above this share of changed chunks the idf table is re-fitted and everything re-embedded. */
const REFIT_CHANGE_RATIO = 0.3;

export interface Manifest {
  format: number;
  builtAt: string;
  sourceFingerprint: string;
  termsHash: string;
  embedding: LocalEmbeddingsState;
  /** The embedding that built the HNSW vectors; absent in indexes built before it was recorded: local. */
  vectorEmbedding?: VectorEmbeddingDescriptor;
  chunks: Chunk[];
}

export interface IngestReport {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /**
   * Chunks whose vectors were computed in this run (added + updated, or all of them on a full rebuild).
   * With a remote embedding, the texts sent to it: a re-fit keeps the stored vectors of unchanged chunks.
   */
  embedded: number;
  total: number;
  files: number;
  fullRebuild: boolean;
  reason: string;
  problems: FileProblem[];
  durationMs: number;
  /** The embedding that built the vectors (as recorded in the manifest). */
  vectorEmbedding: VectorEmbeddingDescriptor;
}

export interface IngestOptions {
  knowledgeDir: string;
  indexDir: string;
  /** Re-fit and re-embed everything even if the index is up to date. */
  rebuild?: boolean;
  /** Which embedding builds the vectors (default: local). */
  embeddings?: EmbeddingSettings;
}

const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });

/**
 * What is embedded and indexed for a chunk: its place (title, headings, keywords), its text and the
 * questions it answers — in the guide's spelling (simplified script, lexicon variants rewritten), as
 * questions are before they are searched.
 */
export function indexText(chunk: Pick<Chunk, 'title' | 'headingPath' | 'keywords' | 'text' | 'questions'>, lexicon?: Lexicon): string {
  const headings = chunk.headingPath.join(' ');
  // Headings three times: a section's name is the strongest statement of what it is about.
  const raw = [chunk.title, headings, headings, headings, chunk.keywords.join(' '), chunk.text, ...(chunk.questions ?? [])].filter(Boolean).join('\n');
  return lexicon ? lexicon.apply(normalize(toSimplified(raw))) : raw;
}

/** A hash of every file that feeds the index; differs as soon as any byte of any source changes. */
export function sourceFingerprint(knowledgeDir: string): string {
  const h = createHash('sha256');
  h.update(`format:${INDEX_FORMAT}\n`);
  if (!existsSync(knowledgeDir)) return h.digest('hex');
  for (const name of readdirSync(knowledgeDir).sort()) {
    const ext = extname(name).toLowerCase();
    if (name.startsWith('.') || !['.md', '.markdown', '.txt', '.yaml'].includes(ext)) continue;
    try {
      h.update(name).update('\0').update(readFileSync(join(knowledgeDir, name))).update('\0');
    } catch {
      h.update(`${name}:unreadable\0`);
    }
  }
  return h.digest('hex');
}

export function readManifest(indexDir: string): Manifest | undefined {
  const file = join(indexDir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    return m.format === INDEX_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The embedding recorded as having built a manifest's vectors. */
export function recordedEmbedding(manifest: Manifest): VectorEmbeddingDescriptor {
  return manifest.vectorEmbedding ?? { provider: 'local' };
}

/**
 * Whether the saved index is missing, no longer matches the knowledge files, or was embedded with another
 * embedding than the configured one (`embeddings`, default local).
 */
export function indexIsStale(knowledgeDir: string, indexDir: string, embeddings?: EmbeddingSettings): boolean {
  const m = readManifest(indexDir);
  return (
    !m ||
    m.sourceFingerprint !== sourceFingerprint(knowledgeDir) ||
    !existsSync(join(indexDir, 'vectors', 'hnswlib.index')) ||
    !sameEmbedding(recordedEmbedding(m), describeEmbedding(embeddings))
  );
}

/** The glossary and the lexicon; their terms become the segmenter's extra dictionary. */
export function loadGlossaryFor(knowledgeDir: string): { glossary: Glossary; lexicon: Lexicon } {
  const glossary = loadGlossary(join(knowledgeDir, GLOSSARY_FILE));
  const lexicon = loadLexicon(join(knowledgeDir, LEXICON_FILE));
  useTerms([...glossary.terms, ...lexicon.terms]);
  return { glossary, lexicon };
}

/** Terms change the segmentation, synonyms the concept features, the lexicon the text: each changes every vector. */
function termsHash(glossary: Glossary, lexicon: Lexicon): string {
  return createHash('sha256')
    .update(JSON.stringify([glossary.terms, glossary.synonyms, lexicon.fingerprint]))
    .digest('hex')
    .slice(0, 16);
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const started = Date.now();
  const { knowledgeDir, indexDir } = options;
  if (!existsSync(knowledgeDir)) throw new AppError('KNOWLEDGE_FILE_INVALID', `knowledge folder not found: ${knowledgeDir}`);
  const fingerprint = sourceFingerprint(knowledgeDir);
  const { glossary, lexicon } = loadGlossaryFor(knowledgeDir);
  const { chunks, files, problems } = loadKnowledge(knowledgeDir);
  const textOf = (c: Chunk) => indexText(c, lexicon);
  if (chunks.length === 0) {
    throw new AppError('KNOWLEDGE_FILE_INVALID', `no usable knowledge file in ${knowledgeDir}`, { details: { problems } });
  }

  const previous = readManifest(indexDir);
  const vectorDir = join(indexDir, 'vectors');
  const configured = describeEmbedding(options.embeddings);
  const remote = vectorEmbedder(options.embeddings, 'documents');
  let store: HnswVectorStore | undefined;
  let embeddings: LocalHashEmbeddings | undefined;
  let reason = '';
  if (options.rebuild) reason = 'rebuild requested';
  else if (!previous) reason = 'no index yet';
  else if (!sameEmbedding(recordedEmbedding(previous), configured)) {
    reason = `embedding changed (${embeddingChange(recordedEmbedding(previous), configured)})`;
  } else if (previous.termsHash !== termsHash(glossary, lexicon)) reason = 'glossary changed';
  // Stored vectors stay valid while nothing above says otherwise; remote ones also across a glossary change.
  if (previous && (reason === '' || (remote && reason === 'glossary changed'))) {
    try {
      if (reason === '') embeddings = new LocalHashEmbeddings({ state: previous.embedding, features: (t) => conceptTokens(glossary, t) });
      store = await HnswVectorStore.load(vectorDir, remote ?? embeddings!);
    } catch (err) {
      reason = `index unreadable (${(err as Error).message})`;
      embeddings = undefined;
      store = undefined;
    }
  }

  const oldById = new Map((previous?.chunks ?? []).map((c) => [c.id, c]));
  const newIds = new Set(chunks.map((c) => c.id));
  const added = chunks.filter((c) => !oldById.has(c.id));
  const updated = chunks.filter((c) => oldById.has(c.id) && oldById.get(c.id)!.hash !== c.hash);
  const unchanged = chunks.filter((c) => oldById.get(c.id)?.hash === c.hash);
  const removed = [...oldById.keys()].filter((id) => !newIds.has(id));

  if (store && reason === '' && (added.length + updated.length + removed.length) / chunks.length > REFIT_CHANGE_RATIO) {
    reason = `${added.length + updated.length + removed.length} of ${chunks.length} chunks changed`;
    // The local vectors depend on the idf table; remote ones do not and are kept.
    if (!remote) store = undefined;
  }

  if (reason !== '') {
    embeddings = new LocalHashEmbeddings({ features: (t) => conceptTokens(glossary, t) });
    embeddings.fit(chunks.map(textOf));
  }
  let embedded: Chunk[];
  if (!store) {
    store = new HnswVectorStore(remote ?? embeddings!);
    embedded = chunks;
  } else {
    await store.delete({ ids: [...removed, ...updated.map((c) => c.id)] });
    embedded = [...added, ...updated];
  }
  if (embedded.length > 0) {
    const vectors = remote
      ? await embedRemotely(remote, embedded.map(textOf), store, previous !== undefined)
      : await embeddings!.embedDocuments(embedded.map(textOf));
    await store.addVectors(
      vectors,
      embedded.map((c) => new Document({ pageContent: c.text, metadata: { chunkId: c.id, hash: c.hash }, id: c.id })),
      { ids: embedded.map((c) => c.id) },
    );
  }

  const bm25 = new Bm25Index();
  for (const c of chunks) bm25.add(c.id, tokenize(textOf(c)));

  // Build the new index beside the old one and swap folders, so a reader never sees half of each.
  const staging = `${indexDir}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await store.save(join(staging, 'vectors'));
  writeFileSync(join(staging, 'bm25.json'), JSON.stringify(bm25.toJSON()));
  const manifest: Manifest = {
    format: INDEX_FORMAT,
    builtAt: new Date().toISOString(),
    sourceFingerprint: fingerprint,
    termsHash: termsHash(glossary, lexicon),
    embedding: embeddings!.toJSON(),
    vectorEmbedding: configured.provider === 'local' ? configured : { ...configured, dimensions: store.dimensions },
    chunks,
  };
  writeFileSync(join(staging, 'manifest.json'), JSON.stringify(manifest));
  const retired = `${indexDir}.old`;
  rmSync(retired, { recursive: true, force: true });
  if (existsSync(indexDir)) renameSync(indexDir, retired);
  renameSync(staging, indexDir);
  rmSync(retired, { recursive: true, force: true });

  const fullRebuild = reason !== '';
  return {
    added: added.length,
    updated: updated.length,
    unchanged: unchanged.length,
    removed: removed.length,
    embedded: embedded.length,
    total: chunks.length,
    files: files.length,
    fullRebuild,
    reason: reason || 'incremental',
    problems,
    durationMs: Date.now() - started,
    vectorEmbedding: manifest.vectorEmbedding!,
  };
}

/**
 * Embeds with the remote model. Any failure (network, timeout, HTTP error, malformed answer, a dimension
 * count the index does not have) leaves the index on disk as it was and becomes one coded error.
 */
async function embedRemotely(remote: VectorEmbedder, texts: string[], store: HnswVectorStore, hadIndex: boolean): Promise<number[][]> {
  const kept = hadIndex ? 'the previous index was kept' : 'no index was built';
  const what = remote.label;
  let vectors: number[][];
  try {
    vectors = await remote.embedDocuments(texts);
  } catch (err) {
    throw new AppError('KNOWLEDGE_EMBEDDINGS_FAILED', `${what} failed for ${texts.length} texts (${(err as Error).message}); ${kept}`, { cause: err });
  }
  const dims = vectors[0]!.length;
  if (store.dimensions !== undefined && store.dimensions !== dims) {
    throw new AppError(
      'KNOWLEDGE_EMBEDDINGS_FAILED',
      `${what} returned ${dims} dimensions but the index has ${store.dimensions}; ${kept} (run "pos-assist ingest --rebuild")`,
    );
  }
  return vectors;
}

/**
 * How a question is embedded for the vector side: with the local model (the vectors are local), with the
 * remote model that built the vectors, or not at all — the vectors came from an embedding that is not
 * configured (an index kept after a failed rebuild), so ranking is BM25 alone until it is rebuilt.
 */
export type VectorQuery =
  | { kind: 'local' }
  | { kind: 'remote'; embeddings: VectorEmbedder }
  | { kind: 'unavailable'; reason: string };

export interface LoadedIndex {
  manifest: Manifest;
  /** The local TF-IDF model: confidence always uses it, and the vector side too when the vectors are local. */
  embeddings: LocalHashEmbeddings;
  vectors: HnswVectorStore;
  vectorQuery: VectorQuery;
  bm25: Bm25Index;
  glossary: Glossary;
  lexicon: Lexicon;
  /** What sounds close to the guide but is not its business (`out-of-scope.yaml`). */
  outOfScope: OutOfScope;
}

/** `embeddings`: the configured embedding (default local); it is used for questions only if it built the vectors. */
export async function loadIndex(knowledgeDir: string, indexDir: string, embeddingSettings?: EmbeddingSettings): Promise<LoadedIndex> {
  const key = indexContentKey(indexDir, INDEX_FILES, knowledgeDir, [GLOSSARY_FILE, LEXICON_FILE, OUT_OF_SCOPE_FILE], [
    embeddingSettings,
    // An ONNX model's id hashes its files: a model replaced on disk is another key.
    describeEmbedding(embeddingSettings),
  ]);
  const same = keptIndex<LoadedIndex>(key);
  if (same) {
    // The segmenter's dictionary is process-wide: another knowledge base may have replaced its terms since.
    useTerms([...same.glossary.terms, ...same.lexicon.terms]);
    return same;
  }
  const loaded = await loadIndexFiles(knowledgeDir, indexDir, embeddingSettings);
  keepIndex(key, loaded);
  return loaded;
}

/** Every file `loadIndexFiles` reads from the index folder. */
const INDEX_FILES = ['manifest.json', 'bm25.json', 'vectors/args.json', 'vectors/hnswlib.index', 'vectors/docstore.json'];

async function loadIndexFiles(knowledgeDir: string, indexDir: string, embeddingSettings?: EmbeddingSettings): Promise<LoadedIndex> {
  const manifest = readManifest(indexDir);
  if (!manifest) throw new AppError('KNOWLEDGE_INDEX_MISSING', `run "pos-assist ingest" (looked in ${indexDir})`);
  const { glossary, lexicon } = loadGlossaryFor(knowledgeDir);
  const recorded = recordedEmbedding(manifest);
  let vectorQuery: VectorQuery;
  if (recorded.provider === 'local') vectorQuery = { kind: 'local' };
  else if (sameEmbedding(recorded, describeEmbedding(embeddingSettings))) {
    // The same remote or ONNX embedding as the configured one, so there is an embedder for it.
    vectorQuery = { kind: 'remote', embeddings: vectorEmbedder(embeddingSettings, 'query')! };
  } else {
    vectorQuery = { kind: 'unavailable', reason: `the vectors were built by ${embeddingLabel(recorded)}, which is not the configured embedding` };
  }
  try {
    const embeddings = new LocalHashEmbeddings({ state: manifest.embedding, features: (t) => conceptTokens(glossary, t) });
    const vectors = await HnswVectorStore.load(join(indexDir, 'vectors'), vectorQuery.kind === 'remote' ? vectorQuery.embeddings : embeddings);
    const bm25 = Bm25Index.fromJSON(JSON.parse(readFileSync(join(indexDir, 'bm25.json'), 'utf8')) as Bm25State);
    const outOfScope = loadOutOfScope(join(knowledgeDir, OUT_OF_SCOPE_FILE));
    return { manifest, embeddings, vectors, vectorQuery, bm25, glossary, lexicon, outOfScope };
  } catch (err) {
    throw new AppError('KNOWLEDGE_INDEX_CORRUPT', `${indexDir}: ${(err as Error).message}`, { cause: err });
  }
}
