/**
 * The one door to a language model: any OpenAI-compatible chat endpoint (OpenAI, Qwen through DashScope's
 * compatible mode, DeepSeek, GLM, vLLM, Ollama) through @langchain/openai's Chat Completions client.
 *
 * Every call goes through here so that the guardrails hold everywhere at once:
 * - card numbers are masked in every message before it leaves the process, and in what comes back;
 * - each call has a deadline (`LLM_TIMEOUT_MS`); a timeout, a provider error or output that does not fit
 *   the schema becomes an `LlmError`, which callers turn into the offline path for that turn;
 * - each call is recorded (purpose, latency, tokens, outcome) — never its text.
 */
import { ChatOpenAICompletions } from '@langchain/openai';
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { z } from 'zod';
import type { LlmSettings, StructuredOutputMethod } from './llm-settings.js';
import type { Logger } from '../core/logger.js';
import { maskCardNumbers } from '../privacy/card-mask.js';

export type LlmPurpose = 'answer' | 'extract' | 'intent' | 'brief' | 'rewrite' | 'rerank';
export type LlmOutcome = 'ok' | 'timeout' | 'error' | 'malformed' | 'refused';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmCallRecord {
  purpose: LlmPurpose;
  model: string;
  outcome: LlmOutcome;
  latencyMs: number;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  error: string | undefined;
}

/** Why a call gave nothing usable; the caller falls back to the offline path. */
export class LlmError extends Error {
  constructor(
    readonly outcome: Exclude<LlmOutcome, 'ok'>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
}

export interface LanguageModelOptions {
  settings: LlmSettings;
  logger: Logger;
  /** Where each call's record goes (the server stores them in `llm_calls`). */
  record?: (call: LlmCallRecord) => void | Promise<void>;
  /** Circuit breaker pause (tests shorten it). */
  breakerPauseMs?: number;
  now?: () => number;
}

/**
 * After this many failed calls in a row the provider is skipped for a while: merchants get the offline
 * path at once instead of each waiting out a deadline. One call is let through after the pause.
 */
const BREAKER_FAILURES = 3;
/** A streamed answer may run this many deadlines in all, as long as it never goes silent for one. */
const STREAM_CAP_FACTOR = 4;
const BREAKER_PAUSE_MS = 60_000;

export interface GenerateOptions {
  purpose: LlmPurpose;
  /** Streams: called with the text so far (masked) as it grows. Without it the call is not streamed. */
  onText?: (textSoFar: string) => void | Promise<void>;
  /** Stops a streamed call early (the caller saw enough, or the output broke a rule); resolves with what came. */
  shouldStop?: (textSoFar: string) => boolean;
}

const METHOD: Record<StructuredOutputMethod, 'jsonSchema' | 'functionCalling' | 'jsonMode'> = {
  json_schema: 'jsonSchema',
  function_calling: 'functionCalling',
  json_mode: 'jsonMode',
};

export class LanguageModel {
  readonly model: string;
  readonly structuredOutput: StructuredOutputMethod;
  private readonly chat: ChatOpenAICompletions;
  private readonly timeoutMs: number;
  private failuresInARow = 0;
  private pausedUntil = 0;

  constructor(private readonly options: LanguageModelOptions) {
    const s = options.settings;
    if (!s.apiKey) throw new Error('LanguageModel needs an API key (LLM_API_KEY)');
    this.model = s.model;
    this.structuredOutput = s.structuredOutput;
    this.timeoutMs = s.timeoutMs;
    this.chat = new ChatOpenAICompletions({
      model: s.model,
      apiKey: s.apiKey,
      ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
      // One attempt: a merchant waiting on a phone is better served by the offline answer now than by a
      // retried model answer later.
      maxRetries: 0,
      timeout: s.timeoutMs,
      streamUsage: true,
      configuration: { ...(s.baseUrl ? { baseURL: s.baseUrl } : {}) },
    });
  }

