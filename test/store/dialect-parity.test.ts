/**
 * The same rows in a SQLite file and in a PostgreSQL schema give the same answers: every read that does
 * more than fetch rows by key (grouping, local days, durations, percentiles, prefixes, sums, joins) runs on
 * both, and the two results must be equal — and right, where a value is easy to state.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { DirectLineStore } from '../../src/channels/webchat/directline-store.js';
import { HandoffStore } from '../../src/handoff/handoff-store.js';
import { LlmCallStore } from '../../src/llm/llm-call-store.js';
import { AuditLog } from '../../src/ops/audit-log.js';
import { dashboard } from '../../src/ops/dashboard.js';
import { AnswerFeedbackStore } from '../../src/ops/feedback-store.js';
import { knowledgeGaps } from '../../src/ops/knowledge-gaps.js';
import { OutboxStore, RequestStore } from '../../src/requests/index.js';
import { KnowledgeMissStore, SqlTranscriptStore } from '../../src/store/index.js';
import { purgeExpired } from '../../src/store/retention.js';
import type { Database } from '../../src/store/schema.js';
import { describePostgres } from '../helpers/dialects.js';
import { cancelRequest } from '../requests/helpers.js';
import { fakeClock, useTempDatabases } from './helpers.js';

const ZONE = 'Asia/Shanghai';
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
const CHANNELS = ['directline', 'telegram'];
const REASONS = ['asked', 'low_confidence', 'asked', 'payment_dispute'];

/** `day` at `hour`:`minute` in Shanghai, as stored (ISO, UTC). */
const at = (day: string, hour: number, minute = 0, second = 0) => new Date(Date.parse(`${day}T00:00:00.000Z`) + ((hour - 8) * 3600 + minute * 60 + second) * 1000);

