/**
 * When nobody can come: a handoff nobody claims in time becomes a ticket (the sweep), and outside
 * business hours or with no agent online the bot takes a message and a callback number instead. Real
 * server, real SQLite, a merchant in Direct Line; time moves by editing the handoff's creation time.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BusinessHours } from '../../src/handoff/business-hours.js';
import { sleep, type TestServer } from '../webchat/helpers.js';
import { ConsoleSocket, Merchant, addAgent, ageHandoff, agent, api, dbOf, details, handoffRows, login, onlyHandoff, serviceOf, startHandoffServer } from './helpers.js';

const QUEUED = '正在为您转接人工客服';
const NO_ANSWER = '没有找到可靠的答案';

let ts: TestServer | undefined;
const sockets: ConsoleSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await ts?.destroy();
  ts = undefined;
});

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  ts = await startHandoffServer(env);
  return ts;
}

/**
 * In hours, with an agent who exists but never logged in: one server for the tests that need only that
 * and look only at their own merchant's handoff (started once, not once per test).
 */
let noAgentServer: Promise<TestServer> | undefined;
afterAll(async () => {
  if (noAgentServer) await (await noAgentServer).destroy();
});
function serverWithNoAgentOnline(): Promise<TestServer> {
  noAgentServer ??= (async () => {
    const s = await startHandoffServer();
    await addAgent(s, 'alice'); // exists, never logged in
    return s;
  })();
  return noAgentServer;
}

describe('a handoff nobody claims in time', () => {
  it('becomes a ticket (timeout); the merchant is told, leaves a message and a number on that same ticket', async () => {
    const s = await server({ HANDOFF_CLAIM_TIMEOUT_SECONDS: '60' });
    const alice = await agent(s, 'alice');
    const live = await ConsoleSocket.open(s, alice);
    sockets.push(live);
    const m = await Merchant.open(s);
    await m.turn('转人工', QUEUED);
    const waiting = await onlyHandoff(s, m.conversationId);
    // Another merchant who has waited only a moment stays in the queue.
    const other = await Merchant.open(s);
    await other.turn('人工客服', QUEUED);

    // Not yet: 30 s is within the timeout.
    await ageHandoff(s, waiting.id, 30);
    await serviceOf(s).sweep();
    expect((await onlyHandoff(s, m.conversationId)).status).toBe('waiting');

    const mark = await m.mark();
    await ageHandoff(s, waiting.id, 61);
    await serviceOf(s).sweep();
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ id: waiting.id, status: 'ticket', end_reason: 'timeout', callback_phone: null });
    expect((await onlyHandoff(s, other.conversationId)).status).toBe('waiting');
    // Nothing left to move: a second sweep does nothing (and the server's own sweeper neither).
    expect(await serviceOf(s).sweep()).toBe(0);
    await live.waitFor((e) => e.type === 'handoff.updated' && e.handoff.id === waiting.id && e.handoff.status === 'ticket', 'the ticket on the socket');

    const told = await m.waitForText('暂时没有客服接入', mark);
    expect(told.text).toContain('请先简单说明您的问题');
    await m.turn('终端一直提示撤销失败，想请人工帮忙看看', '手机号');
    const taken = await m.turn('13800138000', '已为您登记');
    expect(taken.join('\n')).toContain('138****8000');

    // The same row (not a second ticket) carries the number and the message.
    const rows = await handoffRows(s, m.conversationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: waiting.id, status: 'ticket', end_reason: 'timeout', callback_phone: '13800138000', message: '终端一直提示撤销失败，想请人工帮忙看看' });
    const queue = (await api(s, alice, 'GET', '/agent/api/handoffs')).body.handoffs as { id: string; status: string; callbackPhone: string | null; message: string | null }[];
    expect(queue.find((h) => h.id === waiting.id)).toMatchObject({ status: 'ticket', callbackPhone: '13800138000', message: '终端一直提示撤销失败，想请人工帮忙看看' });
    expect((await details(s, alice, waiting.id)).events.map((e) => [e.kind, e.actor])).toEqual([
      ['initiated', 'bot'],
      ['ticket', 'system'],
      ['ticket', 'merchant'],
    ]);
    // A ticket cannot be claimed for a live chat; it is closed once called back.
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${waiting.id}/claim`)).status).toBe(409);
    const closed = await api(s, alice, 'POST', `/agent/api/handoffs/${waiting.id}/close-ticket`, { body: { note: '已回电，问题解决' } });
    expect(closed.status).toBe(200);
    expect((await onlyHandoff(s, m.conversationId)).status).toBe('ended');

    // The bot is back: the merchant's next message is answered, not forwarded.
    const after = await m.turn('明天上海会下雨吗', NO_ANSWER);
    expect(after.join('\n')).not.toContain(QUEUED);
  });

  it('a handoff claimed before the sweep stays with its agent', async () => {
    const s = await server({ HANDOFF_CLAIM_TIMEOUT_SECONDS: '60' });
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    await m.turn('转人工', QUEUED);
    const row = await onlyHandoff(s, m.conversationId);
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${row.id}/claim`)).status).toBe(200);
    await ageHandoff(s, row.id, 3600);
    expect(await serviceOf(s).sweep()).toBe(0);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active', agent_id: alice.id });
  });
});

