/**
 * The human handoff end to end, with real parts only: the real server (real SQLite, real HTTP on
 * 127.0.0.1), a merchant in Direct Line, agents logged in over HTTP (session cookie + CSRF header) and
 * their console socket over a real WebSocket. Covers the handoff package, the claim race, the silent bot
 * under an owner with live chat both ways (text and images), resolve / hand back with the rating and the
 * resumed flow, and cancelling while waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/handoff/console-api.js';
import { StreamClient, bearer, call, makePng, sha256, settled, waitFor, type TestServer } from '../webchat/helpers.js';
import {
  ConsoleSocket,
  Merchant,
  agent,
  api,
  details,
  fileCancelRequest,
  handoffRows,
  onlyHandoff,
  serviceOf,
  startHandoffServer,
  type AgentClient,
  cancelToVoucher,
} from './helpers.js';

const NO_ANSWER = '没有找到可靠的答案';
const QUEUED = '正在为您转接人工客服';
/** A question the guide answers. */
const KNOWN_QUESTION = 'POS机已经结算了还能撤销交易吗';
const CARD = '6222 0212 3456 7890 128';
const CARD_DIGITS = CARD.replace(/ /g, '');

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

async function socket(s: TestServer, as: AgentClient): Promise<ConsoleSocket> {
  const opened = await ConsoleSocket.open(s, as);
  sockets.push(opened);
  return opened;
}

/** The merchant asks for a person; returns the waiting handoff's id. */
async function askForPerson(s: TestServer, m: Merchant, text = '转人工', queued: string = QUEUED): Promise<string> {
  await m.turn(text, queued);
  const row = (await handoffRows(s, m.conversationId)).find((r) => r.status === 'waiting');
  if (!row) throw new Error('no waiting handoff');
  return row.id;
}

async function claim(s: TestServer, as: AgentClient, id: string, m: Merchant): Promise<void> {
  const mark = await m.mark();
  const res = await api(s, as, 'POST', `/agent/api/handoffs/${id}/claim`);
  expect(res.status).toBe(200);
  await m.waitForText(`人工客服 ${as.displayName} 已接入`, mark);
}