  /** Plain text from the model; streamed when `onText` is given. */
  async generate(messages: LlmMessage[], options: GenerateOptions): Promise<string> {
    this.checkBreaker();
    const started = Date.now();
    // A streamed answer the merchant is watching grow is not cut off while it keeps coming: the deadline
    // is for the first words and for any silence after them, with a cap on the whole.
    const deadline = options.onText ? new IdleDeadline(this.timeoutMs, this.timeoutMs * STREAM_CAP_FACTOR) : undefined;
    const signal = deadline?.signal ?? AbortSignal.timeout(this.timeoutMs);
    const input = toLangChain(messages);
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    try {
      let text = '';
      if (options.onText) {
        let stopped = false;
        const stream = await this.chat.stream(input, { signal });
        for await (const chunk of stream) {
          deadline?.touch();
          const usage = (chunk as AIMessageChunk).usage_metadata;
          if (usage) {
            inputTokens = usage.input_tokens;
            outputTokens = usage.output_tokens;
          }
          const piece = contentText(chunk.content);
          if (!piece || stopped) continue;
          text += piece;
          if (options.shouldStop?.(text)) {
            stopped = true;
            break;
          }
          await options.onText(maskCardNumbers(text).text);
        }
      } else {
        const reply = (await this.chat.invoke(input, { signal })) as AIMessage;
        inputTokens = reply.usage_metadata?.input_tokens;
        outputTokens = reply.usage_metadata?.output_tokens;
        text = contentText(reply.content);
      }
      deadline?.clear();
      text = maskCardNumbers(text).text;
      if (!text.trim()) throw new LlmError('malformed', 'the model returned no text');
      await this.record(options.purpose, 'ok', started, inputTokens, outputTokens);
      return text;
    } catch (err) {
      deadline?.clear();
      throw await this.failure(err, options.purpose, started, signal, inputTokens, outputTokens);
    }
  }

  /**
   * A value matching `schema`, asked for the configured way (json_schema, function_calling, json_mode).
   * Output that is not JSON or does not match the schema is an `LlmError('malformed')`.
   */
  async structured<S extends z.ZodType>(
    schema: S,
    messages: LlmMessage[],
    /** `timeoutMs`: a shorter deadline for a step the answer can do without (never longer than `LLM_TIMEOUT_MS`). */
    options: { purpose: LlmPurpose; name: string; timeoutMs?: number },
  ): Promise<z.infer<S>> {
    this.checkBreaker();
    const started = Date.now();
    const timeoutMs = Math.min(this.timeoutMs, options.timeoutMs ?? this.timeoutMs);
    const signal = AbortSignal.timeout(timeoutMs);
    const method = METHOD[this.structuredOutput];
    let prompt = messages;
    if (method === 'jsonMode') {
      // JSON mode sends no schema, and OpenAI-compatible servers require the word "JSON" in the prompt.
      const shape = JSON.stringify(z.toJSONSchema(schema));
      prompt = [{ role: 'system', content: `Reply with one JSON object only, matching this JSON Schema:\n${shape}` }, ...messages];
    }
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    try {
      const runnable = this.chat.withStructuredOutput(schema as z.ZodType<Record<string, unknown>>, { name: options.name, method, includeRaw: true });
      const result = (await runnable.invoke(toLangChain(prompt), { signal })) as { raw: AIMessage; parsed: unknown };
      inputTokens = result.raw?.usage_metadata?.input_tokens;
      outputTokens = result.raw?.usage_metadata?.output_tokens;
      const checked = schema.safeParse(result.parsed);
      if (result.parsed == null || !checked.success) {
        throw new LlmError('malformed', `the model's ${options.name} did not match the schema`);
      }
      await this.record(options.purpose, 'ok', started, inputTokens, outputTokens);
      return checked.data as z.infer<S>;
    } catch (err) {
      throw await this.failure(err, options.purpose, started, signal, inputTokens, outputTokens, timeoutMs);
    }
  }

  /** Whether calls are being skipped because the provider kept failing. */
  get paused(): boolean {
    return this.clock() < this.pausedUntil;
  }

  private clock(): number {
    return this.options.now?.() ?? Date.now();
  }

  private checkBreaker(): void {
    if (this.paused) throw new LlmError('error', 'provider paused after repeated failures');
  }

