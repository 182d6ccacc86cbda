/**
 * `EMBEDDINGS=onnx`: a sentence-embedding model in ONNX format, from a folder the operator provides
 * (`EMBEDDINGS_MODEL_DIR`), run on the CPU through transformers.js (`@huggingface/transformers`) and
 * onnxruntime-node. The folder is laid out as Hugging Face ships such models, e.g. bge-small-zh-v1.5:
 * `tokenizer.json`, `tokenizer_config.json`, `config.json`, and `onnx/model.onnx` (or `model.onnx`).
 *
 * Files only: the library is told never to fetch anything (no Hub, no cache writes, and a `fetch` that
 * refuses), so a missing file is an error naming the folder, never a download.
 *
 * A text's vector is the model's last hidden state pooled over the tokens — the first token's (`cls`, what
 * bge uses) or the mean of the real tokens (`mean`) — and L2-normalised. Like `EMBEDDINGS=openai`, these
 * vectors are used for the vector side of retrieval only (see vector-embeddings.ts).
 *
 * The index records the model as the folder's name plus a hash of the model and tokenizer files
 * (`bge-small-zh-v1.5@3f2a…`), so replacing the model, even under the same folder name, rebuilds it.
 *
 * transformers.js is imported on first use, so the rest of the program never loads it. A loaded model is
 * shared by every user in the process (ingestion and questions); its runs are serialised.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { AppError, isAppError } from '../core/errors.js';

export const ONNX_POOLINGS = ['cls', 'mean'] as const;
export type OnnxPooling = (typeof ONNX_POOLINGS)[number];

/** Where the model file may be, in the order it is looked for. */
export const ONNX_MODEL_FILES = ['onnx/model.onnx', 'model.onnx'] as const;
/** The other files the folder must have. */
export const ONNX_REQUIRED_FILES = ['tokenizer.json', 'tokenizer_config.json', 'config.json'] as const;
/** Texts per model run while ingesting (padding makes a batch as long as its longest text). */
export const DEFAULT_ONNX_BATCH_SIZE = 16;
/** After a failed load, questions fall back to BM25 without retrying the load for this long. */
const RETRY_LOAD_AFTER_MS = 30_000;
/** Longest input when neither the tokenizer nor the model config says (BERT-style models take 512). */
const DEFAULT_MAX_TOKENS = 512;

export interface OnnxEmbeddingSettings {
  /** The model folder (absolute, or relative to the working directory). */
  readonly modelDir: string;
  /** Default `cls` (bge). */
  readonly pooling?: OnnxPooling | undefined;
  /** Texts per model run while ingesting (default 16). */
  readonly batchSize?: number | undefined;
}

/** The model file in a folder (`onnx/model.onnx` first), or undefined. */
export function onnxModelFile(dir: string): string | undefined {
  for (const f of ONNX_MODEL_FILES) {
    const file = path.join(dir, f);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/** What is wrong with a model folder, or undefined when it has every file a model needs. */
export function onnxModelProblem(dir: string): string | undefined {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    return `folder not found: ${dir}`;
  }
  if (!isDir) return `not a folder: ${dir}`;
  if (!onnxModelFile(dir)) return `no ONNX model in ${dir} (looked for ${ONNX_MODEL_FILES.join(' and ')})`;
  const missing = ONNX_REQUIRED_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) return `${missing.join(', ')} missing in ${dir} (a Hugging Face model folder has them beside the model)`;
  return undefined;
}

const hashes = new Map<string, { stamp: string; hash: string }>();

/**
 * `<folder name>@<12 hex digits>`: the hash covers the model file and tokenizer.json (either changes every
 * vector). Hashes are remembered per file size and modification time, so asking again costs a `stat`.
 * An unreadable folder gives `<name>@unreadable` (it then matches no index, and loading it fails loudly).
 */
