/**
 * Prometheus metrics (README, Metrics): one registry per server, never prom-client's global one (tests
 * run several servers in one process). Counters and histograms move as things happen — a turn ends, a
 * model call is recorded, a handoff opens or is claimed, an outbox row is tried; gauges are read from the
 * database and the hubs when Prometheus scrapes (`setSources`).
 *
 * A turn's outcome is gathered while it runs: `turnMiddleware` opens a record for each merchant message
 * (an AsyncLocalStorage, so hooks far from the adapter — the flow engine — can mark it) and counts the
 * turn once it is done: handoff over flow step over answered/refused, else `other`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Middleware, TurnContext } from 'botbuilder';
import type { Database } from '../store/schema.js';
import type { LlmCallRecord } from '../llm/language-model.js';
import type { HandoffRecord } from '../handoff/handoff-store.js';

export type TurnOutcome = 'answered' | 'refused' | 'flow_step' | 'handoff' | 'other';

interface TurnRecord {
  answered?: boolean;
  flowStep?: boolean;
  handoff?: boolean;
}

/** What the gauges read at scrape time (set once the runtime is up). */
export interface MetricSources {
  db: Kysely<Database>;
  /** Direct Line WebSocket streams open now. */
  directLineStreams(): number;
  /** Agent console sockets open now. */
  consoleSockets(): number;
  /** Agents online now and whether it is business hours. */
  availability(): Promise<{ open: boolean; agentsOnline: number }>;
}

const PREFIX = 'pos_assist_';

export class Metrics {
  readonly registry = new Registry();
  readonly #turn = new AsyncLocalStorage<TurnRecord>();
  #sources: MetricSources | undefined;

