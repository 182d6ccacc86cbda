/**
 * The supervisor dashboard's numbers, computed in SQL (Kysely) over the store's own tables, by day (in
 * the merchants' time zone) and channel, for a range of days:
 *
 * - conversations: conversations with at least one merchant message that day (`transcript`);
 * - deflection: those of them that never reached a person (no handoff opened that day) — 1 − handed over
 *   / conversations;
 * - handoffs by reason, and as a share of the conversations (`handoffs`, by the day they opened);
 * - time to claim (opened → claimed) and to resolve (opened → ended by an agent): median and p90, the
 *   nearest-rank percentiles of window functions (`row_number() over …`), which SQLite and PostgreSQL share;
 * - CSAT: the 1–5 ratings merchants give after a handoff (share of 4 and 5, average, count);
 * - requests by status and age (now: < 1 day, 1–3, 3–7, > 7 days old);
 * - 👍/👎 by the sections answers cited (`answer_feedback`, `answer_feedback_sources`).
 *
 * Portability: timestamps are ISO-8601 UTC text, so ranges and age buckets are plain text comparisons.
 * Only two expressions differ between the dialects, and they live in `dialectOf`: the local day of a
 * timestamp and the seconds between two. On SQLite the day is the UTC time shifted by the time zone's
 * offset at the start of the range (right for zones without daylight saving, such as Asia/Shanghai).
 */
