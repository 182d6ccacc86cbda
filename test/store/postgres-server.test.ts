/**
 * A whole server on PostgreSQL (DATABASE_URL, a fresh schema): a merchant files a cancellation request
 * and asks for a person over Direct Line, an agent claims and resolves, the merchant rates, the
 * supervisor's dashboard counts it — every row in PostgreSQL. Then the server is replaced by another
 * over the same database (a restart, or the next instance) and carries on where the first left off.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { t } from '../../src/i18n/messages.js';
import { dayIn } from '../../src/ops/dashboard.js';
import { agent, api, dbOf, fileCancelRequest, login, Merchant, onlyHandoff, startHandoffServer } from '../handoff/helpers.js';
import { createTestSchema, describePostgres, dropTestSchema } from '../helpers/dialects.js';
import type { TestServer } from '../webchat/helpers.js';

const TZ = 'Asia/Shanghai';

describePostgres('a whole server on PostgreSQL', () => {
  let schema: string | undefined;
  let url: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    ({ schema, url } = await createTestSchema());
  });

  afterAll(async () => {
    for (const ts of servers) await ts.destroy();
    if (schema) await dropTestSchema(schema);
  });

  async function start(): Promise<TestServer> {
    const ts = await startHandoffServer({ TIME_ZONE: TZ, DATABASE_URL: url });
    servers.push(ts);
    return ts;
  }

  it('files, hands off, claims, rates and counts — and a second server over the same database carries on', async () => {
    const ts = await start();
    expect(ts.server.runtime()!.store.dialect).toBe('postgres');
    const boss = await agent(ts, 'boss', 'supervisor');
    const ann = await agent(ts, 'ann');

    const ticket = await fileCancelRequest(await Merchant.open(ts), '810100000000055');
    const today = dayIn(new Date(), TZ).replaceAll('-', '');
    expect(ticket).toBe(`CX-${today}-0001`);

    const merchant = await Merchant.open(ts);
    await merchant.turn('转人工', /客服|排队|前面/);
    const handoff = await onlyHandoff(ts, merchant.conversationId);
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/claim`)).status).toBe(200);
    expect((await api(ts, boss, 'POST', `/agent/api/handoffs/${handoff.id}/claim`)).status).toBe(409);
    const mark = await merchant.mark();
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/resolve`)).status).toBe(200);
    await merchant.waitForText(t('zh-CN', 'handoffRateAsk'), mark);
    await merchant.turn('5', t('zh-CN', 'handoffRated'));

    const day = dayIn(new Date(), TZ);
    const board = await api(ts, boss, 'GET', `/agent/api/dashboard?from=${day}&to=${day}`);
    expect(board.status).toBe(200);
    expect(board.body.total).toMatchObject({ handoffs: 1, ratings: { count: 1, satisfied: 1 } });
    expect(board.body.total.conversations).toBeGreaterThanOrEqual(2);
    expect(board.body.requests).toEqual([expect.objectContaining({ status: 'submitted', count: 1 })]);

    // The rows are in PostgreSQL, in the test's schema.
    const db = dbOf(ts);
    expect(await db.selectFrom('requests').select('ticket').execute()).toEqual([{ ticket }]);
    expect(await db.selectFrom('handoffs').select(['status', 'rating']).execute()).toEqual([{ status: 'ended', rating: 5 }]);

    // Another server over the same database: the same agents, the next ticket number.
    const next = await start();
    const annAgain = await login(next, 'ann');
    expect((await api(next, annAgain, 'GET', `/agent/api/handoffs/${handoff.id}`)).status).toBe(200);
    expect(await dbOf(next).selectFrom('agents').select('name').orderBy('name').execute()).toEqual([{ name: 'ann' }, { name: 'boss' }]);
    const second = await fileCancelRequest(await Merchant.open(next), '810100000000066', '000456');
    expect(second).toBe(`CX-${today}-0002`);
  });
});
