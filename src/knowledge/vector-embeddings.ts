/**
 * Which embedding builds the HNSW vectors: the local hashed TF-IDF (default), a remote
 * OpenAI-compatible endpoint (`EMBEDDINGS=openai`: OpenAI, DashScope compatible mode, vLLM, Ollama …) or
 * an ONNX sentence-embedding model in a local folder (`EMBEDDINGS=onnx`, see onnx-embeddings.ts).
 *
 * Only the vector *ranking* uses the remote (or ONNX) embedding. The local TF-IDF model is still fitted and
 * stored with every index, because the retriever's confidence (coverage + local cosine) and the confidence
 * gate calibrated on it depend on it, not on whichever model ranks the candidates.
 *
 * The manifest records a descriptor of the embedding that built the vectors; vectors from different
 * embeddings are not comparable, so a change of provider, model or endpoint means a full rebuild.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { OpenAIEmbeddings } from '@langchain/openai';
import { OnnxEmbeddings, onnxModelId, type OnnxPooling } from './onnx-embeddings.js';
import { AppError } from '../core/errors.js';

export type EmbeddingProvider = 'local' | 'openai' | 'onnx';

/** The embedding settings the knowledge base takes; `Config['embeddings']` is one. */
export interface EmbeddingSettings {
  readonly provider: EmbeddingProvider;
  readonly model?: string;
  /** Texts per request (DashScope accepts at most 10). */
  readonly batchSize?: number;
  readonly apiKey?: string | undefined;
  /** Default: OpenAI's `https://api.openai.com/v1`. */
  readonly baseUrl?: string | undefined;
  /** Wire encoding to ask for. Default: the openai SDK's (base64). Both are decoded. */
  readonly encodingFormat?: 'float' | 'base64';
  /** Per-request timeout for a question's embedding (default 5 s: the answer falls back to BM25 after it). */
  readonly queryTimeoutMs?: number;
  /** Per-request timeout while ingesting (default 60 s). */
  readonly documentTimeoutMs?: number;
  /** Retries of a failed request while ingesting, with backoff (default 2; a question is never retried). */
  readonly maxRetries?: number;
  /** `onnx`: the model folder (tokenizer.json, config.json, onnx/model.onnx …). */
  readonly modelDir?: string | undefined;
  /** `onnx`: how the token vectors become one (default `cls`, as bge models use). */
  readonly pooling?: OnnxPooling | undefined;
}

export type VectorEmbeddingDescriptor =
  | { provider: 'local' }
  /** `endpoint` is the base URL's origin and path only: never credentials or a query string. */
  | { provider: 'openai'; model: string; endpoint: string; dimensions?: number }
  /** `model` is the folder's name and a hash of its model and tokenizer files: `bge-small-zh-v1.5@3f2a9c01d4e7`. */
  | { provider: 'onnx'; model: string; pooling: OnnxPooling; dimensions?: number };

/** What embeds texts for the vector side when it is not the local model: the remote endpoint or the ONNX model. */
export interface VectorEmbedder extends EmbeddingsInterface {
  /** What logs name: the model … */
  readonly model: string;
  /** … and where it runs (the endpoint, or the ONNX model's folder). */
  readonly endpoint: string;
  /** For error messages: `openai text-embedding-v3 @ https://…/v1`, `onnx bge-small-zh-v1.5@…, cls pooling (/models/…)`. */
  readonly label: string;
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_OPENAI_EMBEDDINGS_MODEL = 'text-embedding-3-small';
const QUERY_TIMEOUT_MS = 5_000;
const DOCUMENT_TIMEOUT_MS = 60_000;

export function isRemote(settings: EmbeddingSettings | undefined): settings is EmbeddingSettings & { provider: 'openai' } {
  return settings?.provider === 'openai';
}

/** Origin + path of a base URL, without user info, query or fragment, and without a trailing slash. */
export function endpointOf(baseUrl: string | undefined): string {
  const raw = baseUrl ?? DEFAULT_OPENAI_BASE_URL;
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  } catch {
    // Not a URL (config validation normally prevents this): keep nothing that could be a secret.
    return 'invalid-url';
  }
}

/**
 * What the configured settings would record (dimensions are known only after embedding). For `onnx` this
 * hashes the model file (once per file version: see onnxModelId).
 */
export function describeEmbedding(settings: EmbeddingSettings | undefined): VectorEmbeddingDescriptor {
  if (settings?.provider === 'onnx') return { provider: 'onnx', model: onnxModelId(onnxDir(settings)), pooling: settings.pooling ?? 'cls' };
  if (!isRemote(settings)) return { provider: 'local' };
  return { provider: 'openai', model: settings.model ?? DEFAULT_OPENAI_EMBEDDINGS_MODEL, endpoint: endpointOf(settings.baseUrl) };
}

/** Whether vectors made by one embedding can be compared with vectors made by the other. */
export function sameEmbedding(a: VectorEmbeddingDescriptor, b: VectorEmbeddingDescriptor): boolean {
  if (a.provider === 'local' || b.provider === 'local') return a.provider === b.provider;
  if (a.provider === 'onnx' || b.provider === 'onnx') {
    return a.provider === 'onnx' && b.provider === 'onnx' && a.model === b.model && a.pooling === b.pooling;
  }
  return a.model === b.model && a.endpoint === b.endpoint;
}