describe('nobody to hand over to', () => {
  it('outside business hours: the bot says so with the hours, takes a message and a number → ticket (after_hours)', async () => {
    const spec = 'Sun 00:00-00:01';
    if (new BusinessHours(spec, 'Asia/Shanghai').isOpen(new Date())) return; // the one open minute of the week
    const s = await server({ HANDOFF_BUSINESS_HOURS: spec });
    const alice = await agent(s, 'alice'); // online, but it is not working time
    const m = await Merchant.open(s);
    const closed = await m.turn('转人工', '不是人工客服的工作时间');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toContain('周日 00:00–00:01');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
    // Nothing is queued: the next message is the message for the ticket.
    await m.turn('想咨询手工退货怎么办，卡号6222021234567890128', '手机号');
    await m.turn('12345', /./); // not a phone number: asked again, nothing stored yet
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
    const taken = await m.turn('13900139000', '已为您登记');
    expect(taken[0]).toContain('周日 00:00–00:01');
    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ status: 'ticket', end_reason: 'after_hours', reason: 'human_request', callback_phone: '13900139000' });
    expect(row.message).toBe('想咨询手工退货怎么办，卡号622202*********0128');
    // Agents see it with the next opening.
    const queue = (await api(s, alice, 'GET', '/agent/api/handoffs')).body.handoffs;
    expect(queue).toEqual([expect.objectContaining({ id: row.id, status: 'ticket', callbackPhone: '13900139000' })]);
    // And the bot carries on.
    const after = await m.turn('POS机已经结算了还能撤销交易吗', /./);
    expect(after.join('\n')).not.toContain(NO_ANSWER);
  });

  it('a landline with its area code is a number a person can call back ("打店里座机 028-85126673"); another number given next replaces it', async () => {
    const spec = 'Sun 00:00-00:01';
    if (new BusinessHours(spec, 'Asia/Shanghai').isOpen(new Date())) return; // the one open minute of the week
    const s = await server({ HANDOFF_BUSINESS_HOURS: spec });
    const m = await Merchant.open(s);
    await m.turn('转人工', '不是人工客服的工作时间');
    // The number came with the message: taken at once, shown masked.
    const taken = await m.turn('结算到账老是晚一天 打店里座机嘛 028-85126673 白天都有人接', '已为您登记');
    expect(taken[0]).toContain('028****6673');
    expect(taken[0]).not.toContain('85126673');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ticket', callback_phone: '02885126673' });
    // Another number to call, soon after: the ticket's number is replaced, and said so (masked).
    const changed = await m.turn('座机不行啊 那打我儿子手机 137 0221 9384 他姓陈', '回电号码已改为');
    expect(changed[0]).toContain('137****9384');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ticket', callback_phone: '13702219384' });
    // A number said without asking to be called on it is no change.
    await m.turn('我的商户号是898330155210648', /./);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ callback_phone: '13702219384' });
  });

  it('outside business hours, an automatic trigger (two misses) takes a message too', async () => {
    const spec = 'Sun 00:00-00:01';
    if (new BusinessHours(spec, 'Asia/Shanghai').isOpen(new Date())) return;
    const s = await server({ HANDOFF_BUSINESS_HOURS: spec });
    const m = await Merchant.open(s);
    await m.turn('明天上海会下雨吗', NO_ANSWER);
    await m.turn('推荐一部电影', '不是人工客服的工作时间');
    await m.turn('问了两个问题都没答案', '手机号');
    await m.turn('13800138000', '已为您登记');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ticket', reason: 'unanswered', end_reason: 'after_hours' });
  });

  it('in hours with no agent logged in: the bot says nobody is online → ticket (no_agent)', async () => {
    const s = await serverWithNoAgentOnline();
    const m = await Merchant.open(s);
    const replies = await m.turn('我要投诉', '人工客服都不在线');
    expect(replies[0]).toContain('全天');
    await m.turn('上周的退款还没到账', '手机号');
    await m.turn('13800138000', '已为您登记');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ticket', reason: 'complaint', end_reason: 'no_agent', callback_phone: '13800138000', message: '上周的退款还没到账' });
  });

  it('a call-back request with the number in it is the ticket at once: the number is never asked for again', async () => {
    const s = await serverWithNoAgentOnline();
    const m = await Merchant.open(s);
    const replies = await m.turn('你们让人给我回个电话吧，我号码13800138000，退款的事情打字说不清楚', '已为您登记');
    expect(replies.join('\n')).not.toContain('手机号码');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({
      status: 'ticket',
      reason: 'human_request',
      end_reason: 'no_agent',
      callback_phone: '13800138000',
      message: '你们让人给我回个电话吧，我号码13800138000，退款的事情打字说不清楚',
    });
  });

  it('a call-back request with a landline and what it is about ("…我办公室电话010-68452391") is the ticket at once', async () => {
    const s = await serverWithNoAgentOnline();
    const m = await Merchant.open(s);
    const said = '您好，我想请客服人员回个电话，咨询一下半年前的一笔交易还能不能退，我办公室电话010-68452391，谢谢';
    const replies = await m.turn(said, '已为您登记');
    expect(replies.join('\n')).not.toContain('请先说说是什么问题');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ticket', reason: 'human_request', callback_phone: '01068452391', message: said });
  });

  it('the number given with the message ("my number 15454630558, its about…") is the call-back number: not asked for again', async () => {
    const s = await serverWithNoAgentOnline();
    const m = await Merchant.open(s);
    await m.turn('我要跟人说', '人工客服都不在线');
    const replies = await m.turn('我电话15454630558，退款在机器上一直失败', '已为您登记');
    expect(replies.join('\n')).not.toContain('手机号码');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({
      status: 'ticket',
      callback_phone: '15454630558',
      message: '我电话15454630558，退款在机器上一直失败',
    });
  });

  it('"哦好吧 那还是走你们这 继续" instead of a message: no message is left, and the request in progress goes on', async () => {
    const s = await serverWithNoAgentOnline();
    const m = await Merchant.open(s);
    await m.turn('前天有个叔叔配了副眼镜980 刷的卡 今天来说不合适 给他退了 商户号827613094450281 终端93058126', '凭证号');
    await m.turn('我要跟人说', '人工客服都不在线');
    const back = await m.turn('哦好吧 那还是走你们这 继续', '凭证号');
    expect(back.join('\n')).toContain('不留言了');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);
  });

  it('an agent counts only while recently active: logged in long ago, or logged out → no_agent', async () => {
    const s = await server({ AGENT_AWAY_MINUTES: '10' });
    const alice = await agent(s, 'alice');
    // Last active 11 minutes ago (no request since): not online.
    await dbOf(s).updateTable('agents').set({ last_active_at: new Date(Date.now() - 11 * 60_000).toISOString() }).where('id', '=', alice.id).execute();
    const m = await Merchant.open(s);
    await m.turn('转人工', '人工客服都不在线');
    await m.turn('不用了', '不留言了');
    expect(await handoffRows(s, m.conversationId)).toHaveLength(0);

    // Any request of hers makes her active again: the merchant is queued.
    expect((await api(s, alice, 'GET', '/agent/api/me')).status).toBe(200);
    await m.turn('转人工', QUEUED);
    expect((await onlyHandoff(s, m.conversationId)).status).toBe('waiting');
    await m.turn('不用了', '已取消转人工');

    // Logged out: offline.
    expect((await api(s, alice, 'POST', '/agent/api/logout')).status).toBe(204);
    await m.turn('转人工', '人工客服都不在线');
    // A number given as the message is the call-back number: the ticket is taken at once.
    await m.turn('13800138000', '已为您登记');
    const rows = await handoffRows(s, m.conversationId);
    expect(rows.map((r) => [r.status, r.end_reason])).toEqual([
      ['ended', 'cancelled'],
      ['ticket', 'no_agent'],
    ]);
    // Logging in again brings her back.
    await login(s, 'alice');
    await m.turn('转人工', QUEUED);
    await sleep(50);
    expect((await handoffRows(s, m.conversationId)).at(-1)!.status).toBe('waiting');
  });
});
