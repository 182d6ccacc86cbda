/**
 * The supervisor dashboard on a REAL server (real SQLite, real HTTP on 127.0.0.1): merchants talk over
 * Direct Line and the terminal channel — answered questions with a 👍 and a 👎, handoffs for two reasons
 * claimed and ended by agents and rated, a filed request — and the dashboard counts exactly that, by day
 * and channel, with the medians and p90s of times set to known values. Agents get 403; the CSV export
 * carries the same numbers.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../src/i18n/messages.js';
import { dashboard, dayIn, startOfDay, type Dashboard } from '../../src/ops/dashboard.js';
import type { Database } from '../../src/store/schema.js';
import { terminalConversation } from '../helpers/runtime.js';
import { agent, api, dbOf, fileCancelRequest, Merchant, onlyHandoff, startHandoffServer, type AgentClient } from '../handoff/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

let ts: TestServer;
let boss: AgentClient;
let ann: AgentClient;
const TZ = 'Asia/Shanghai';
const today = dayIn(new Date(), TZ);

/** A merchant asks for a person (or complains), an agent claims and ends it, the merchant rates it. */
async function handled(say: string, reason: string, how: 'resolve' | 'handback', rating: string): Promise<string> {
  const merchant = await Merchant.open(ts);
  await merchant.turn(say, /客服|排队|前面/);
  const row = await onlyHandoff(ts, merchant.conversationId);
  expect(row.reason).toBe(reason);
  expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${row.id}/claim`)).status).toBe(200);
  const mark = await merchant.mark();
  expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${row.id}/${how}`)).status).toBe(200);
  await merchant.waitForText(t('zh-CN', 'handoffRateAsk'), mark);
  await merchant.turn(rating, t('zh-CN', 'handoffRated'));
  return row.id;
}

/** Sets a handoff's claim and end to `claimS` and `endS` seconds after it opened. */
async function timeHandoff(id: string, claimS: number, endS: number): Promise<void> {
  const row = await dbOf(ts).selectFrom('handoffs').select('created_at').where('id', '=', id).executeTakeFirstOrThrow();
  const at = (s: number) => new Date(Date.parse(row.created_at) + s * 1000).toISOString();
  await dbOf(ts).updateTable('handoffs').set({ claimed_at: at(claimS), ended_at: at(endS) }).where('id', '=', id).execute();
}

beforeAll(async () => {
  ts = await startHandoffServer({ TIME_ZONE: TZ });
  boss = await agent(ts, 'boss', 'supervisor');
  ann = await agent(ts, 'ann');

  // Web chat: two answered questions (👍 on one, 👎 on the other), three handoffs, one filed request.
  const asker = await Merchant.open(ts);
  await asker.turn('退货多久能到账', '来源');
  await asker.turn('👍', '感谢');
  const critic = await Merchant.open(ts);
  await critic.turn('退货多久能到账', '来源');
  await critic.turn('👎', '没能帮到您');
  const a = await handled('转人工', 'human_request', 'resolve', '5');
  const b = await handled('转人工', 'human_request', 'resolve', '4');
  const c = await handled('你们这是骗人，我要投诉', 'complaint', 'handback', '2');
  await timeHandoff(a, 10, 100);
  await timeHandoff(b, 20, 300);
  await timeHandoff(c, 60, 200);
  await fileCancelRequest(await Merchant.open(ts), '810100000000055');

  // The terminal channel: one answered question.
  await terminalConversation(ts.server.runtime()!, 'dash-terminal').say('怎么申请暂停结算');
}, 120_000);

afterAll(async () => {
  await ts?.destroy();
});

