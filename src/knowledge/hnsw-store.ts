/**
 * A LangChain `VectorStore` over hnswlib-node. (@langchain/community has one, but it cannot be installed
 * beside zod 4 — see STACK.md.) The on-disk layout is LangChain's own — `hnswlib.index`, `args.json`,
 * `docstore.json` — so the folder stays readable by its tooling.
 *
 * Documents are addressed by string ids (our chunk ids); hnswlib needs integer labels, so the store
 * keeps the mapping. Deletion marks the label deleted in the graph and drops the document; a later add
 * takes a fresh label. That is what makes incremental ingestion cheap: nothing unchanged moves.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { SaveableVectorStore } from '@langchain/core/vectorstores';
import type { HierarchicalNSW as HnswIndex } from 'hnswlib-node';
import { AppError } from '../core/errors.js';

const require = createRequire(import.meta.url);
const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');

interface Args {
  space: 'cosine';
  numDimensions: number;
  nextLabel: number;
}

/** Search breadth: far above k for our corpus sizes, so approximate search returns the exact neighbours. */
const SEARCH_EF = 200;

type Entry = [label: number, doc: { pageContent: string; metadata: Record<string, unknown>; id: string }];

export class HnswVectorStore extends SaveableVectorStore {
  declare FilterType: (doc: DocumentInterface) => boolean;

  private index: HnswIndex | undefined;
  private numDimensions: number | undefined;
  private nextLabel = 0;
  private readonly docs = new Map<number, DocumentInterface>();
  private readonly labels = new Map<string, number>();

  constructor(embeddings: EmbeddingsInterface, args: { numDimensions?: number } = {}) {
    super(embeddings, args);
    this.numDimensions = args.numDimensions;
  }

  _vectorstoreType(): string {
    return 'hnswlib';
  }

  get size(): number {
    return this.docs.size;
  }

  /** The vectors' length (undefined until the first vector is added). */
  get dimensions(): number | undefined {
    return this.numDimensions;
  }

  /** A stored document's vector (as the cosine space keeps it: normalised), or undefined. */
  vectorOf(id: string): number[] | undefined {
    const label = this.labels.get(id);
    return label === undefined || !this.index ? undefined : this.index.getPoint(label);
  }

  has(id: string): boolean {
    return this.labels.has(id);
  }

  ids(): string[] {
    return [...this.labels.keys()];
  }