async function seed(db: Kysely<Database>): Promise<void> {
  // Conversations on two channels over three days (hours near midnight test the local day).
  let n = 0;
  for (const day of DAYS) {
    for (const channel of CHANNELS) {
      for (const hour of [0, 9, 23]) {
        const conversation = `${channel}-${day}-${hour}`;
        for (const [i, direction] of (['in', 'out', 'in'] as const).entries()) {
          await db
            .insertInto('transcript')
            .values({
              channel_id: channel,
              conversation_id: conversation,
              activity_id: `a${++n}`,
              direction,
              type: 'message',
              from_id: direction === 'in' ? 'user' : 'bot',
              from_role: direction === 'in' ? 'user' : 'bot',
              text: `message ${n}`,
              activity_json: '{}',
              created_at: at(day, hour, 5 + i).toISOString(),
            })
            .execute();
        }
        // Every other conversation reached a person; claims take 60·k seconds, resolutions longer.
        if (n % 2 === 0) {
          const k = n % 7;
          const reason = REASONS[n % REASONS.length]!;
          const created = at(day, hour, 10);
          const claimed = k === 0 ? null : new Date(created.getTime() + k * 60_000);
          const ended = claimed && k % 2 ? new Date(claimed.getTime() + k * 300_000) : null;
          await db
            .insertInto('handoffs')
            .values({
              id: `h-${conversation}`,
              channel_id: channel,
              conversation_id: conversation,
              conversation_ref_json: '{}',
              user_id: 'user',
              locale: 'zh-CN',
              status: claimed ? (ended ? 'ended' : 'active') : k === 0 && n % 3 ? 'ticket' : 'waiting',
              reason,
              detail: null,
              package_json: '{}',
              agent_id: null,
              callback_phone: null,
              message: null,
              end_reason: ended ? 'resolved' : null,
              rating: ended ? (n % 5) + 1 : null,
              created_at: created.toISOString(),
              claimed_at: claimed?.toISOString() ?? null,
              ended_at: ended?.toISOString() ?? null,
            })
            .execute();
        }
      }
    }
  }

  const clock = fakeClock(at(DAYS[0]!, 10).toISOString());
  let ids = 0;
  const requests = new RequestStore(db, { now: clock.now, timeZone: ZONE, newId: () => `req-${++ids}` });
  for (let i = 0; i < 6; i++) {
    const r = await requests.create(cancelRequest({ referenceNo: String(610000000000 + i) }));
    if (r.duplicate) throw new Error('unexpected duplicate');
    if (i % 3 === 1) await requests.transition(r.request.id, 'in_review', { actor: 'backoffice' });
    if (i % 3 === 2) await requests.transition(r.request.id, 'rejected', { actor: 'agent:alice', reason: 'no slip' });
    clock.advance(26 * 3_600_000);
  }

  const feedback = new AnswerFeedbackStore(db, { now: clock.now });
  const sections = [
    { file: 'refunds.md', title: 'Refunds', section: 'Same day' },
    { file: 'refunds.md', title: 'Refunds', section: 'Older' },
    { file: 'printer.md', title: 'Printer', section: 'Paper' },
  ];
  for (let i = 0; i < 9; i++) {
    clock.set(at(DAYS[i % 3]!, 12, i).toISOString());
    await feedback.record({
      channelId: CHANNELS[i % 2]!,
      conversationId: `fb-${i}`,
      userId: 'user',
      rating: i % 3 === 0 ? 'up' : 'down',
      question: i % 2 ? '怎么退货 refund' : '打印机没纸 printer paper',
      answeredBy: 'extractive',
      confidence: 0.25 + i / 100,
      locale: 'zh-CN',
      sources: sections.slice(0, (i % 3) + 1),
      answeredAt: clock.now(),
    });
  }

  const misses = new KnowledgeMissStore(db, { now: clock.now });
  for (let i = 0; i < 5; i++) {
    clock.set(at(DAYS[i % 3]!, 15, i).toISOString());
    await misses.record({ channelId: 'telegram', conversationId: `m-${i}`, question: i % 2 ? '怎么退货 refund' : 'WiFi 密码 password', confidence: 0.1 + i / 50, locale: 'zh-CN' });
  }

  const audit = new AuditLog(db, clock.now);
  const actor = { id: 1, name: 'alice', role: 'supervisor' };
  for (const action of ['handoff.claim', 'handoff.resolve', 'request.review', 'agent.login', 'handoff.transfer'] as const) {
    await audit.record({ actor, action, targetType: action.split('.')[0]!, targetId: `t-${action}`, detail: { n: action.length } });
  }

  const calls = new LlmCallStore(db);
  for (let i = 0; i < 7; i++) {
    await calls.record({ purpose: i % 2 ? 'answer' : 'extract', model: 'm', outcome: i === 3 ? 'timeout' : 'ok', latencyMs: 100 * (i + 1), inputTokens: 10 * i, outputTokens: i, error: undefined });
  }

  const dl = new DirectLineStore(db);
  await dl.createConversation('dl-1', 'user');
  await dl.addFile('dl-1', `${'a'.repeat(64)}.png`, 'image/png', 1500);
  await dl.addFile('dl-1', `${'b'.repeat(64)}.png`, 'image/png', 2500);
  await dl.addFile('dl-1', `${'b'.repeat(64)}.png`, 'image/png', 2500); // the same file again: counted once
}