  readonly turns = new Counter({ name: `${PREFIX}turns_total`, help: 'Merchant messages handled, by channel and outcome (answered, refused, flow_step, handoff, other).', labelNames: ['channel', 'outcome'] as const, registers: [this.registry] });
  readonly turnSeconds = new Histogram({ name: `${PREFIX}turn_duration_seconds`, help: 'Time from a merchant message to the end of its turn.', labelNames: ['channel'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40], registers: [this.registry] });
  readonly confidence = new Histogram({ name: `${PREFIX}answer_confidence`, help: 'Confidence of each question the bot answered or refused (label answered: true/false).', labelNames: ['answered'] as const, buckets: [0.1, 0.2, 0.28, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], registers: [this.registry] });
  readonly llmCalls = new Counter({ name: `${PREFIX}llm_calls_total`, help: 'Language-model calls by purpose and outcome (ok, timeout, error, malformed, refused).', labelNames: ['purpose', 'outcome'] as const, registers: [this.registry] });
  readonly llmFailures = new Counter({ name: `${PREFIX}llm_failures_total`, help: 'Language-model calls that gave nothing usable, by purpose and outcome.', labelNames: ['purpose', 'outcome'] as const, registers: [this.registry] });
  readonly llmSeconds = new Histogram({ name: `${PREFIX}llm_call_duration_seconds`, help: 'Language-model call latency, by purpose.', labelNames: ['purpose'] as const, buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30], registers: [this.registry] });
  readonly llmTokens = new Counter({ name: `${PREFIX}llm_tokens_total`, help: 'Tokens the provider reported, by purpose and kind (input, output).', labelNames: ['purpose', 'kind'] as const, registers: [this.registry] });
  readonly handoffs = new Counter({ name: `${PREFIX}handoffs_total`, help: 'Handoffs opened, by reason and kind (queued for an agent, or a ticket).', labelNames: ['reason', 'kind'] as const, registers: [this.registry] });
  readonly claimSeconds = new Histogram({ name: `${PREFIX}handoff_claim_seconds`, help: 'Time from a handoff opening to an agent claiming it.', buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600], registers: [this.registry] });
  readonly answerFeedback = new Counter({ name: `${PREFIX}answer_feedback_total`, help: 'Merchants\' 👍/👎 on knowledge answers, by channel and rating (up, down).', labelNames: ['channel', 'rating'] as const, registers: [this.registry] });
  readonly outboxDeliveries = new Counter({ name: `${PREFIX}outbox_deliveries_total`, help: 'Back-office webhook attempts, by outcome (delivered, failed).', labelNames: ['outcome'] as const, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#gauge('open_handoffs', 'Handoff conversations open now, by status (waiting for an agent, active with one).', ['status'], async (s, set) => {
      const rows = await s.db.selectFrom('handoffs').select(['status', sql<number>`count(*)`.as('n')]).where('status', 'in', ['waiting', 'active']).groupBy('status').execute();
      for (const status of ['waiting', 'active']) set(Number(rows.find((r) => r.status === status)?.n ?? 0), { status });
    });
    this.#gauge('websocket_streams', 'WebSocket connections open now, by kind (directline: web chat streams; console: agent console).', ['kind'], (s, set) => {
      set(s.directLineStreams(), { kind: 'directline' });
      set(s.consoleSockets(), { kind: 'console' });
    });
    this.#gauge('agents_online', 'Agents online now (console open, not away).', [], async (s, set) => set((await s.availability()).agentsOnline));
    this.#gauge('business_hours_open', '1 within HANDOFF_BUSINESS_HOURS, else 0.', [], async (s, set) => set((await s.availability()).open ? 1 : 0));
    this.#gauge('outbox_pending', 'Back-office webhook messages not delivered yet (the backlog).', [], async (s, set) => {
      const row = await s.db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('delivered_at', 'is', null).executeTakeFirst();
      set(Number(row?.n ?? 0));
    });
    this.#gauge('outbox_oldest_pending_seconds', 'Age of the oldest undelivered back-office message (0 when none).', [], async (s, set) => {
      const row = await s.db.selectFrom('outbox').select(sql<string | null>`min(created_at)`.as('oldest')).where('delivered_at', 'is', null).executeTakeFirst();
      set(row?.oldest ? Math.max(0, (Date.now() - Date.parse(row.oldest)) / 1000) : 0);
    });
    this.#gauge('requests', 'Merchant requests (tickets) by status.', ['status'], async (s, set) => {
      const rows = await s.db.selectFrom('requests').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute();
      for (const r of rows) set(Number(r.n), { status: r.status });
    });
  }

  /** A gauge read at scrape time from the sources (left out until they are set); old label sets are dropped. */
  #gauge(name: string, help: string, labelNames: string[], read: (sources: MetricSources, set: (value: number, labels?: Record<string, string>) => void) => void | Promise<void>): void {
    const sources = () => this.#sources;
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const s = sources();
        if (!s) return;
        const values: [number, Record<string, string> | undefined][] = [];
        await read(s, (value, labels) => values.push([value, labels]));
        this.reset();
        for (const [value, labels] of values) {
          if (labels) this.set(labels, value);
          else this.set(value);
        }
      },
    });
  }

  /** Where the gauges read from; until then they are left out of the scrape. */
  setSources(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** The scrape: Prometheus text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  // ── Hooks ──────────────────────────────────────────────────────────────────────────────────────────

  /** Adapter middleware: times and classifies each merchant message's turn. */
  readonly turnMiddleware: Middleware = {
    onTurn: async (context: TurnContext, next: () => Promise<void>) => {
      const { activity } = context;
      if (activity.type !== 'message' || activity.from?.role === 'bot' || this.#turn.getStore()) return next();
      const record: TurnRecord = {};
      const end = this.turnSeconds.startTimer({ channel: activity.channelId });
      try {
        await this.#turn.run(record, next);
      } finally {
        end();
        this.turns.inc({ channel: activity.channelId, outcome: outcomeOf(record) });
      }
    },
  };

  /** A question answered or not (the bot's `onAnswer`). */
  answer(answered: boolean, confidence: number): void {
    this.confidence.observe({ answered: String(answered) }, Math.max(0, Math.min(1, confidence)));
    const turn = this.#turn.getStore();
    if (turn && turn.answered !== true) turn.answered = answered;
  }

  /** The flow engine started or took a step in this turn. */
  flowStep(): void {
    const turn = this.#turn.getStore();
    if (turn) turn.flowStep = true;
  }

  /** A person was offered or the merchant handed over in this turn. */
  handoffTurn(): void {
    const turn = this.#turn.getStore();
    if (turn) turn.handoff = true;
  }

  /** The handoff service opened a handoff or an agent claimed one. */
  handoffEvent(event: 'opened' | 'claimed', handoff: HandoffRecord): void {
    if (event === 'opened') {
      this.handoffs.inc({ reason: handoff.reason, kind: handoff.status === 'ticket' ? 'ticket' : 'queued' });
      this.handoffTurn();
    } else if (handoff.claimedAt) {
      this.claimSeconds.observe(Math.max(0, (handoff.claimedAt.getTime() - handoff.createdAt.getTime()) / 1000));
    }
  }

  /** A language-model call as recorded in `llm_calls`. */
  llmCall(call: LlmCallRecord): void {
    this.llmCalls.inc({ purpose: call.purpose, outcome: call.outcome });
    if (call.outcome !== 'ok') this.llmFailures.inc({ purpose: call.purpose, outcome: call.outcome });
    this.llmSeconds.observe({ purpose: call.purpose }, call.latencyMs / 1000);
    if (call.inputTokens) this.llmTokens.inc({ purpose: call.purpose, kind: 'input' }, call.inputTokens);
    if (call.outputTokens) this.llmTokens.inc({ purpose: call.purpose, kind: 'output' }, call.outputTokens);
  }

  /** A merchant's 👍 or 👎 on an answer, stored. */
  feedback(channel: string, rating: 'up' | 'down'): void {
    this.answerFeedback.inc({ channel, rating });
  }

  /** One back-office webhook attempt. */
  outboxAttempt(outcome: 'delivered' | 'failed'): void {
    this.outboxDeliveries.inc({ outcome });
  }
}

function outcomeOf(turn: TurnRecord): TurnOutcome {
  if (turn.handoff) return 'handoff';
  if (turn.flowStep) return 'flow_step';
  if (turn.answered !== undefined) return turn.answered ? 'answered' : 'refused';
  return 'other';
}