import { sql, SqliteAdapter, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../store/schema.js';
import { formatDay } from '../core/time-zone.js';

export interface DashboardQuery {
  /** First and last day shown (`YYYY-MM-DD`, both included), in `timeZone`. */
  from: string;
  to: string;
  timeZone: string;
  /** Only this channel (`directline`, `telegram`, `wechat`…); all when absent. */
  channel?: string | undefined;
  /** "Now", for the ages of requests (tests). */
  now?: Date;
}

export interface Percentiles {
  count: number;
  /** Seconds; null when there was nothing to measure. */
  p50: number | null;
  p90: number | null;
}

export interface DashboardRow {
  /** `YYYY-MM-DD`, or `total` for the whole range. */
  day: string;
  /** A channel id, or `all`. */
  channel: string;
  conversations: number;
  /** Conversations that reached a person (a handoff or a ticket). */
  handedOver: number;
  /** Conversations the bot resolved alone, and their share (null without conversations). */
  deflected: number;
  deflectionRate: number | null;
  handoffs: number;
  handoffRate: number | null;
  byReason: Record<string, number>;
  claim: Percentiles;
  resolve: Percentiles;
  ratings: { count: number; satisfied: number; csat: number | null; average: number | null };
}

export interface Dashboard {
  from: string;
  to: string;
  timeZone: string;
  channel: string | null;
  rows: DashboardRow[];
  total: DashboardRow;
  /** The reasons seen in the range, most frequent first. */
  reasons: { reason: string; count: number }[];
  requests: { status: string; age: RequestAge; count: number }[];
  sections: { file: string; title: string; section: string; up: number; down: number }[];
}

export const REQUEST_AGES = ['<1d', '1-3d', '3-7d', '>7d'] as const;
export type RequestAge = (typeof REQUEST_AGES)[number];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The time zone's offset from UTC, in minutes, at `at`. */
export function offsetMinutes(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The UTC instant at which `day` begins in `timeZone`. */
export function startOfDay(day: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00.000Z`);
  const offset = offsetMinutes(timeZone, new Date(utcMidnight));
  return new Date(utcMidnight - offset * 60_000);
}

/** `YYYY-MM-DD` of `at` in `timeZone`. */
export function dayIn(at: Date, timeZone: string): string {
  return formatDay(at, timeZone);
}

interface Dialect {
  /** The local day (`YYYY-MM-DD`) of an ISO timestamp column. */
  day(column: string): RawBuilder<string>;
  /** Seconds from one ISO timestamp column to another. */
  seconds(from: string, to: string): RawBuilder<number>;
}

/** The two expressions that differ between SQLite and PostgreSQL. */
function dialectOf(db: Kysely<Database>, timeZone: string, offset: number): Dialect {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    const shift = `${offset} minutes`;
    return {
      day: (column) => sql<string>`substr(datetime(${sql.ref(column)}, ${shift}), 1, 10)`,
      seconds: (from, to) => sql<number>`(julianday(${sql.ref(to)}) - julianday(${sql.ref(from)})) * 86400`,
    };
  }
  // The zone is a literal, not a parameter: PostgreSQL matches a GROUP BY expression to the selected one
  // by its text, and two parameters ($1, $4) never match. `sql.lit` quotes it (and it is a checked zone).
  return {
    day: (column) => sql<string>`to_char((${sql.ref(column)})::timestamptz at time zone ${sql.lit(timeZone)}, 'YYYY-MM-DD')`,
    seconds: (from, to) => sql<number>`extract(epoch from (${sql.ref(to)})::timestamptz - (${sql.ref(from)})::timestamptz)`,
  };
}

const num = (v: unknown): number => Number(v ?? 0);
const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
const secs = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v)));

export async function dashboard(db: Kysely<Database>, query: DashboardQuery): Promise<Dashboard> {
  if (!DAY.test(query.from) || !DAY.test(query.to) || query.from > query.to) throw new RangeError('dashboard: from and to must be days (YYYY-MM-DD), from ≤ to');
  const start = startOfDay(query.from, query.timeZone);
  const end = startOfDay(new Date(Date.parse(`${query.to}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10), query.timeZone);
  const range = { start: start.toISOString(), end: end.toISOString() };
  const d = dialectOf(db, query.timeZone, offsetMinutes(query.timeZone, start));
  const channel = query.channel;

  /** Each measure twice: by day and channel, and for the whole range ("total", "all"). */
  const both = async <T>(measure: (grouped: boolean) => Promise<T[]>) => ({ grouped: await measure(true), total: await measure(false) });
  const dayOf = (grouped: boolean, column: string) => (grouped ? d.day(column) : sql<string>`'total'`);
  const channelOf = (grouped: boolean, column: string) => (grouped ? sql<string>`${sql.ref(column)}` : sql<string>`'all'`);

  // ── Conversations (distinct conversations with a merchant message) ──
  const conversations = await both((grouped) => {
    const seen = db
      .selectFrom('transcript')
      .select([dayOf(grouped, 'created_at').as('day'), 'channel_id', 'conversation_id'])
      .distinct()
      .where('direction', '=', 'in')
      .where('type', '=', 'message')
      .where('created_at', '>=', range.start)
      .where('created_at', '<', range.end)
      .$if(channel !== undefined, (q) => q.where('channel_id', '=', channel!));
    return db
      .selectFrom(seen.as('c'))
      .select(['c.day', channelOf(grouped, 'c.channel_id').as('channel'), sql<number>`count(*)`.as('n')])
      .groupBy(grouped ? ['c.day', 'c.channel_id'] : ['c.day'])
      .execute();
  });

  // ── Handoffs (opened in the range, by the day they opened) ──
  const opened = (grouped: boolean) =>
    db
      .selectFrom('handoffs')
      .where('created_at', '>=', range.start)
      .where('created_at', '<', range.end)
      .$if(channel !== undefined, (q) => q.where('channel_id', '=', channel!))
      .select([dayOf(grouped, 'created_at').as('day'), channelOf(grouped, 'channel_id').as('channel')]);
  const handedOver = await both((grouped) =>
    opened(grouped)
      .select(sql<number>`count(distinct conversation_id)`.as('n'))
      .$if(grouped, (q) => q.groupBy([d.day('created_at'), 'channel_id']))
      .execute(),
  );
  const byReason = await both((grouped) =>
    opened(grouped)
      .select(['reason', sql<number>`count(*)`.as('n')])
      .groupBy(grouped ? [d.day('created_at'), 'channel_id', 'reason'] : ['reason'])
      .execute(),
  );
  const ratings = await both((grouped) =>
    opened(grouped)
      .where('rating', 'is not', null)
      .select([sql<number>`count(rating)`.as('n'), sql<number>`sum(case when rating >= 4 then 1 else 0 end)`.as('satisfied'), sql<number>`avg(rating)`.as('average')])
      .$if(grouped, (q) => q.groupBy([d.day('created_at'), 'channel_id']))
      .execute(),
  );

  // ── Time to claim and to resolve: nearest-rank median and p90 per group ──
  const percentiles = (grouped: boolean, to: 'claimed_at' | 'ended_at') => {
    let durations = opened(grouped).select(d.seconds('created_at', to).as('secs')).where(to, 'is not', null).where('claimed_at', 'is not', null);
    if (to === 'ended_at') durations = durations.where('end_reason', 'in', ['resolved', 'handed_back']);
    const ranked = db
      .selectFrom(durations.as('t'))
      .select([
        't.day',
        't.channel',
        't.secs',
        sql<number>`row_number() over (partition by t.day, t.channel order by t.secs)`.as('rn'),
        sql<number>`count(*) over (partition by t.day, t.channel)`.as('n'),
      ]);
    return db
      .selectFrom(ranked.as('r'))
      .select([
        'r.day',
        'r.channel',
        sql<number>`count(*)`.as('n'),
        sql<number>`max(case when r.rn = (r.n * 50 + 99) / 100 then r.secs end)`.as('p50'),
        sql<number>`max(case when r.rn = (r.n * 90 + 99) / 100 then r.secs end)`.as('p90'),
      ])
      .groupBy(['r.day', 'r.channel'])
      .execute();
  };
  const claim = await both((grouped) => percentiles(grouped, 'claimed_at'));
  const resolve = await both((grouped) => percentiles(grouped, 'ended_at'));

  // ── Requests now, by status and age ──
  const now = query.now ?? new Date();
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const age = sql<RequestAge>`case when created_at >= ${ago(1)} then '<1d' when created_at >= ${ago(3)} then '1-3d' when created_at >= ${ago(7)} then '3-7d' else '>7d' end`;
  const requests = await db
    .selectFrom('requests')
    .select(['status', age.as('age'), sql<number>`count(*)`.as('n')])
    .$if(channel !== undefined, (q) => q.where('channel_id', '=', channel!))
    // By the output name: PostgreSQL does not see the same CASE with other parameters as the selected one.
    .groupBy(['status', sql.ref('age')])
    // Both keys: rows of one status come in the same order on SQLite and PostgreSQL.
    .orderBy('status')
    .orderBy(sql.ref('age'))
    .execute();

  // ── 👍/👎 by cited section ──
  const sections = await db
    .selectFrom('answer_feedback as f')
    .innerJoin('answer_feedback_sources as s', 's.feedback_id', 'f.id')
    .where('f.created_at', '>=', range.start)
    .where('f.created_at', '<', range.end)
    .$if(channel !== undefined, (q) => q.where('f.channel_id', '=', channel!))
    .select([
      's.file',
      's.title',
      's.section',
      sql<number>`sum(case when f.rating = 'up' then 1 else 0 end)`.as('up'),
      sql<number>`sum(case when f.rating = 'down' then 1 else 0 end)`.as('down'),
    ])
    .groupBy(['s.file', 's.title', 's.section'])
    .orderBy('down', 'desc')
    .orderBy('up', 'desc')
    .orderBy('s.file')
    .orderBy('s.section')
    .execute();

  // ── Rows: every (day, channel) any measure saw ──
  const row = (pick: <T extends { day: string; channel: string }>(rows: { grouped: T[]; total: T[] }) => T[], day: string, ch: string): DashboardRow => {
    const find = <T extends { day: string; channel: string }>(rows: { grouped: T[]; total: T[] }) => pick(rows).find((r) => r.day === day && r.channel === ch);
    const conv = num(find(conversations)?.n);
    const over = num(find(handedOver)?.n);
    const reasons = pick(byReason).filter((r) => r.day === day && r.channel === ch);
    const handoffs = reasons.reduce((sum, r) => sum + num(r.n), 0);
    const rated = find(ratings);
    const satisfied = num(rated?.satisfied);
    const c = find(claim);
    const r = find(resolve);
    const deflected = Math.max(0, conv - over);
    return {
      day,
      channel: ch,
      conversations: conv,
      handedOver: over,
      deflected,
      deflectionRate: ratio(deflected, conv),
      handoffs,
      handoffRate: ratio(handoffs, conv),
      byReason: Object.fromEntries(reasons.map((x) => [x.reason, num(x.n)])),
      claim: { count: num(c?.n), p50: secs(c?.p50), p90: secs(c?.p90) },
      resolve: { count: num(r?.n), p50: secs(r?.p50), p90: secs(r?.p90) },
      ratings: { count: num(rated?.n), satisfied, csat: ratio(satisfied, num(rated?.n)), average: rated?.average === null || rated?.average === undefined ? null : Math.round(Number(rated.average) * 100) / 100 },
    };
  };
  const keys = new Map<string, [string, string]>();
  for (const list of [conversations, handedOver, byReason, ratings, claim, resolve]) {
    for (const r of list.grouped as { day: string; channel: string }[]) keys.set(`${r.day} ${r.channel}`, [r.day, r.channel]);
  }
  const rows = [...keys.values()].sort((a, b) => (a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0]))).map(([day, ch]) => row((x) => x.grouped, day, ch));
  const total = row((x) => x.total, 'total', 'all');

  return {
    from: query.from,
    to: query.to,
    timeZone: query.timeZone,
    channel: channel ?? null,
    rows,
    total,
    reasons: Object.entries(total.byReason)
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count),
    requests: requests.map((r) => ({ status: r.status, age: r.age, count: num(r.n) })),
    sections: sections.map((s) => ({ file: s.file, title: s.title, section: s.section, up: num(s.up), down: num(s.down) })),
  };
}