export function onnxModelId(modelDir: string): string {
  const dir = path.resolve(modelDir);
  const name = path.basename(dir);
  const model = onnxModelFile(dir);
  if (!model) return `${name}@unreadable`;
  const files = [model, path.join(dir, 'tokenizer.json')];
  try {
    const stamp = files
      .map((f) => {
        const s = statSync(f);
        return `${f}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
    const known = hashes.get(dir);
    if (known?.stamp === stamp) return `${name}@${known.hash}`;
    const h = createHash('sha256');
    for (const f of files) hashFile(h, f);
    const hash = h.digest('hex').slice(0, 12);
    hashes.set(dir, { stamp, hash });
    return `${name}@${hash}`;
  } catch {
    return `${name}@unreadable`;
  }
}

/** Reads in chunks: model files can be larger than one Buffer may be. */
function hashFile(h: ReturnType<typeof createHash>, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  h.update('\0');
}

// ── Loading (shared per process) ─────────────────────────────────────────────────────────────────────

/** The parts of transformers.js this module uses (its own types are loose for these calls). */
interface Encoded {
  input_ids: Tensor;
  attention_mask: Tensor;
  [name: string]: Tensor;
}
interface Tensor {
  dims: number[];
  data: ArrayLike<number | bigint>;
}
type Tokenizer = ((texts: string[], options: { padding: boolean; truncation: boolean; max_length?: number }) => Encoded) & {
  model_max_length?: number;
  sep_token_id?: number | null;
};
type Model = ((inputs: Encoded) => Promise<Record<string, Tensor>>) & { config?: { max_position_embeddings?: number } };

interface LoadedModel {
  tokenizer: Tokenizer;
  model: Model;
  maxTokens: number;
  /** The token a text's encoding ends with ([SEP] for BERT models), put back where truncation cut it off. */
  endToken: number | undefined;
  /** Runs one after another: one session, no interleaving. */
  queue: Promise<unknown>;
}

const loaded = new Map<string, { promise: Promise<LoadedModel>; failedAt?: number }>();

/** Forgets every loaded model (tests; the next use loads again). */
export function resetOnnxModels(): void {
  loaded.clear();
}

function loadModel(dir: string, id: string): Promise<LoadedModel> {
  const key = `${dir}\0${id}`;
  const known = loaded.get(key);
  if (known && (known.failedAt === undefined || Date.now() - known.failedAt < RETRY_LOAD_AFTER_MS)) return known.promise;
  // Another version of this folder's model is no longer wanted here.
  for (const k of loaded.keys()) if (k.startsWith(`${dir}\0`)) loaded.delete(k);
  const entry: { promise: Promise<LoadedModel>; failedAt?: number } = { promise: load(dir) };
  entry.promise.catch(() => {
    entry.failedAt = Date.now();
  });
  loaded.set(key, entry);
  return entry.promise;
}

async function load(dir: string): Promise<LoadedModel> {
  const problem = onnxModelProblem(dir);
  if (problem) throw new AppError('KNOWLEDGE_EMBEDDINGS_MODEL', problem);
  const file = onnxModelFile(dir)!;
  const t = await import('@huggingface/transformers');
  // Local files only, nothing written beside the library, nothing fetched.
  t.env.allowLocalModels = true;
  t.env.allowRemoteModels = false;
  t.env.useFSCache = false;
  t.env.useBrowserCache = false;
  t.env.fetch = () => Promise.reject(new Error('network access is disabled for EMBEDDINGS=onnx'));
  t.env.logLevel = t.LogLevel.ERROR;
  const tokenizer = (await t.AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as Tokenizer;
  const model = (await t.AutoModel.from_pretrained(dir, {
    local_files_only: true,
    subfolder: path.dirname(path.relative(dir, file)) === '.' ? '' : 'onnx',
    model_file_name: 'model',
    dtype: 'fp32',
    device: 'cpu',
  })) as unknown as Model;
  const limits = [tokenizer.model_max_length, model.config?.max_position_embeddings].filter(
    (n): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0 && n < 1e6,
  );
  // Does an encoding end with the separator (BERT: [CLS] text [SEP])? Then a truncated one must too.
  const sep = tokenizer.sep_token_id;
  const probe = tokenizer(['a'], { padding: false, truncation: false }).input_ids;
  const endToken = typeof sep === 'number' && Number(probe.data[probe.data.length - 1]) === sep ? sep : undefined;
  return { tokenizer, model, maxTokens: limits.length > 0 ? Math.min(...limits) : DEFAULT_MAX_TOKENS, endToken, queue: Promise.resolve() };
}

/**
 * transformers.js truncates an encoding after adding the special tokens, so a long text loses its final
 * [SEP]; Hugging Face's Python tokenizers (and so the vectors a model was trained and evaluated with) keep
 * it and drop one more text token instead. This puts it back in every row that was cut.
 */
function keepEndToken(inputs: Encoded, endToken: number | undefined): void {
  if (endToken === undefined) return;
  const [rows, width] = inputs.input_ids.dims as [number, number];
  const ids = inputs.input_ids.data as unknown as BigInt64Array;
  const mask = inputs.attention_mask.data;
  const end = BigInt(endToken);
  for (let r = 0; r < rows; r++) {
    const last = r * width + width - 1;
    // A row that fills the width and does not end with the separator was cut.
    if (Number(mask[last]) !== 0 && ids[last] !== end) ids[last] = end;
  }
}

// ── Embedding ────────────────────────────────────────────────────────────────────────────────────────

export class OnnxEmbeddings implements EmbeddingsInterface {
  /** `<folder name>@<hash>`, as the index records it. */
  readonly model: string;
  /** The model folder (absolute): where the vectors come from. */
  readonly endpoint: string;
  readonly pooling: OnnxPooling;
  readonly batchSize: number;

  constructor(settings: OnnxEmbeddingSettings, purpose: 'documents' | 'query') {
    this.endpoint = path.resolve(settings.modelDir);
    this.model = onnxModelId(this.endpoint);
    this.pooling = settings.pooling ?? 'cls';
    this.batchSize = settings.batchSize ?? DEFAULT_ONNX_BATCH_SIZE;
    // Questions should not wait for the model to load: start now (a failure shows at the first question).
    if (purpose === 'query') this.session().catch(() => undefined);
  }

  get label(): string {
    return `onnx ${this.model}, ${this.pooling} pooling (${this.endpoint})`;
  }

  private async session(): Promise<LoadedModel> {
    try {
      return await loadModel(this.endpoint, this.model);
    } catch (err) {
      const reason = isAppError(err) ? err.detail : (err as Error).message;
      throw new AppError('KNOWLEDGE_EMBEDDINGS_MODEL', `the ONNX model in ${this.endpoint} could not be loaded: ${reason}`, { cause: err });
    }
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < documents.length; i += this.batchSize) out.push(...(await this.run(documents.slice(i, i + this.batchSize))));
    return out;
  }

  async embedQuery(document: string): Promise<number[]> {
    return (await this.run([document]))[0]!;
  }

  private async run(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const m = await this.session();
    const job = m.queue.then(async () => {
      const inputs = m.tokenizer(texts, { padding: true, truncation: true, max_length: m.maxTokens });
      keepEndToken(inputs, m.endToken);
      const outputs = await m.model(inputs);
      return pool(outputs, inputs.attention_mask, this.pooling, texts.length);
    });
    m.queue = job.catch(() => undefined);
    return job;
  }
}

/**
 * The model's token vectors → one unit vector per text. `last_hidden_state` is [batch, tokens, dims]; a
 * model that already pools (a [batch, dims] output such as `sentence_embedding`) is taken as it is.
 */
export function pool(outputs: Record<string, Tensor>, mask: Tensor, pooling: OnnxPooling, count: number): number[][] {
  const hidden = outputs.last_hidden_state ?? outputs.token_embeddings ?? outputs.sentence_embedding ?? Object.values(outputs)[0];
  if (!hidden) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', 'the model returned no output');
  const data = hidden.data as ArrayLike<number>;
  const vectors: number[][] = [];
  if (hidden.dims.length === 2) {
    const [batch, dims] = hidden.dims as [number, number];
    if (batch !== count) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `the model returned ${batch} vectors for ${count} texts`);
    for (let b = 0; b < batch; b++) vectors.push(Array.from({ length: dims }, (_, d) => data[b * dims + d]!));
  } else if (hidden.dims.length === 3) {
    const [batch, tokens, dims] = hidden.dims as [number, number, number];
    if (batch !== count) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `the model returned ${batch} vectors for ${count} texts`);
    for (let b = 0; b < batch; b++) {
      const v = new Array<number>(dims).fill(0);
      if (pooling === 'cls') {
        for (let d = 0; d < dims; d++) v[d] = data[b * tokens * dims + d]!;
      } else {
        let n = 0;
        for (let t = 0; t < tokens; t++) {
          if (Number(mask.data[b * tokens + t]) === 0) continue;
          n++;
          for (let d = 0; d < dims; d++) v[d]! += data[(b * tokens + t) * dims + d]!;
        }
        for (let d = 0; d < dims; d++) v[d]! /= Math.max(1, n);
      }
      vectors.push(v);
    }
  } else {
    throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `the model's output has ${hidden.dims.length} dimensions (expected [batch, tokens, dims])`);
  }
  return vectors.map((v, i) => {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (!Number.isFinite(norm) || norm === 0) throw new AppError('KNOWLEDGE_EMBEDDINGS_INVALID', `the model's vector for text ${i} is ${Number.isFinite(norm) ? 'zero' : 'not finite'}`);
    return v.map((x) => x / norm);
  });
}
