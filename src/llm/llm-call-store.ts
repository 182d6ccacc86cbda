/**
 * The record of language-model calls (table `llm_calls`): purpose, model, outcome, latency and tokens,
 * never the text. Operators read cost and health from it (`summary`, shown in `/readyz`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { LlmCallRecord, LlmOutcome } from './language-model.js';

export interface LlmUsageSummary {
  calls: number;
  byOutcome: Partial<Record<LlmOutcome, number>>;
  /** Calls by purpose (answer, extract, intent, brief). */
  byPurpose: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  /** Median and 95th percentile latency of successful calls, in ms. */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

export class LlmCallStore {
  constructor(private readonly db: Kysely<Database>) {}

  async record(call: LlmCallRecord): Promise<void> {
    await this.db
      .insertInto('llm_calls')
      .values({
        purpose: call.purpose,
        model: call.model,
        outcome: call.outcome,
        latency_ms: Math.round(call.latencyMs),
        input_tokens: call.inputTokens ?? null,
        output_tokens: call.outputTokens ?? null,
        error: call.error ?? null,
        created_at: new Date().toISOString(),
      })
      .execute();
  }

  /** Calls since `since` (default: the last 24 hours). */
  async summary(since: Date = new Date(Date.now() - 86_400_000)): Promise<LlmUsageSummary> {
    const rows = await this.db
      .selectFrom('llm_calls')
      .select(['purpose', 'outcome', 'latency_ms', 'input_tokens', 'output_tokens'])
      .where('created_at', '>=', since.toISOString())
      .execute();
    const byOutcome: Partial<Record<LlmOutcome, number>> = {};
    const byPurpose: Record<string, number> = {};
    let inputTokens = 0;
    let outputTokens = 0;
    const latencies: number[] = [];
    for (const r of rows) {
      byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
      byPurpose[r.purpose] = (byPurpose[r.purpose] ?? 0) + 1;
      inputTokens += r.input_tokens ?? 0;
      outputTokens += r.output_tokens ?? 0;
      if (r.outcome === 'ok') latencies.push(r.latency_ms);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : null);
    return { calls: rows.length, byOutcome, byPurpose, inputTokens, outputTokens, p50LatencyMs: pct(0.5), p95LatencyMs: pct(0.95) };
  }
}