describe('the handoff package', () => {
  it('gives the agent the reason, a summary, the half-filled flow, the masked transcript, attachments and the merchant’s requests', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    // An earlier request of this merchant (filed in this conversation: the merchant ID is known now).
    const ticket = await fileCancelRequest(m, '810100000000001');
    // A second request, half filled in, then a person with a card number in the words.
    await m.turn('申请撤销/退货', '终端编号');
    await m.turn('10203040', '哪天');
    await m.turn('昨天', '交易金额');
    await m.turn(`转人工，顾客卡号是${CARD}，金额我不确定`, QUEUED);

    const row = await onlyHandoff(s, m.conversationId);
    expect(row).toMatchObject({ status: 'waiting', reason: 'human_request', channel_id: 'directline' });
    const got = await details(s, alice, row.id);
    const pkg = got.package;
    expect(pkg.reason).toBe('human_request');
    expect(pkg.summary).toContain('商户要求转人工');
    expect(pkg.summary).toContain('商户最后说：转人工，顾客卡号是622202*********0128');
    expect(pkg.summary).toContain('撤销 / 退货申请');
    expect(pkg.summary).toContain('商户编号：810100000000001');
    expect(pkg.flow).toMatchObject({ id: 'cancel-transaction', stage: 'collecting', pending: 'amount' });
    expect(pkg.flow!.values).toEqual(
      expect.arrayContaining([
        { name: 'merchant_id', display: '810100000000001' },
        { name: 'terminal_id', display: '10203040' },
        expect.objectContaining({ name: 'transaction_date' }),
      ]),
    );
    // Typing a merchant ID in the flow proves nothing: the merchant is not verified.
    expect(pkg.channel).toEqual({ id: 'directline', userId: m.conv.userId, conversationId: m.conversationId, verified: [] });
    expect(pkg.requests).toEqual([expect.objectContaining({ ticket, kind: 'cancel-transaction', status: 'submitted' })]);
    // The transcript has both sides, the merchant's words masked.
    const merchantLines = pkg.transcript.filter((l) => l.from === 'merchant').map((l) => l.text);
    expect(merchantLines).toEqual(expect.arrayContaining(['申请撤销/退货', '10203040', '昨天', '转人工，顾客卡号是622202*********0128，金额我不确定']));
    expect(pkg.transcript.some((l) => l.from === 'bot' && l.text.includes('交易金额'))).toBe(true);
    // The slip photo of the earlier request is among the attachments, and the agent can open it.
    expect(pkg.attachments.length).toBeGreaterThanOrEqual(1);
    const photo = pkg.attachments[0]!;
    expect(photo).toMatchObject({ contentType: 'image/png', url: `/agent/api/files/${photo.file}` });
    const file = await fetch(`${s.url}${photo.url}`, { headers: { cookie: alice.cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    // No card number anywhere the agent sees, nor in the stored row.
    expect(JSON.stringify(got)).not.toContain(CARD_DIGITS);
    expect(JSON.stringify(got)).not.toContain(CARD);
    expect(row.package_json).not.toContain(CARD_DIGITS);
    // The queue shows it with the merchant's last words as its preview.
    const queue = await api(s, alice, 'GET', '/agent/api/handoffs');
    expect(queue.body.handoffs).toEqual([expect.objectContaining({ id: row.id, status: 'waiting', reason: 'human_request' })]);
  });

  it('answers 404 for an unknown handoff', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const res = await api(s, alice, 'GET', '/agent/api/handoffs/no-such-handoff');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('HANDOFF_NOT_FOUND');
  });
});

describe('claiming', () => {
  it('two agents claiming at once: exactly one wins (200), the other gets 409 and may not talk or finish', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const bob = await agent(s, 'bob');
    for (let round = 0; round < 3; round++) {
      const m = await Merchant.open(s);
      const id = await askForPerson(s, m);
      const mark = await m.mark();
      const [a, b] = await Promise.all([api(s, alice, 'POST', `/agent/api/handoffs/${id}/claim`), api(s, bob, 'POST', `/agent/api/handoffs/${id}/claim`)]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const [winner, loser, lost] = a.status === 200 ? [alice, bob, b] : [bob, alice, a];
      expect(lost.body.error.code).toBe('HANDOFF_CONFLICT');
      const row = await onlyHandoff(s, m.conversationId);
      expect(row).toMatchObject({ status: 'active', agent_id: winner.id });
      // One "accepted" for the merchant, naming the winner.
      await m.waitForText(`人工客服 ${winner.displayName} 已接入`, mark);
      await settled(s, m.conv);
      expect((await m.botMessagesSince(mark)).filter((x) => x.text?.includes('已接入'))).toHaveLength(1);
      // The loser can do nothing with it.
      for (const [path, body] of [
        ['messages', { text: 'hello from the loser' }],
        ['resolve', undefined],
        ['handback', undefined],
        ['transfer', { agentId: loser.id }],
        ['typing', undefined],
      ] as const) {
        const res = await api(s, loser, 'POST', `/agent/api/handoffs/${id}/${path}`, { body });
        expect(res.status, path).toBe(409);
        expect(res.body.error.code).toBe('HANDOFF_CONFLICT');
      }
      // A second claim, even by the winner, is a conflict too.
      expect((await api(s, winner, 'POST', `/agent/api/handoffs/${id}/claim`)).status).toBe(409);
      expect(botTextsOf(await m.botMessagesSince(mark))).not.toContain('hello from the loser');
      expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active', agent_id: winner.id });
    }
  });

  it('a transfer gives the conversation to another agent: the old owner gets 409, the new one talks', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const bob = await agent(s, 'bob');
    const m = await Merchant.open(s);
    const id = await askForPerson(s, m);
    await claim(s, alice, id, m);
    const res = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/transfer`, { body: { agentId: bob.id } });
    expect(res.status).toBe(200);
    expect(res.body.handoff.agent).toEqual({ id: bob.id, name: 'bob' });
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: 'still me?' } })).status).toBe(409);
    const mark = await m.mark();
    expect((await api(s, bob, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: '您好，我是 bob，接着为您处理' } })).status).toBe(200);
    await m.waitForText('我是 bob', mark);
  });
});

function botTextsOf(activities: { text?: string }[]): string[] {
  return activities.map((a) => a.text ?? '');
}

describe('while an agent owns the conversation', () => {
  it('the bot is silent; the merchant’s words and images go to the agent live, the agent’s text and images reach the merchant', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    const id = await askForPerson(s, m, '人工客服');
    const live = await socket(s, alice);
    await claim(s, alice, id, m);

    // Things the bot would answer at once: a greeting, a question from its guide, a request.
    const mark = await m.mark();
    for (const text of ['你好', KNOWN_QUESTION, '申请撤销/退货', '明天上海会下雨吗']) await m.send(text);
    const imageId = await m.sendImage('这是签购单', makePng([10, 200, 30]));
    await waitFor(
      async () => (await details(s, alice, id)).events.filter((e) => e.kind === 'message_in').length === 5,
      'five message_in events',
    );
    await settled(s, m.conv);
    expect(await m.botMessagesSince(mark)).toEqual([]);
    expect((await m.activities()).slice(mark).filter((a) => a.from?.role === 'bot')).toEqual([]); // not even typing
    expect(imageId).toBeTruthy();

    // The agent has every message, in order, as message_in events, and the image as a file.
    const got = await details(s, alice, id);
    const ins = got.events.filter((e) => e.kind === 'message_in');
    expect(ins.map((e) => [e.actor, e.text])).toEqual([
      ['merchant', '你好'],
      ['merchant', KNOWN_QUESTION],
      ['merchant', '申请撤销/退货'],
      ['merchant', '明天上海会下雨吗'],
      ['merchant', '这是签购单'],
    ]);
    const image = ins[4]!.attachments[0]!;
    expect(image).toMatchObject({ contentType: 'image/png', url: `/agent/api/files/${image.file}` });
    const fetched = await fetch(`${s.url}${image.url}`, { headers: { cookie: alice.cookie } });
    expect(fetched.status).toBe(200);
    expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(makePng([10, 200, 30])));
    // ...and got them live on the socket.
    const pushed = live.events.filter((e): e is Extract<ServerEvent, { type: 'event' }> => e.type === 'event' && e.handoffId === id && e.event.kind === 'message_in');
    expect(pushed.map((e) => e.event.text)).toEqual(['你好', KNOWN_QUESTION, '申请撤销/退货', '明天上海会下雨吗', '这是签购单']);

    // The agent answers with text: it arrives in the merchant's conversation, from the agent.
    const before = await m.mark();
    const sent = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: '您好，我是客服 alice，请稍等我查一下。' } });
    expect(sent.status).toBe(200);
    expect(sent.body.event).toMatchObject({ kind: 'message_out', actor: 'agent:alice', text: '您好，我是客服 alice，请稍等我查一下。' });
    const text = await m.waitForText('我是客服 alice', before);
    // The merchant sees the agent's display name, never the login name.
    expect(text.from).toMatchObject({ name: '客服alice', role: 'bot' });
    expect(JSON.stringify(text)).not.toMatch(/"alice"/);

    // ...and with an image (multipart): the merchant gets an attachment whose URL they can open.
    const png = makePng([255, 200, 0], 64);
    const form = new FormData();
    form.append('text', '请看这张示意图');
    form.append('file', new Blob([png], { type: 'image/png' }), 'guide.png');
    const withImage = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { form });
    expect(withImage.status).toBe(200);
    expect(withImage.body.event.attachments).toEqual([expect.objectContaining({ contentType: 'image/png', name: 'guide.png' })]);
    const arrived = await m.waitForText('请看这张示意图', before);
    expect(arrived.attachments).toHaveLength(1);
    const attachment = arrived.attachments![0]!;
    expect(attachment.contentType).toBe('image/png');
    const download = await fetch(attachment.contentUrl!);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(png));
    // Its grant is for this conversation: the same file under someone else's conversation is refused,
    // and so is the plain link with someone else's token.
    const stranger = await Merchant.open(s);
    const elsewhere = attachment.contentUrl!.replace(encodeURIComponent(m.conversationId), encodeURIComponent(stranger.conversationId));
    expect(elsewhere).not.toBe(attachment.contentUrl);
    expect((await call(elsewhere)).status).toBe(403);
    const plain = attachment.contentUrl!.replace(/\/files\/[^/]+\//, '/files/');
    expect((await call(plain, { headers: bearer(stranger.conv.token) })).status).not.toBe(200);

    // An internal note never reaches the merchant.
    const noteMark = await m.mark();
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/notes`, { body: { text: '内部备注：商户情绪激动' } })).status).toBe(200);
    await settled(s, m.conv);
    expect(botTextsOf(await m.botMessagesSince(noteMark))).toEqual([]);

    // The events keep the whole exchange for the console.
    const events = (await details(s, alice, id)).events.map((e) => e.kind);
    expect(events).toEqual(['initiated', 'claimed', 'message_in', 'message_in', 'message_in', 'message_in', 'message_in', 'message_out', 'message_out', 'note']);
    // Still active, still nobody else's.
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active', agent_id: alice.id });
  });

  it('the agent’s typing indicator reaches the merchant’s stream', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    const id = await askForPerson(s, m);
    await claim(s, alice, id, m);
    const stream = StreamClient.connect(m.conv.streamUrl);
    try {
      await waitFor(() => stream.raw.length > 0 || stream.ws.readyState === 1, 'the stream to open');
      const res = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/typing`);
      expect(res.status).toBe(204);
      await waitFor(() => stream.frames.flatMap((f) => f.activities).find((a) => a.type === 'typing'), 'a typing activity on the stream');
    } finally {
      await stream.close();
    }
  });

  it('while waiting, the bot only says where the merchant stands (and forwards the message)', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    const id = await askForPerson(s, m);
    const replies = await m.turn(KNOWN_QUESTION, '您前面还有 0 位');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('您的消息已转给人工客服');
    const events = (await details(s, alice, id)).events;
    expect(events.filter((e) => e.kind === 'message_in').map((e) => e.text)).toEqual([KNOWN_QUESTION]);
  });
});

describe('back to the bot', () => {
  it('resolve: the merchant is told, rates 5 (stored), the bot answers again and one miss does not hand over again', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    // One miss first, then a request for a person: the miss counter stood at 1 when the handoff began.
    await m.turn('明天上海会下雨吗', NO_ANSWER);
    const id = await askForPerson(s, m, '转人工客服');
    expect((await onlyHandoff(s, m.conversationId)).reason).toBe('human_request');
    await claim(s, alice, id, m);
    await m.send('我的终端撤销不了');
    await waitFor(async () => (await details(s, alice, id)).events.some((e) => e.kind === 'message_in'), 'the message at the agent');

    const mark = await m.mark();
    const resolved = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.handoff).toMatchObject({ id, status: 'ended' });
    const ask = await m.waitForText('请为刚才的人工服务打个分', mark);
    expect(ask.suggestedActions?.actions.map((a) => a.value)).toEqual(['1', '2', '3', '4', '5']);
    expect(botTextsOf(await m.botMessagesSince(mark))).toEqual(['人工客服已结束本次服务，接下来由我继续为您服务。', ask.text]);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ended', end_reason: 'resolved', agent_id: alice.id });

    expect(await m.turn('5', '谢谢您的评价')).toEqual(['谢谢您的评价！']);
    expect((await onlyHandoff(s, m.conversationId)).rating).toBe(5);
    expect((await details(s, alice, id)).events.at(-1)).toMatchObject({ kind: 'rating', actor: 'merchant', text: '5' });

    // A single miss is just a miss: the counter (1 before the handoff) started afresh...
    const miss = await m.turn('推荐一部电影', NO_ANSWER);
    await settled(s, m.conv);
    expect(botTextsOf(await m.botMessagesSince(mark)).some((t) => t.includes(QUEUED))).toBe(false);
    expect(miss.join('\n')).not.toContain(QUEUED);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(1);
    // ...and the bot answers normally again.
    const answer = await m.turn(KNOWN_QUESTION, /./);
    expect(answer.join('\n')).not.toContain(NO_ANSWER);
    expect(answer.join('\n')).not.toContain('人工客服');
    // Agent-side: the merchant's later messages are not forwarded to the ended handoff.
    expect((await details(s, alice, id)).events.filter((e) => e.kind === 'message_in')).toHaveLength(1);
  });

  it('hand back mid-flow: the pending prompt is asked again, a valid answer goes on, a rating is optional', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    await cancelToVoucher(m);
    await m.turn('12345', '凭证号');
    await m.turn('1234567', '凭证号');
    const offer = await m.turn('abcd', '转人工客服');
    expect(offer.at(-1)).toContain('再试一次');
    const id = await askForPerson(s, m, '转人工客服');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ reason: 'slot_retry_limit' });
    const pkg = (await details(s, alice, id)).package;
    expect(pkg.flow).toMatchObject({ id: 'cancel-transaction', pending: 'voucher_no' });
    await claim(s, alice, id, m);

    // While the agent has it, a flow answer is not taken by the bot.
    const quiet = await m.mark();
    await m.send('000999');
    await waitFor(async () => (await details(s, alice, id)).events.some((e) => e.kind === 'message_in'), 'the message at the agent');
    await settled(s, m.conv);
    expect(await m.botMessagesSince(quiet)).toEqual([]);

    const mark = await m.mark();
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/handback`)).status).toBe(200);
    await m.waitForText('请为刚才的人工服务打个分', mark);
    const texts = botTextsOf(await m.botMessagesSince(mark));
    expect(texts[0]).toBe('人工客服已结束本次服务，接下来由我继续为您服务。');
    expect(texts[1]).toContain('「撤销 / 退货申请」还没有填完');
    expect(texts[2]).toContain('凭证号（6位）或参考号（12位）');
    expect(texts[3]).toContain('请为刚才的人工服务打个分');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ended', end_reason: 'handed_back' });

    // The merchant answers the prompt instead of rating: the flow goes on (the voucher was not kept
    // from the agent's time), the retry limit does not offer a person again.
    const next = await m.turn('000123', '后4位');
    expect(next.join('\n')).not.toContain('转人工');
    expect((await onlyHandoff(s, m.conversationId)).rating).toBeNull();
  });

  it('a second handoff in the same conversation: a new package whose transcript shows the first agent’s words as the agent’s', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    const first = await askForPerson(s, m);
    await claim(s, alice, first, m);
    await api(s, alice, 'POST', `/agent/api/handoffs/${first}/messages`, { body: { text: '问题已经处理好了' } });
    const mark = await m.mark();
    await api(s, alice, 'POST', `/agent/api/handoffs/${first}/resolve`);
    await m.waitForText('打个分', mark);
    await m.turn('3', '谢谢您的评价');

    const second = await askForPerson(s, m, '我要投诉，还是不行');
    expect(second).not.toBe(first);
    const rows = await handoffRows(s, m.conversationId);
    expect(rows.map((r) => [r.status, r.reason, r.rating])).toEqual([
      ['ended', 'human_request', 3],
      ['waiting', 'complaint', null],
    ]);
    const pkg = (await details(s, alice, second)).package;
    expect(pkg.transcript).toContainEqual(expect.objectContaining({ from: 'agent', text: '问题已经处理好了' }));
    expect(pkg.transcript).toContainEqual(expect.objectContaining({ from: 'merchant', text: '我要投诉，还是不行' }));
  });
});

