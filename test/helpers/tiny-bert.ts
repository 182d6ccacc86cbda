/**
 * A real, tiny BERT-style sentence-embedding model folder, written from scratch (no download): the ONNX
 * file is encoded here with a minimal protobuf writer, and the tokenizer is a WordPiece tokenizer.json
 * with the BERT normaliser (lower case, one token per CJK character) — what bge-small-zh ships, in small.
 *
 * The graph, opset 13, inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, seq]):
 *
 *   tokens  = Gather(word_embeddings, input_ids) + Gather(type_embeddings, token_type_ids)
 *   context = ReduceSum(Gather(context_embeddings, input_ids) * attention_mask, axis 1, keepdims)
 *   last_hidden_state = tokens + context                   — float [batch, seq, dims]
 *
 * so every token's vector, the first ([CLS] pooling) included, depends on every real token of the text,
 * as in a real encoder; padding positions get vectors too (as in BERT), which mean pooling must leave
 * out. `expectedVector` computes any text's pooled vector from the tables, independently of the code
 * under test.
 */
import fs from 'node:fs';
import path from 'node:path';

// ── A protobuf writer: just what ModelProto needs ──────────────────────────────────────────────────────

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number | bigint) => Buffer.concat([key(field, 0), varint(n)]);
function bytes(field: number, value: string | Uint8Array): Buffer {
  const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  return Buffer.concat([key(field, 2), varint(buf.length), buf]);
}
const message = (field: number, parts: Buffer[]) => bytes(field, Buffer.concat(parts));

// onnx.proto field numbers and enums.
const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

function tensor(name: string, dims: number[], type: number, raw: Uint8Array): Buffer {
  // GraphProto.initializer = 5; TensorProto: dims 1, data_type 2, name 8, raw_data 9.
  return message(5, [...dims.map((d) => int(1, d)), int(2, type), bytes(8, name), bytes(9, raw)]);
}

function valueInfo(field: number, name: string, type: number, dims: (number | string)[]): Buffer {
  // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.
  const shape = message(2, dims.map((d) => message(1, [typeof d === 'number' ? int(1, d) : bytes(2, d)])));
  return message(field, [bytes(1, name), message(2, [message(1, [int(1, type), shape])])]);
}

function node(op: string, inputs: string[], outputs: string[], attributes: Buffer[] = []): Buffer {
  // GraphProto.node = 1; NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  return message(1, [...inputs.map((i) => bytes(1, i)), ...outputs.map((o) => bytes(2, o)), bytes(3, `${outputs[0]}_node`), bytes(4, op), ...attributes]);
}

/** AttributeProto: name 1, i 3, type 20. */
const intAttribute = (name: string, value: number) => message(5, [bytes(1, name), int(3, value), int(20, ATTR_INT)]);

const floats = (rows: number[][]) => new Uint8Array(new Float32Array(rows.flat()).buffer);
const int64s = (xs: number[]) => new Uint8Array(new BigInt64Array(xs.map(BigInt)).buffer);