/**
 * Short human label: `local`, `openai text-embedding-v3` (with the endpoint when asked),
 * `onnx bge-small-zh-v1.5@3f2a9c01d4e7, cls pooling`.
 */
export function embeddingLabel(d: VectorEmbeddingDescriptor, withEndpoint = false): string {
  if (d.provider === 'local') return 'local';
  if (d.provider === 'onnx') return `onnx ${d.model}, ${d.pooling} pooling`;
  return withEndpoint ? `openai ${d.model} @ ${d.endpoint}` : `openai ${d.model}`;
}

/**
 * The embedder for the vector side with these settings: the remote endpoint (`openai`), the ONNX model
 * (`onnx`), or undefined for the local model. `purpose` sets timeouts and retries (remote) or starts
 * loading the model at once (a question's ONNX embedder).
 */
export function vectorEmbedder(settings: EmbeddingSettings | undefined, purpose: 'documents' | 'query'): VectorEmbedder | undefined {
  if (settings?.provider === 'onnx') {
    return new OnnxEmbeddings({ modelDir: onnxDir(settings), pooling: settings.pooling, batchSize: settings.batchSize }, purpose);
  }
  return isRemote(settings) ? new RemoteEmbeddings(settings, purpose) : undefined;
}

function onnxDir(settings: EmbeddingSettings): string {
  // Config validation requires the folder; an empty path would otherwise mean the working directory.
  return settings.modelDir ?? 'EMBEDDINGS_MODEL_DIR-unset';
}

/** `local → openai text-embedding-v3`; the endpoints are named when only they differ. */
export function embeddingChange(from: VectorEmbeddingDescriptor, to: VectorEmbeddingDescriptor): string {
  const endpointsOnly = from.provider === 'openai' && to.provider === 'openai' && from.model === to.model;
  return `${embeddingLabel(from, endpointsOnly)} → ${embeddingLabel(to, endpointsOnly)}`;
}

/**
 * `OpenAIEmbeddings` with its answers checked and normalised to plain `number[]`: an explicitly requested
 * base64 encoding comes back from the openai SDK undecoded (a string), the default one as a number array.
 */
export class RemoteEmbeddings implements VectorEmbedder {
  readonly model: string;
  readonly endpoint: string;
  private readonly client: OpenAIEmbeddings;

  constructor(settings: EmbeddingSettings, purpose: 'documents' | 'query') {
    this.model = settings.model ?? DEFAULT_OPENAI_EMBEDDINGS_MODEL;
    this.endpoint = endpointOf(settings.baseUrl);
    this.client = new OpenAIEmbeddings({
      model: this.model,
      // Never fall back to OPENAI_API_KEY from the environment behind the configuration's back.
      apiKey: settings.apiKey ?? 'missing-api-key',
      batchSize: settings.batchSize ?? 512,
      // A question is asked once: if the endpoint does not answer quickly, BM25 answers alone.
      maxRetries: purpose === 'query' ? 0 : (settings.maxRetries ?? 2),
      timeout: purpose === 'query' ? (settings.queryTimeoutMs ?? QUERY_TIMEOUT_MS) : (settings.documentTimeoutMs ?? DOCUMENT_TIMEOUT_MS),
      ...(settings.encodingFormat ? { encodingFormat: settings.encodingFormat } : {}),
      configuration: { baseURL: settings.baseUrl ?? DEFAULT_OPENAI_BASE_URL },
    });
  }

  get batchSize(): number {
    return this.client.batchSize;
  }

  get label(): string {
    return embeddingLabel({ provider: 'openai', model: this.model, endpoint: this.endpoint }, true);
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    const raw = (await this.client.embedDocuments(documents)) as unknown[];
    if (raw.length !== documents.length) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `the endpoint returned ${raw.length} embeddings for ${documents.length} texts`);
    const vectors = raw.map(toVector);
    const dims = vectors[0]!.length;
    vectors.forEach((v, i) => {
      if (v.length !== dims) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `embedding ${i} has ${v.length} dimensions, the first ${dims}`);
    });
    return vectors;
  }

  async embedQuery(document: string): Promise<number[]> {
    return toVector(await this.client.embedQuery(document));
  }
}

/** A float array, a typed array or a base64 string of little-endian float32 → `number[]`. */
export function toVector(value: unknown): number[] {
  let v: number[];
  if (typeof value === 'string') {
    const buf = Buffer.from(value, 'base64');
    if (buf.length === 0 || buf.length % 4 !== 0) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', 'an embedding is not valid base64 float32 data');
    const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    v = Array.from(floats);
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    v = Array.from(value as ArrayLike<number>, Number);
  } else {
    throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `an embedding is ${value === null ? 'null' : typeof value}, not a vector`);
  }
  if (v.length === 0) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', 'an embedding is empty');
  if (!v.every(Number.isFinite)) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', 'an embedding contains a non-finite number');
  return v;
}