describe('cancelling while waiting', () => {
  it('"不用了" ends the handoff (cancelled), the agents see it, and the bot resumes the flow', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const live = await socket(s, alice);
    const m = await Merchant.open(s);
    await m.turn('申请撤销/退货', '商户编号');
    await m.turn('810100000000001', '终端编号');
    const id = await askForPerson(s, m);
    await live.waitFor((e) => e.type === 'handoff.new' && e.handoff.id === id, 'handoff.new on the socket');

    const replies = await m.turn('不用了', '终端编号');
    expect(replies[0]).toBe('好的，已取消转人工。还有问题可以随时问我。');
    expect(replies[1]).toContain('终端编号');
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ended', end_reason: 'cancelled' });
    await live.waitFor((e) => e.type === 'handoff.updated' && e.handoff.id === id && e.handoff.status === 'ended', 'handoff.updated (ended) on the socket');
    expect((await details(s, alice, id)).events.map((e) => e.kind)).toEqual(['initiated', 'cancelled']);
    // Too late to claim it.
    const late = await api(s, alice, 'POST', `/agent/api/handoffs/${id}/claim`);
    expect(late.status).toBe(409);
    // It is off the queue.
    expect((await api(s, alice, 'GET', '/agent/api/handoffs')).body.handoffs).toEqual([]);

    // The bot takes the flow's answers again, and answers questions.
    await m.turn('10203040', '哪天');
    await m.turn('取消', /取消|已/);
    const answer = await m.turn(KNOWN_QUESTION, /./);
    expect(answer.join('\n')).not.toContain(NO_ANSWER);
    expect(await handoffRows(s, m.conversationId)).toHaveLength(1);
  });

  it('"不用了" racing a claim: the agent who claimed keeps the conversation, the words go to them', async () => {
    const s = await server();
    const alice = await agent(s, 'alice');
    const m = await Merchant.open(s);
    const id = await askForPerson(s, m);
    // The merchant's turn read the handoff while it was waiting; the agent claims before it cancels.
    const seenWaiting = (await serviceOf(s).openFor('directline', m.conversationId))!;
    expect(seenWaiting.status).toBe('waiting');
    await claim(s, alice, id, m);
    expect(await serviceOf(s).cancelByMerchant(seenWaiting)).toBe(false);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active', agent_id: alice.id });
    // Said now, after the claim: it is a message for the agent, and the bot stays silent.
    const mark = await m.mark();
    await m.send('不用了');
    await waitFor(async () => (await details(s, alice, id)).events.some((e) => e.kind === 'message_in' && e.text === '不用了'), 'the words at the agent');
    await settled(s, m.conv);
    expect(await m.botMessagesSince(mark)).toEqual([]);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'active' });
    expect((await api(s, alice, 'POST', `/agent/api/handoffs/${id}/messages`, { body: { text: '好的，那我先结束了' } })).status).toBe(200);
  });

  it('after cancelling, one more miss does not send the merchant back to a person (the earlier miss is forgotten)', async () => {
    const s = await server();
    await agent(s, 'alice');
    const m = await Merchant.open(s);
    await m.turn('明天上海会下雨吗', NO_ANSWER);
    await askForPerson(s, m, '转人工');
    await m.turn('不用了', '已取消转人工');
    const miss = await m.turn('推荐一部电影', NO_ANSWER);
    await settled(s, m.conv);
    expect(miss.join('\n')).not.toContain(QUEUED);
    expect((await handoffRows(s, m.conversationId)).map((r) => r.status)).toEqual(['ended']);
  });

  it('"不用了" without a flow: cancelled, and the next question is answered by the bot', async () => {
    const s = await server();
    await agent(s, 'alice');
    const m = await Merchant.open(s);
    await askForPerson(s, m, 'I want to talk to a human', 'transferring you to a human agent');
    expect((await onlyHandoff(s, m.conversationId)).locale).toBe('en');
    expect(await m.turn('never mind', 'no transfer')).toEqual(['OK, no transfer. Ask me anything any time.']);
    expect(await onlyHandoff(s, m.conversationId)).toMatchObject({ status: 'ended', end_reason: 'cancelled' });
    const answer = await m.turn(KNOWN_QUESTION, /./);
    expect(answer.join('\n')).not.toContain(NO_ANSWER);
  });
});
