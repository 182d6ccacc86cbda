/**
 * Ingestion: knowledge files → chunks → vectors + BM25, saved under `<DATA_DIR>/index`.
 *
 * Incremental by content hash: a chunk whose hash is already in the index keeps its stored vector; only
 * new or changed chunks are embedded; chunks that disappeared are deleted. A full rebuild (re-fitting the
 * embedding's idf table and re-embedding everything) happens when there is no usable index, when asked,
 * when the glossary's segmentation terms change (every token stream changes with them), or when so much
 * of the corpus changed that the frozen idf table no longer describes it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { AppError } from '../app/errors.js';
import { Bm25Index, type Bm25State } from './bm25.js';
import { loadKnowledge, type Chunk, type FileProblem } from './documents.js';
import { conceptTokens, loadGlossary, type Glossary } from './glossary.js';
import { HnswVectorStore } from './hnsw-store.js';
import { LocalHashEmbeddings, type LocalEmbeddingsState } from './local-embeddings.js';
import { tokenize, useTerms } from './text.js';

/** Bump when the on-disk format or the tokenisation changes: an older index is then rebuilt. */
export const INDEX_FORMAT = 2;
export const GLOSSARY_FILE = 'glossary.yaml';
/** Above this share of changed chunks the idf table is re-fitted and everything re-embedded. */
const REFIT_CHANGE_RATIO = 0.3;

export interface Manifest {
  format: number;
  builtAt: string;
  sourceFingerprint: string;
  termsHash: string;
  embedding: LocalEmbeddingsState;
  chunks: Chunk[];
}

export interface IngestReport {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Chunks embedded in this run (added + updated, or all of them on a full rebuild). */
  embedded: number;
  total: number;
  files: number;
  fullRebuild: boolean;
  reason: string;
  problems: FileProblem[];
  durationMs: number;
}

export interface IngestOptions {
  knowledgeDir: string;
  indexDir: string;
  /** Re-fit and re-embed everything even if the index is up to date. */
  rebuild?: boolean;
}

/** What is embedded and indexed for a chunk: its place (title, headings, keywords) and its text. */
export function indexText(chunk: Pick<Chunk, 'title' | 'headingPath' | 'keywords' | 'text'>): string {
  const headings = chunk.headingPath.join(' ');
  // Headings three times: a section's name is the strongest statement of what it is about.
  return [chunk.title, headings, headings, headings, chunk.keywords.join(' '), chunk.text].filter(Boolean).join('\n');
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

/** Whether the saved index is missing or no longer matches the knowledge files. */
export function indexIsStale(knowledgeDir: string, indexDir: string): boolean {
  const m = readManifest(indexDir);
  return !m || m.sourceFingerprint !== sourceFingerprint(knowledgeDir) || !existsSync(join(indexDir, 'vectors', 'hnswlib.index'));
}

export function loadGlossaryFor(knowledgeDir: string): Glossary {
  const glossary = loadGlossary(join(knowledgeDir, GLOSSARY_FILE));
  useTerms(glossary.terms);
  return glossary;
}

/** Terms change the segmentation and synonyms the concept features: either changes every vector. */
function termsHash(glossary: Glossary): string {
  return createHash('sha256').update(JSON.stringify([glossary.terms, glossary.synonyms])).digest('hex').slice(0, 16);
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const started = Date.now();
  const { knowledgeDir, indexDir } = options;
  if (!existsSync(knowledgeDir)) throw new AppError('KNOWLEDGE_FILE_INVALID', `knowledge folder not found: ${knowledgeDir}`);
  const fingerprint = sourceFingerprint(knowledgeDir);
  const glossary = loadGlossaryFor(knowledgeDir);
  const { chunks, files, problems } = loadKnowledge(knowledgeDir);
  if (chunks.length === 0) {
    throw new AppError('KNOWLEDGE_FILE_INVALID', `no usable knowledge file in ${knowledgeDir}`, { details: { problems } });
  }

  const previous = readManifest(indexDir);
  const vectorDir = join(indexDir, 'vectors');
  let store: HnswVectorStore | undefined;
  let embeddings: LocalHashEmbeddings | undefined;
  let reason = '';
  if (options.rebuild) reason = 'rebuild requested';
  else if (!previous) reason = 'no index yet';
  else if (previous.termsHash !== termsHash(glossary)) reason = 'glossary changed';
  else {
    try {
      embeddings = new LocalHashEmbeddings({ state: previous.embedding, features: (t) => conceptTokens(glossary, t) });
      store = await HnswVectorStore.load(vectorDir, embeddings);
    } catch (err) {
      reason = `index unreadable (${(err as Error).message})`;
      store = undefined;
    }
  }

  const oldById = new Map((previous?.chunks ?? []).map((c) => [c.id, c]));
  const newIds = new Set(chunks.map((c) => c.id));
  const added = chunks.filter((c) => !oldById.has(c.id));
  const updated = chunks.filter((c) => oldById.has(c.id) && oldById.get(c.id)!.hash !== c.hash);
  const unchanged = chunks.filter((c) => oldById.get(c.id)?.hash === c.hash);
  const removed = [...oldById.keys()].filter((id) => !newIds.has(id));

  if (store && (added.length + updated.length + removed.length) / chunks.length > REFIT_CHANGE_RATIO) {
    reason = `${added.length + updated.length + removed.length} of ${chunks.length} chunks changed`;
    store = undefined;
  }

  let embedded: Chunk[];
  if (!store) {
    embeddings = new LocalHashEmbeddings({ features: (t) => conceptTokens(glossary, t) });
    embeddings.fit(chunks.map(indexText));
    store = new HnswVectorStore(embeddings);
    embedded = chunks;
  } else {
    await store.delete({ ids: [...removed, ...updated.map((c) => c.id)] });
    embedded = [...added, ...updated];
  }
  if (embedded.length > 0) {
    const vectors = await embeddings!.embedDocuments(embedded.map(indexText));
    await store.addVectors(
      vectors,
      embedded.map((c) => new Document({ pageContent: c.text, metadata: { chunkId: c.id, hash: c.hash }, id: c.id })),
      { ids: embedded.map((c) => c.id) },
    );
  }

  const bm25 = new Bm25Index();
  for (const c of chunks) bm25.add(c.id, tokenize(indexText(c)));

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
    termsHash: termsHash(glossary),
    embedding: embeddings!.toJSON(),
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
  };
}

export interface LoadedIndex {
  manifest: Manifest;
  embeddings: LocalHashEmbeddings;
  vectors: HnswVectorStore;
  bm25: Bm25Index;
  glossary: Glossary;
}

export async function loadIndex(knowledgeDir: string, indexDir: string): Promise<LoadedIndex> {
  const manifest = readManifest(indexDir);
  if (!manifest) throw new AppError('KNOWLEDGE_INDEX_MISSING', `run "pos-assist ingest" (looked in ${indexDir})`);
  const glossary = loadGlossaryFor(knowledgeDir);
  try {
    const embeddings = new LocalHashEmbeddings({ state: manifest.embedding, features: (t) => conceptTokens(glossary, t) });
    const vectors = await HnswVectorStore.load(join(indexDir, 'vectors'), embeddings);
    const bm25 = Bm25Index.fromJSON(JSON.parse(readFileSync(join(indexDir, 'bm25.json'), 'utf8')) as Bm25State);
    return { manifest, embeddings, vectors, bm25, glossary };
  } catch (err) {
    throw new AppError('KNOWLEDGE_INDEX_CORRUPT', `${indexDir}: ${(err as Error).message}`, { cause: err });
  }
}
