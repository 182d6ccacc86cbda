/**
 * A local OpenAI-compatible server for tests: real HTTP on 127.0.0.1, speaking the shapes the openai SDK
 * (and so @langchain/openai) sends and parses.
 *
 * - `POST /v1/chat/completions`, non-stream and SSE (`data: {chunk}` lines, a usage chunk, `data: [DONE]`);
 *   replies are decided by the test's `chat` handler, which sees the parsed request. `structured()` answers
 *   a structured-output request in whichever form it was asked: a tool call (function calling) or JSON
 *   content (json_schema / json_object).
 * - `POST /v1/embeddings`: deterministic vectors (character bigram hashing, so similar texts are near),
 *   in float or base64 as the request's `encoding_format` asks (the SDK asks base64 by default).
 *   `failEmbeddings(status)` (or the `failEmbeddings` option) makes it answer with that HTTP error instead
 *   (the request is still recorded) until `failEmbeddings(false)`.
 *
 * Every request is recorded, so tests can assert what left the process (masked card numbers, prompts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRequest {
  body: Record<string, any>;
  messages: ChatMessage[];
  stream: boolean;
  /** The last user message's text. */
  user: string;
  /** The system message(s) joined. */
  system: string;
  headers: IncomingMessage['headers'];
}

export interface ChatReply {
  /** Assistant text. With `stream`, split into `chunks` (default: pieces of 4 characters). */
  content?: string;
  chunks?: string[];
  /** Answer with a tool call instead of text. */
  toolCall?: { name: string; arguments: unknown };
  /** Wait this long before answering (a slow provider). With streaming, the delay is before each chunk. */
  delayMs?: number;
  /** Answer with this HTTP status and an OpenAI-style error body. */
  status?: number;
  error?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Send raw bytes as the body (malformed output). */
  raw?: string;
}

export interface EmbeddingRequest {
  input: string[];
  model: string;
  encodingFormat: string | undefined;
}

export interface FakeOpenAI {
  /** Base URL to configure (`…/v1`). */
  url: string;
  chats: ChatRequest[];
  embeddings: EmbeddingRequest[];
  /** Every request body as received, for "nothing left the process" assertions. */
  rawBodies: string[];
  setChat(handler: ChatHandler): void;
  /** Answer `/embeddings` with this HTTP status and an OpenAI-style error (false: answer normally again). */
  failEmbeddings(status: number | false): void;
  close(): Promise<void>;
}

export type ChatHandler = (req: ChatRequest) => ChatReply | Promise<ChatReply>;

export const EMBEDDING_DIMENSIONS = 64;

/** A reply to a structured-output request, in the form the request asked for. */
export function structured(req: ChatRequest, value: unknown): ChatReply {
  const tools = req.body.tools as { function: { name: string } }[] | undefined;
  if (tools?.length) return { toolCall: { name: tools[0]!.function.name, arguments: value } };
  return { content: JSON.stringify(value) };
}

/** Whether the request asks for structured output (a tool or a JSON response format). */
export function isStructured(req: ChatRequest): boolean {
  return Boolean(req.body.tools?.length || req.body.response_format);
}

/**
 * Which structured call a request is (`rewrite`, `rerank`, `intent`, `extract`, …): the tool's or JSON
 * schema's name; in JSON mode (no name is sent) the rewrite and rerank are told by their instructions.
 */
export function structuredName(req: ChatRequest): string | undefined {
  if (!isStructured(req)) return undefined;
  const named = (req.body.tools as { function: { name: string } }[] | undefined)?.[0]?.function.name ?? req.body.response_format?.json_schema?.name;
  if (named) return String(named);
  if (req.system.includes("You rewrite a merchant's message")) return 'rewrite';
  if (req.system.includes('You choose which numbered passage')) return 'rerank';
  return undefined;
}

/**
 * The rewrite and rerank of a cautious model: the message back unchanged, and passage 1 (the retrieval's
 * own lead). Undefined for any other request, which the test's handler answers.
 */
export function cautiousStep(req: ChatRequest): ChatReply | undefined {
  const name = structuredName(req);
  if (name === 'rewrite') return structured(req, { question: req.user });
  if (name === 'rerank') return structured(req, { passage: 1 });
  return undefined;
}

/**
 * A cautious model end to end: the message back, passage 1, and passage [1]'s own text as the answer,
 * cited; NO_ANSWER when no passage was given. Adds nothing, so the model path must score as the offline one.
 */