/** Every read compared across dialects, by name. */
async function reads(db: Kysely<Database>): Promise<Record<string, unknown>> {
  const now = at(DAYS[2]!, 20);
  const range = { from: DAYS[0]!, to: DAYS[2]!, timeZone: ZONE, now };
  const audit = new AuditLog(db);
  const transcripts = new SqlTranscriptStore(db);
  const handoffs = new HandoffStore(db);
  const waiting = (await handoffs.list(['waiting']))[1];
  return {
    dashboard: await dashboard(db, range),
    dashboardTelegram: await dashboard(db, { ...range, channel: 'telegram' }),
    dashboardOneDay: await dashboard(db, { ...range, from: DAYS[1]!, to: DAYS[1]! }),
    gaps: await knowledgeGaps(db, { since: at(DAYS[0]!, 0), until: now }),
    auditHandoff: await audit.list({ action: 'handoff' }),
    auditExact: await audit.list({ action: 'handoff.resolve' }),
    auditPage: await audit.list({ limit: 2 }),
    feedback: await new AnswerFeedbackStore(db).list({ since: at(DAYS[1]!, 0) }),
    misses: await new KnowledgeMissStore(db).list({}),
    llm: await new LlmCallStore(db).summary(new Date(0)),
    outbox: await new OutboxStore(db).counts(),
    nextDue: await new OutboxStore(db).nextDueAt(),
    pendingNotices: (await new RequestStore(db).pendingNotifications()).map((p) => [p.request.ticket, p.event.to]),
    failedNoticeRequests: [...(await new RequestStore(db).withFailedNotice(['req-1', 'req-2']))],
    dlBytes: await new DirectLineStore(db).fileBytes('dl-1'),
    waitingBefore: waiting ? await handoffs.waitingBefore(waiting) : null,
    averageClaim: await handoffs.averageClaimSeconds(),
    transcripts: await transcripts.listTranscripts('telegram'),
    transcriptPage2: await transcripts.getTranscriptActivities('telegram', `telegram-${DAYS[1]}-9`),
  };
}

describePostgres('the same rows give the same answers on SQLite and PostgreSQL', () => {
  const sqlite = useTempDatabases('sqlite');
  const postgres = useTempDatabases('postgres');

  it('dashboard, knowledge gaps, audit log, feedback, misses, model calls, outbox, notices, files, handoff queue', async () => {
    const [a, b] = [await sqlite.open(), await postgres.open()];
    await seed(a.db);
    await seed(b.db);
    const [onSqlite, onPostgres] = [await reads(a.db), await reads(b.db)];
    for (const key of Object.keys(onSqlite)) expect(onPostgres[key], key).toEqual(onSqlite[key]);

    // And right, where it is easy to say.
    const board = onSqlite.dashboard as Awaited<ReturnType<typeof dashboard>>;
    expect(board.total.conversations).toBe(DAYS.length * CHANNELS.length * 3);
    expect(board.rows.map((r) => r.day).filter((d, i, all) => all.indexOf(d) === i)).toEqual(DAYS);
    expect((onSqlite.auditHandoff as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual(['handoff.transfer', 'handoff.resolve', 'handoff.claim']);
    expect(board.total.claim.count).toBeGreaterThan(0);
    expect(board.total.claim.p50).not.toBeNull();
    expect(board.total.ratings.count).toBeGreaterThan(0);
    expect(board.requests.length).toBeGreaterThan(1);
    expect(board.sections.length).toBe(3);
    expect((onSqlite.gaps as unknown[]).length).toBeGreaterThan(0);
    expect((onSqlite.feedback as unknown[]).length).toBe(6);
    expect((onSqlite.transcripts as { items: unknown[] }).items.length).toBe(DAYS.length * 3);
    expect(onSqlite.pendingNotices).toEqual([['CX-20260302-0001', 'in_review'], ['CX-20260303-0001', 'rejected'], ['CX-20260305-0001', 'in_review'], ['CX-20260306-0001', 'rejected']]);
    expect(onSqlite.dlBytes).toBe(4000);
    expect(onSqlite.outbox).toEqual({ pending: 6, delivered: 0 });

    // Retention deletes the same rows on both.
    const cutoff = at(DAYS[1]!, 0);
    const now = at(DAYS[2]!, 20);
    const purged = [await purgeExpired(a.db, { cutoff, now }), await purgeExpired(b.db, { cutoff, now })];
    expect(purged[1]).toEqual(purged[0]);
  });
});