  async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    if (vectors.length !== documents.length) throw new AppError('KNOWLEDGE_INDEX_MISMATCH', 'addVectors: one vector per document');
    if (vectors.length === 0) return [];
    const dims = vectors[0]!.length;
    const index = this.ensureIndex(dims);
    const needed = this.nextLabel + vectors.length;
    if (needed > index.getMaxElements()) index.resizeIndex(Math.max(needed, index.getMaxElements() * 2));
    const ids: string[] = [];
    vectors.forEach((vector, i) => {
      if (vector.length !== dims) throw new AppError('KNOWLEDGE_INDEX_MISMATCH', `addVectors: vector ${i} has ${vector.length} dimensions, expected ${dims}`);
      const doc = documents[i]!;
      const id = options?.ids?.[i] ?? doc.id ?? String(this.nextLabel);
      if (this.labels.has(id)) this.removeId(id);
      const label = this.nextLabel++;
      index.addPoint(vector, label);
      this.docs.set(label, new Document({ pageContent: doc.pageContent, metadata: { ...doc.metadata }, id }));
      this.labels.set(id, label);
      ids.push(id);
    });
    return ids;
  }

  override async delete(params: { ids: string[] }): Promise<void> {
    for (const id of params.ids) this.removeId(id);
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    if (!this.index || this.docs.size === 0) return [];
    if (!query.some((x) => x !== 0)) return []; // no direction, nothing is similar
    if (query.length !== this.numDimensions) {
      throw new AppError('KNOWLEDGE_INDEX_MISMATCH', `query has ${query.length} dimensions, the index ${this.numDimensions}`);
    }
    const n = Math.min(k, this.docs.size);
    const labelFilter = filter ? (label: number) => this.docs.has(label) && filter(this.docs.get(label)!) : undefined;
    const { neighbors, distances } = this.index.searchKnn(query, n, labelFilter);
    // hnswlib's cosine space returns a distance (1 - cosine); callers want a similarity.
    return neighbors.map((label, i) => [this.docs.get(label)!, 1 - distances[i]!] as [DocumentInterface, number]);
  }

  /**
   * Rebuilds the graph from the live points when deleted ones outnumber them (each knowledge edit
   * leaves its old chunks marked deleted). Vectors are read back from the index, not re-embedded.
   */
  compact(): boolean {
    const index = this.index;
    if (!index) return false;
    const dead = index.getCurrentCount() - this.docs.size;
    if (dead <= this.docs.size) return false;
    const live = [...this.docs.entries()].map(([label, doc]) => ({ vector: index.getPoint(label), doc }));
    this.index = undefined;
    this.docs.clear();
    this.labels.clear();
    this.nextLabel = 0;
    const fresh = this.ensureIndex(this.numDimensions!);
    if (live.length > fresh.getMaxElements()) fresh.resizeIndex(live.length);
    for (const { vector, doc } of live) {
      const label = this.nextLabel++;
      fresh.addPoint(vector, label);
      this.docs.set(label, doc);
      this.labels.set(doc.id!, label);
    }
    return true;
  }

  async save(directory: string): Promise<void> {
    mkdirSync(directory, { recursive: true });
    if (!this.index) throw new AppError('KNOWLEDGE_INDEX_MISSING', 'nothing to save: the index is empty');
    this.compact();
    // Write to temporary names, then rename: a crash mid-save leaves the previous index readable.
    const tmp = (name: string) => join(directory, `${name}.tmp`);
    await this.index.writeIndex(tmp('hnswlib.index'));
    const args: Args = { space: 'cosine', numDimensions: this.numDimensions!, nextLabel: this.nextLabel };
    writeFileSync(tmp('args.json'), JSON.stringify(args));
    const entries: Entry[] = [...this.docs].map(([label, d]) => [
      label,
      { pageContent: d.pageContent, metadata: d.metadata, id: d.id! },
    ]);
    writeFileSync(tmp('docstore.json'), JSON.stringify(entries));
    for (const name of ['hnswlib.index', 'args.json', 'docstore.json']) renameSync(tmp(name), join(directory, name));
  }

  static override async load(directory: string, embeddings: EmbeddingsInterface): Promise<HnswVectorStore> {
    for (const name of ['hnswlib.index', 'args.json', 'docstore.json']) {
      if (!existsSync(join(directory, name))) throw new AppError('KNOWLEDGE_INDEX_MISSING', `missing ${name} in ${directory}`);
    }
    const args = JSON.parse(readFileSync(join(directory, 'args.json'), 'utf8')) as Args;
    const store = new HnswVectorStore(embeddings, { numDimensions: args.numDimensions });
    const index = new HierarchicalNSW(args.space, args.numDimensions);
    await index.readIndex(join(directory, 'hnswlib.index'), false);
    index.setEf(SEARCH_EF);
    store.index = index;
    store.nextLabel = args.nextLabel;
    const entries = JSON.parse(readFileSync(join(directory, 'docstore.json'), 'utf8')) as Entry[];
    for (const [label, d] of entries) {
      store.docs.set(label, new Document({ pageContent: d.pageContent, metadata: d.metadata, id: d.id }));
      store.labels.set(d.id, label);
    }
    return store;
  }

  private ensureIndex(dims: number): HnswIndex {
    if (this.index) {
      if (dims !== this.numDimensions) throw new AppError('KNOWLEDGE_INDEX_MISMATCH', `vectors have ${dims} dimensions, the index ${this.numDimensions}`);
      return this.index;
    }
    this.numDimensions = dims;
    this.index = new HierarchicalNSW('cosine', dims);
    // A fixed seed keeps graph construction, and so search results, reproducible.
    this.index.initIndex({ maxElements: 256, m: 16, efConstruction: 200, randomSeed: 100 });
    this.index.setEf(SEARCH_EF);
    return this.index;
  }

  private removeId(id: string): void {
    const label = this.labels.get(id);
    if (label === undefined) return;
    this.index?.markDelete(label);
    this.docs.delete(label);
    this.labels.delete(id);
  }
}