export function cautiousModel(req: ChatRequest): ChatReply {
  const step = cautiousStep(req);
  if (step) return step;
  if (isStructured(req)) return { content: '{}' };
  const block = /<passages>\n([\s\S]*?)\n<\/passages>/.exec(req.system)?.[1] ?? '';
  const first = /^\[1\] [^\n]*\n([\s\S]*?)(?=\n\n\[\d+\] |$)/.exec(block)?.[1]?.trim();
  return { content: first ? `${first}[1]` : 'NO_ANSWER' };
}

export async function startFakeOpenAI(
  options: { chat?: ChatHandler; embed?: (text: string) => number[]; failEmbeddings?: number } = {},
): Promise<FakeOpenAI> {
  let handler: ChatHandler = options.chat ?? (() => ({ content: '' }));
  let embeddingsFailure: number | false = options.failEmbeddings ?? false;
  const embed = options.embed ?? bigramVector;
  const chats: ChatRequest[] = [];
  const embeddings: EmbeddingRequest[] = [];
  const rawBodies: string[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err) } }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    rawBodies.push(text);
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (req.method !== 'POST') return json(res, 404, { error: { message: 'not found' } });
    const body = JSON.parse(text || '{}') as Record<string, any>;
    if (path.endsWith('/embeddings')) {
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
      embeddings.push({ input, model: body.model, encodingFormat: body.encoding_format });
      if (embeddingsFailure !== false) {
        return json(res, embeddingsFailure, { error: { message: 'fake embeddings failure', type: 'server_error', code: null } });
      }
      const data = input.map((t, index) => {
        const v = embed(String(t));
        const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
        return { object: 'embedding', index, embedding };
      });
      return json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: input.join('').length, total_tokens: input.join('').length } });
    }
    if (!path.endsWith('/chat/completions')) return json(res, 404, { error: { message: `no route ${path}` } });

    const messages: ChatMessage[] = (body.messages ?? []).map((m: any) => ({ role: m.role, content: contentText(m.content) }));
    const request: ChatRequest = {
      body,
      messages,
      stream: Boolean(body.stream),
      user: [...messages].reverse().find((m) => m.role === 'user')?.content ?? '',
      system: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n'),
      headers: req.headers,
    };
    chats.push(request);
    const reply = await handler(request);
    if (reply.delayMs && !request.stream) await sleep(reply.delayMs);
    if (reply.status && reply.status >= 400) {
      return json(res, reply.status, { error: { message: reply.error ?? 'fake provider error', type: 'server_error', code: null } });
    }
    const usage = reply.usage ?? { prompt_tokens: Math.ceil(JSON.stringify(messages).length / 2), completion_tokens: Math.ceil((reply.content ?? '').length / 2) };
    const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const id = `chatcmpl-${chats.length}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'fake';
    const toolCalls = reply.toolCall
      ? [{ id: `call_${chats.length}`, type: 'function', function: { name: reply.toolCall.name, arguments: typeof reply.toolCall.arguments === 'string' ? reply.toolCall.arguments : JSON.stringify(reply.toolCall.arguments) } }]
      : undefined;

    if (!request.stream) {
      if (reply.raw !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply.raw);
        return;
      }
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: toolCalls ? null : reply.content ?? '', ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: toolCalls ? 'tool_calls' : 'stop', logprobs: null }],
        usage: fullUsage,
      });
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    const base = { id, object: 'chat.completion.chunk', created, model };
    if (reply.raw !== undefined) {
      res.write(reply.raw);
      res.end();
      return;
    }
    if (toolCalls) {
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: toolCalls.map((c, index) => ({ index, ...c })) }, finish_reason: null }] });
    } else {
      const pieces = reply.chunks ?? splitEvery(reply.content ?? '', 4);
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      for (const piece of pieces) {
        if (res.destroyed) return;
        if (reply.delayMs) await sleep(reply.delayMs);
        send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
      }
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: toolCalls ? 'tool_calls' : 'stop' }] });
    if (body.stream_options?.include_usage) send({ ...base, choices: [], usage: fullUsage });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    chats,
    embeddings,
    rawBodies,
    setChat(h) {
      handler = h;
    },
    failEmbeddings(status) {
      embeddingsFailure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic, similarity-preserving vectors: hashed character bigrams (and ASCII words), L2-normalised. */
export function bigramVector(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const s = text.toLowerCase().replace(/\s+/g, '');
  for (let i = 0; i + 1 < s.length; i++) {
    let h = 2166136261;
    for (const ch of s.slice(i, i + 2)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    v[(h >>> 0) % EMBEDDING_DIMENSIONS]! += 1;
  }
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: any) => (typeof p === 'string' ? p : p?.text ?? '')).join('');
  return '';
}

function splitEvery(text: string, n: number): string[] {
  const out: string[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i += n) out.push(chars.slice(i, i + n).join(''));
  return out;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
