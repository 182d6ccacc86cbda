/**
 * Loaded indexes kept per process, by content. Opening the knowledge base loads its index (the manifest,
 * BM25 table, HNSW graph and glossary, ~120 ms) and derives the retriever's spellers and lookups from it
 * (~150 ms, retriever.ts). A process opens the same index again and again: a refresh when nothing
 * changed, a second runtime over the same files, every server a test run starts over a copy of one
 * prebuilt index. The key is a hash of the bytes of every file a load reads (plus the embedding settings
 * that decide how questions are embedded), so any change on disk, a missing or a corrupt file is a miss
 * and is loaded, and reported, as before; a hit returns the very object loaded before, which nothing
 * writes to once loaded (ingest builds its own stores).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A few: an operator's refresh keeps the old index serving while the new one loads. */
const KEPT = 4;

const kept = new Map<string, unknown>();

/**
 * The content key of the index in `indexDir` with the knowledge files `knowledgeFiles` (names in
 * `knowledgeDir`, absent ones allowed) and `settings`; undefined when an index file cannot be read.
 */
export function indexContentKey(indexDir: string, indexFiles: readonly string[], knowledgeDir: string, knowledgeFiles: readonly string[], settings: unknown): string | undefined {
  const hash = createHash('sha256');
  try {
    for (const name of indexFiles) hash.update(`${name}\0`).update(readFileSync(join(indexDir, name)));
  } catch {
    return undefined;
  }
  for (const name of knowledgeFiles) {
    hash.update(`${name}\0`);
    try {
      hash.update(readFileSync(join(knowledgeDir, name)));
    } catch {
      hash.update('\0absent');
    }
  }
  return hash.update(JSON.stringify(settings ?? null)).digest('hex');
}

/** The object kept under `key`, most recently used last. */
export function keptIndex<T>(key: string | undefined): T | undefined {
  if (key === undefined || !kept.has(key)) return undefined;
  const value = kept.get(key) as T;
  kept.delete(key);
  kept.set(key, value);
  return value;
}

export function keepIndex(key: string | undefined, value: unknown): void {
  if (key === undefined) return;
  kept.delete(key);
  kept.set(key, value);
  while (kept.size > KEPT) kept.delete(kept.keys().next().value!);
}