  /** Timeouts and provider errors count; output we refused or could not parse says nothing about health. */
  private health(outcome: LlmOutcome): void {
    if (outcome === 'ok' || outcome === 'malformed' || outcome === 'refused') {
      this.failuresInARow = 0;
      return;
    }
    this.failuresInARow += 1;
    if (this.failuresInARow >= BREAKER_FAILURES) {
      this.failuresInARow = 0;
      this.pausedUntil = this.clock() + (this.options.breakerPauseMs ?? BREAKER_PAUSE_MS);
      this.options.logger.error({ model: this.model, pauseMs: this.options.breakerPauseMs ?? BREAKER_PAUSE_MS }, 'language model failing; offline path only for a while');
    }
  }

  /** Records a call whose output the caller refused (a rule was broken); the caller falls back. */
  async refused(purpose: LlmPurpose, reason: string): Promise<void> {
    this.options.logger.warn({ purpose, reason }, 'language model output refused');
    await this.record(purpose, 'refused', Date.now(), undefined, undefined, reason);
  }

  private async failure(
    err: unknown,
    purpose: LlmPurpose,
    started: number,
    signal: AbortSignal,
    inputTokens?: number,
    outputTokens?: number,
    timeoutMs = this.timeoutMs,
  ): Promise<LlmError> {
    let error: LlmError;
    if (err instanceof LlmError) error = err;
    else if (signal.aborted || isTimeout(err)) error = new LlmError('timeout', `no answer within ${timeoutMs} ms`, { cause: err });
    else if (isParseError(err)) error = new LlmError('malformed', (err as Error).message, { cause: err });
    else error = new LlmError('error', describe(err), { cause: err });
    this.options.logger.warn({ purpose, outcome: error.outcome, err: error.message, model: this.model }, 'language model call failed; offline path used');
    await this.record(purpose, error.outcome, started, inputTokens, outputTokens, error.message);
    return error;
  }

  private async record(purpose: LlmPurpose, outcome: LlmOutcome, started: number, inputTokens?: number, outputTokens?: number, error?: string): Promise<void> {
    this.health(outcome);
    const call: LlmCallRecord = { purpose, model: this.model, outcome, latencyMs: Date.now() - started, inputTokens, outputTokens, error: error?.slice(0, 500) };
    this.options.logger.debug(call, 'language model call');
    try {
      await this.options.record?.(call);
    } catch (err) {
      // Bookkeeping must never cost the merchant their answer.
      this.options.logger.warn({ err }, 'could not record a language model call');
    }
  }
}

/** Aborts after `idleMs` without `touch()`, or after `capMs` in all. */
class IdleDeadline {
  private readonly controller = new AbortController();
  private idle: NodeJS.Timeout;
  private readonly cap: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    capMs: number,
  ) {
    this.idle = setTimeout(() => this.abort(), idleMs);
    this.cap = setTimeout(() => this.abort(), capMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.abort(), this.idleMs);
  }

  clear(): void {
    clearTimeout(this.idle);
    clearTimeout(this.cap);
  }

  private abort(): void {
    this.clear();
    this.controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }
}

function toLangChain(messages: LlmMessage[]): BaseMessage[] {
  return messages.map((m) => {
    const content = maskCardNumbers(m.content).text;
    if (m.role === 'system') return new SystemMessage(content);
    if (m.role === 'assistant') return new AIMessage(content);
    return new HumanMessage(content);
  });
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : (p as { text?: string }).text ?? '')).join('');
  return '';
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; message?: string; constructor?: { name?: string } };
  return /timeout|timed out|abort/i.test(`${e?.name ?? ''} ${e?.constructor?.name ?? ''} ${e?.message ?? ''}`);
}

function isParseError(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return /OutputParserException|SyntaxError|JSON|ZodError/i.test(`${e?.name ?? ''} ${e?.message ?? ''}`);
}

function describe(err: unknown): string {
  const e = err as { status?: number; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  return e?.status ? `HTTP ${e.status}: ${msg}` : msg;
}