describe('the supervisor dashboard', () => {
  it('is for supervisors only: an agent gets 403 (JSON and CSV), no session 401', async () => {
    expect((await api(ts, ann, 'GET', '/agent/api/dashboard')).status).toBe(403);
    expect((await api(ts, ann, 'GET', '/agent/api/dashboard.csv')).status).toBe(403);
    expect((await api(ts, undefined, 'GET', '/agent/api/dashboard')).status).toBe(401);
  });

  it('counts conversations, deflection, handoffs by reason, times to claim and resolve, CSAT, requests and 👍/👎 by section', async () => {
    const res = await api<Dashboard>(ts, boss, 'GET', '/agent/api/dashboard');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const d = res.body;
    expect(d.to).toBe(today);
    expect(d.timeZone).toBe(TZ);
    const web = d.rows.find((r) => r.day === today && r.channel === 'directline')!;
    // 6 web conversations: 2 answered, 3 handed over, 1 request filed.
    expect(web).toMatchObject({ conversations: 6, handedOver: 3, deflected: 3, deflectionRate: 0.5, handoffs: 3, handoffRate: 0.5, byReason: { human_request: 2, complaint: 1 } });
    // Claimed after 10, 20 and 60 s; ended after 100, 300, 200 s (nearest rank: p50 the 2nd, p90 the 3rd).
    expect(web.claim).toEqual({ count: 3, p50: 20, p90: 60 });
    expect(web.resolve).toEqual({ count: 3, p50: 200, p90: 300 });
    // Rated 5, 4 and 2: two of three satisfied.
    expect(web.ratings).toEqual({ count: 3, satisfied: 2, csat: 0.667, average: 3.67 });
    const terminal = d.rows.find((r) => r.channel === 'terminal')!;
    expect(terminal).toMatchObject({ day: today, conversations: 1, handedOver: 0, deflectionRate: 1, handoffs: 0 });
    expect(d.total).toMatchObject({ day: 'total', channel: 'all', conversations: 7, handoffs: 3, claim: { p50: 20, p90: 60 } });
    expect(d.reasons).toEqual([{ reason: 'human_request', count: 2 }, { reason: 'complaint', count: 1 }]);
    expect(d.requests).toEqual([{ status: 'submitted', age: '<1d', count: 1 }]);
    expect(d.sections.length).toBeGreaterThan(0);
    const votes = d.sections.reduce((sum, s) => ({ up: sum.up + s.up, down: sum.down + s.down }), { up: 0, down: 0 });
    // The same question both times: the same cited sections got one 👍 and one 👎 each.
    expect(votes.up).toBe(votes.down);
    expect(d.sections.every((s) => s.up === 1 && s.down === 1)).toBe(true);
  });

  it('filters by channel, and a range without that day is empty', async () => {
    const terminal = (await api<Dashboard>(ts, boss, 'GET', '/agent/api/dashboard?channel=terminal')).body;
    expect(terminal.rows.map((r) => r.channel)).toEqual(['terminal']);
    expect(terminal.requests).toEqual([]);
    const before = (await api<Dashboard>(ts, boss, 'GET', '/agent/api/dashboard?from=2020-01-01&to=2020-01-31')).body;
    expect(before.rows).toEqual([]);
    expect(before.total.conversations).toBe(0);
    expect((await api(ts, boss, 'GET', '/agent/api/dashboard?from=2020-01-01&to=2020-12-31')).status).toBe(400);
    expect((await api(ts, boss, 'GET', '/agent/api/dashboard?from=2020-02-01&to=2020-01-01')).status).toBe(400);
  });

  it('puts a handoff on the merchants\' day: 23:30 in Shanghai is the next UTC day\'s 15:30 before', async () => {
    const db = dbOf(ts);
    const yesterday = new Date(startOfDay(today, TZ).getTime() - 30 * 60_000);
    const [row] = await db.selectFrom('handoffs').select('id').where('reason', '=', 'complaint').execute();
    const original = await db.selectFrom('handoffs').select(['created_at', 'claimed_at', 'ended_at']).where('id', '=', row!.id).executeTakeFirstOrThrow();
    await db.updateTable('handoffs').set({ created_at: yesterday.toISOString(), claimed_at: null, ended_at: null }).where('id', '=', row!.id).execute();
    try {
      const d = await dashboard(db, { from: dayIn(yesterday, TZ), to: today, timeZone: TZ });
      expect(d.rows.find((r) => r.day === dayIn(yesterday, TZ) && r.channel === 'directline')).toMatchObject({ handoffs: 1, byReason: { complaint: 1 } });
      expect(d.rows.find((r) => r.day === today && r.channel === 'directline')).toMatchObject({ handoffs: 2, byReason: { human_request: 2 } });
    } finally {
      await db.updateTable('handoffs').set(original).where('id', '=', row!.id).execute();
    }
  });

  it('exports the daily table, the sections and the requests as CSV with the same numbers', async () => {
    const res = await fetch(`${ts.url}/agent/api/dashboard.csv`, { headers: { cookie: boss.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`attachment; filename="pos-assist-daily-\\d{4}-\\d{2}-\\d{2}-${today}\\.csv"`));
    const bytes = Buffer.from(await res.arrayBuffer());
    // A UTF-8 byte-order mark first, for spreadsheets (fetch's text() drops it).
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 8)).toEqual(['day', 'channel', 'conversations', 'handed_over', 'deflected', 'deflection_rate', 'handoffs', 'handoff_rate']);
    const web = Object.fromEntries(header.map((h, i) => [h, lines.find((l) => l.startsWith(`${today},directline,`))!.split(',')[i]]));
    expect(web).toMatchObject({ conversations: '6', handoffs_human_request: '2', handoffs_complaint: '1', claim_p50_s: '20', claim_p90_s: '60', csat: '0.667' });
    expect(lines.at(-1)!.startsWith('total,all,7,')).toBe(true);

    const sections = await api<string>(ts, boss, 'GET', '/agent/api/dashboard.csv?table=sections');
    expect(sections.body.split('\r\n')[0]).toBe('file,title,section,up,down');
    const requests = await api<string>(ts, boss, 'GET', '/agent/api/dashboard.csv?table=requests');
    expect(requests.body.trim().split('\r\n')).toEqual(['status,age,count', 'submitted,<1d,1']);
  });
});

