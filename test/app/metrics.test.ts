/**
 * `/metrics` (README, Metrics): a real server on 127.0.0.1, scraped as Prometheus does. The key guards
 * it; a scripted web chat conversation moves the turn counters, the confidence histogram, the flow steps,
 * the handoff counter and time to claim; the request gauge counts the request it filed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Merchant, agent, api, fileCancelRequest, onlyHandoff, startHandoffServer } from '../handoff/helpers.js';
import { StreamClient, openConversation, startTestServer, waitFor, type TestServer } from '../webchat/helpers.js';

const TOKEN = 'metrics-test-key-0123456789abcdef';
const QUEUED = '正在为您转接人工客服';
const NO_ANSWER = '没有找到可靠的答案';

async function scrape(ts: TestServer, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${ts.url}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

async function metricsText(ts: TestServer): Promise<string> {
  const res = await scrape(ts);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (`name{a="x",…} v`, labels in any order; all given labels must match). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('GET /metrics', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startHandoffServer({ METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await ts?.destroy();
  });

  it('answers 404 when METRICS_TOKEN is not set', async () => {
    const plain = await startTestServer({}, { waitReady: false });
    try {
      expect((await scrape(plain)).status).toBe(404);
      expect((await scrape(plain, TOKEN)).status).toBe(404);
    } finally {
      await plain.destroy();
    }
  });

  it('refuses without the bearer key or with a wrong one', async () => {
    const none = await scrape(ts, null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('METRICS_UNAUTHORIZED');
    expect((await scrape(ts, 'not-the-key-0123456789abcdef')).status).toBe(401);
    expect((await fetch(`${ts.url}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401);
  });

  it('answers with the key in the Prometheus text format, process metrics included', async () => {
    const res = await scrape(ts);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE pos_assist_turns_total counter');
    expect(text).toContain('# TYPE pos_assist_answer_confidence histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(text, 'pos_assist_outbox_pending')).toBe(0);
    expect(sample(text, 'pos_assist_business_hours_open')).toBe(1);
  });

  it('moves as a scripted conversation runs: answers, refusals, flow steps, a filed request, a handoff and its claim', async () => {
    const alice = await agent(ts, 'alice');
    const before = await metricsText(ts);
    const turns = (text: string, outcome: string) => sample(text, 'pos_assist_turns_total', { channel: 'directline', outcome });
    const m = await Merchant.open(ts);

    await m.turn('退货报25是什么意思', '25');
    await m.turn('明天上海会下雨吗', NO_ANSWER);
    // The counters move when the turn has ended, a moment after its last reply was stored.
    let now = await waitFor(async () => {
      const text = await metricsText(ts);
      return turns(text, 'refused') === turns(before, 'refused') + 1 ? text : undefined;
    }, 'the refused turn counted');
    expect(turns(now, 'answered')).toBe(turns(before, 'answered') + 1);
    expect(sample(now, 'pos_assist_answer_confidence_count', { answered: 'true' })).toBe(sample(before, 'pos_assist_answer_confidence_count', { answered: 'true' }) + 1);
    expect(sample(now, 'pos_assist_answer_confidence_count', { answered: 'false' })).toBe(sample(before, 'pos_assist_answer_confidence_count', { answered: 'false' }) + 1);
    expect(sample(now, 'pos_assist_answer_confidence_bucket', { answered: 'true', le: '+Inf' })).toBe(sample(before, 'pos_assist_answer_confidence_bucket', { answered: 'true', le: '+Inf' }) + 1);
    expect(sample(now, 'pos_assist_answer_confidence_sum', { answered: 'true' })).toBeGreaterThan(0);
    expect(sample(now, 'pos_assist_turn_duration_seconds_count', { channel: 'directline' })).toBeGreaterThanOrEqual(2);

    const ticket = await fileCancelRequest(m, '810100000000001');
    expect(ticket).toMatch(/^CX-/);
    now = await metricsText(ts);
    expect(turns(now, 'flow_step')).toBeGreaterThanOrEqual(10);
    const filed = await ts.server.runtime()!.requests.getByTicket(ticket);
    expect(sample(now, 'pos_assist_requests', { status: filed!.status })).toBe(1);

    await m.turn('转人工', QUEUED);
    const row = await onlyHandoff(ts, m.conversationId);
    now = await waitFor(async () => {
      const text = await metricsText(ts);
      return turns(text, 'handoff') === 1 ? text : undefined;
    }, 'the handoff turn counted');
    expect(sample(now, 'pos_assist_handoffs_total', { reason: 'human_request', kind: 'queued' })).toBe(1);
    expect(sample(now, 'pos_assist_open_handoffs', { status: 'waiting' })).toBe(1);

    expect((await api(ts, alice, 'POST', `/agent/api/handoffs/${row.id}/claim`)).status).toBe(200);
    now = await metricsText(ts);
    expect(sample(now, 'pos_assist_handoff_claim_seconds_count')).toBe(1);
    expect(sample(now, 'pos_assist_open_handoffs', { status: 'active' })).toBe(1);
    expect(sample(now, 'pos_assist_open_handoffs', { status: 'waiting' })).toBe(0);
  });
});

describe('GET /metrics: open streams', () => {
  it('counts the Direct Line WebSocket streams open now', async () => {
    const ts = await startHandoffServer({ METRICS_TOKEN: TOKEN });
    try {
      const streams = async () => sample(await metricsText(ts), 'pos_assist_websocket_streams', { kind: 'directline' });
      expect(await streams()).toBe(0);
      const conv = await openConversation(ts);
      const client = StreamClient.connect(conv.streamUrl);
      await client.waitForActivity((a) => a.from?.role === 'bot', 'the welcome on the stream');
      await waitFor(async () => (await streams()) === 1, 'the stream counted as open');
      client.ws.close();
      await waitFor(async () => (await streams()) === 0, 'the stream counted as closed');
    } finally {
      await ts.destroy();
    }
  });
});

describe('Metrics', () => {
  it('keeps one registry per instance and counts model calls and outbox attempts', async () => {
    const { Metrics } = await import('../../src/app/metrics.js');
    const a = new Metrics();
    const b = new Metrics();
    a.llmCall({ purpose: 'answer', model: 'm', outcome: 'ok', latencyMs: 1200, inputTokens: 300, outputTokens: 40, error: undefined });
    a.llmCall({ purpose: 'intent', model: 'm', outcome: 'timeout', latencyMs: 20000, inputTokens: undefined, outputTokens: undefined, error: 'deadline' });
    a.outboxAttempt('failed');
    a.outboxAttempt('delivered');
    const text = (await a.scrape()).body;
    expect(sample(text, 'pos_assist_llm_calls_total', { purpose: 'answer', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'pos_assist_llm_failures_total', { purpose: 'intent', outcome: 'timeout' })).toBe(1);
    expect(sample(text, 'pos_assist_llm_failures_total', { purpose: 'answer' })).toBe(0);
    expect(sample(text, 'pos_assist_llm_tokens_total', { purpose: 'answer', kind: 'input' })).toBe(300);
    expect(sample(text, 'pos_assist_llm_call_duration_seconds_sum', { purpose: 'intent' })).toBe(20);
    expect(sample(text, 'pos_assist_outbox_deliveries_total', { outcome: 'failed' })).toBe(1);
    expect(sample((await b.scrape()).body, 'pos_assist_llm_calls_total', { purpose: 'answer', outcome: 'ok' })).toBe(0);
  });
});