/** The ONNX ModelProto bytes of the graph above. */
export function tinyBertOnnx(wordEmbeddings: number[][], typeEmbeddings: number[][], contextEmbeddings: number[][]): Buffer {
  const dims = wordEmbeddings[0]!.length;
  const graph = [
    node('Gather', ['word_embeddings', 'input_ids'], ['words']),
    node('Gather', ['type_embeddings', 'token_type_ids'], ['types']),
    node('Add', ['words', 'types'], ['tokens']),
    node('Gather', ['context_embeddings', 'input_ids'], ['contributions']),
    node('Cast', ['attention_mask'], ['mask_float'], [intAttribute('to', FLOAT)]),
    node('Unsqueeze', ['mask_float', 'last_axis'], ['mask']),
    node('Mul', ['contributions', 'mask'], ['real_contributions']),
    node('ReduceSum', ['real_contributions', 'sequence_axis'], ['context'], [intAttribute('keepdims', 1)]),
    node('Add', ['tokens', 'context'], ['last_hidden_state']),
    bytes(2, 'tiny-bert'),
    tensor('word_embeddings', [wordEmbeddings.length, dims], FLOAT, floats(wordEmbeddings)),
    tensor('type_embeddings', [typeEmbeddings.length, dims], FLOAT, floats(typeEmbeddings)),
    tensor('context_embeddings', [contextEmbeddings.length, dims], FLOAT, floats(contextEmbeddings)),
    tensor('last_axis', [1], INT64, int64s([-1])),
    tensor('sequence_axis', [1], INT64, int64s([1])),
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    valueInfo(11, 'token_type_ids', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', dims]),
  ];
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (domain 1, version 2).
  return Buffer.concat([int(1, 8), bytes(2, 'pos-assist-tests'), message(7, graph), message(8, [bytes(1, ''), int(2, 13)])]);
}

// ── The model folder ─────────────────────────────────────────────────────────────────────────────────

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface TinyBert {
  dir: string;
  dims: number;
  vocab: Map<string, number>;
  wordEmbeddings: number[][];
  typeEmbeddings: number[][];
  contextEmbeddings: number[][];
  /** The file the ONNX model was written to. */
  modelFile: string;
}

export interface TinyBertOptions {
  /** Words of the vocabulary besides the special tokens (CJK characters one by one, lower-case words). */
  words: Iterable<string>;
  dims?: number;
  /** Seeds the embedding tables: another seed is another model. */
  seed?: number;
  /** `onnx`: onnx/model.onnx (as bge-small-zh-v1.5 ships it); `root`: model.onnx beside the tokenizer. */
  layout?: 'onnx' | 'root';
  /** tokenizer_config.json's model_max_length (default 512). */
  maxLength?: number;
}

/**
 * The tokens the BERT normaliser and pre-tokeniser make of a text: each CJK character, lower-case runs of
 * letters and digits, and each other non-space character (punctuation) alone.
 */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+|[^\sa-z0-9\u3400-\u9fff\uf900-\ufaff]/g) ?? [];
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export function writeTinyBert(dir: string, options: TinyBertOptions): TinyBert {
  const dims = options.dims ?? 24;
  const next = random(options.seed ?? 1);
  const tokens = [...SPECIAL_TOKENS, ...new Set([...options.words].filter((w) => !(SPECIAL_TOKENS as readonly string[]).includes(w)))];
  const vocab = new Map(tokens.map((t, i) => [t, i]));
  const wordEmbeddings = tokens.map(() => Array.from({ length: dims }, next));
  const typeEmbeddings = [0, 1].map(() => Array.from({ length: dims }, () => next() * 0.1));
  const contextEmbeddings = tokens.map(() => Array.from({ length: dims }, next));
  fs.mkdirSync(dir, { recursive: true });
  const modelFile = options.layout === 'root' ? path.join(dir, 'model.onnx') : path.join(dir, 'onnx', 'model.onnx');
  fs.mkdirSync(path.dirname(modelFile), { recursive: true });
  fs.writeFileSync(modelFile, tinyBertOnnx(wordEmbeddings, typeEmbeddings, contextEmbeddings));

  const special = (content: string) => ({ id: vocab.get(content)!, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const cls = { SpecialToken: { id: '[CLS]', type_id: 0 } };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [cls, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [cls, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab.get('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab.get('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
  };
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      tokenize_chinese_chars: true,
      model_max_length: options.maxLength ?? 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: dims,
      vocab_size: tokens.length,
      max_position_embeddings: 512,
      num_attention_heads: 1,
      num_hidden_layers: 1,
      type_vocab_size: 2,
      pad_token_id: 0,
    }),
  );
  return { dir, dims, vocab, wordEmbeddings, typeEmbeddings, contextEmbeddings, modelFile };
}

/**
 * The unit vector the model gives a single text, computed here from the tables (not through the library):
 * [CLS] + the text's tokens (unknown → [UNK]) + [SEP], type 0, pooled as asked.
 */
export function expectedVector(model: TinyBert, text: string, pooling: 'cls' | 'mean', maxLength = 512): number[] {
  const ids = [model.vocab.get('[CLS]')!, ...wordsOf(text).slice(0, maxLength - 2).map((w) => model.vocab.get(w) ?? model.vocab.get('[UNK]')!), model.vocab.get('[SEP]')!];
  const zero = () => new Array<number>(model.dims).fill(0);
  const context = ids.reduce((s, id) => s.map((x, d) => x + model.contextEmbeddings[id]![d]!), zero());
  const hidden = ids.map((id) => model.wordEmbeddings[id]!.map((x, d) => x + model.typeEmbeddings[0]![d]! + context[d]!));
  const v = pooling === 'cls' ? hidden[0]! : hidden.reduce((s, r) => s.map((x, d) => x + r[d]! / hidden.length), zero());
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}