describe('what the guide did not answer well', () => {
  it('groups unanswered and 👎 questions by similarity, with counts, examples and the sections the 👎 answers cited', async () => {
    const misses = ts.server.runtime()!.misses;
    for (const question of ['外卡能刷吗', '外卡可以刷吗？', '怎么给顾客开发票']) {
      await misses.record({ channelId: 'directline', conversationId: 'gap', question, confidence: 0.1, locale: 'zh-CN' });
    }
    expect((await api(ts, ann, 'GET', '/agent/api/knowledge/gaps')).status).toBe(403);
    const res = await api<{ groups: { count: number; misses: number; down: number; examples: string[]; sections: { title: string; count: number }[] }[] }>(ts, boss, 'GET', '/agent/api/knowledge/gaps');
    expect(res.status).toBe(200);
    const { groups } = res.body;
    expect(groups[0]).toMatchObject({ count: 2, misses: 2, down: 0 });
    expect(groups[0]!.examples.sort()).toEqual(['外卡可以刷吗？', '外卡能刷吗'].sort());
    const refund = groups.find((g) => g.examples.includes('退货多久能到账'))!;
    expect(refund).toMatchObject({ count: 1, misses: 0, down: 1 });
    expect(refund.sections.length).toBeGreaterThan(0);
    expect(groups.find((g) => g.examples.includes('怎么给顾客开发票'))).toMatchObject({ count: 1, misses: 1 });
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(4);
  });
});

describe('the dashboard on PostgreSQL', () => {
  it('compiles its queries with the PostgreSQL expressions and none of SQLite\'s (compiled, not run: no PostgreSQL in the tests)', async () => {
    const compiled: string[] = [];
    const pg = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      log: (event) => void compiled.push(event.query.sql),
    });
    const d = await dashboard(pg, { from: '2026-12-01', to: '2026-12-07', timeZone: TZ, channel: 'telegram' });
    expect(d.rows).toEqual([]);
    const all = compiled.join('\n');
    expect(all).toContain("at time zone 'Asia/Shanghai'");
    expect(all).toContain('extract(epoch from');
    expect(all).toContain('row_number() over (partition by');
    expect(all).not.toMatch(/julianday|datetime\(|strftime/);
  });
});