// ── CSV ──────────────────────────────────────────────────────────────────────────────────────────────

/** One CSV cell: quoted when needed; a leading = + - @ is defused (spreadsheets would run it). */
function cell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export type DashboardTable = 'daily' | 'sections' | 'requests';

/** One table of the dashboard as CSV (the daily table ends with the range's total row). */
export function dashboardCsv(data: Dashboard, table: DashboardTable): string {
  if (table === 'sections') return csv(['file', 'title', 'section', 'up', 'down'], data.sections.map((s) => [s.file, s.title, s.section, s.up, s.down]));
  if (table === 'requests') return csv(['status', 'age', 'count'], data.requests.map((r) => [r.status, r.age, r.count]));
  const reasons = data.reasons.map((r) => r.reason);
  const header = [
    'day', 'channel', 'conversations', 'handed_over', 'deflected', 'deflection_rate', 'handoffs', 'handoff_rate',
    ...reasons.map((r) => `handoffs_${r}`),
    'claims', 'claim_p50_s', 'claim_p90_s', 'resolved', 'resolve_p50_s', 'resolve_p90_s', 'ratings', 'csat', 'rating_average',
  ];
  const line = (r: DashboardRow) => [
    r.day, r.channel, r.conversations, r.handedOver, r.deflected, r.deflectionRate, r.handoffs, r.handoffRate,
    ...reasons.map((x) => r.byReason[x] ?? 0),
    r.claim.count, r.claim.p50, r.claim.p90, r.resolve.count, r.resolve.p50, r.resolve.p90, r.ratings.count, r.ratings.csat, r.ratings.average,
  ];
  return csv(header, [...data.rows.map(line), line(data.total)]);
}
