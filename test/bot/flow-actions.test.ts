/**
 * The bot's side of the flows, through a real runtime (SQLite file, real flows, terminal adapter): a
 * submission that fails keeps everything the merchant gave and succeeds on "确认" once the database is
 * back; decisions made while the merchant was away are told when their conversation opens, once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFile } from '../../src/channels/attachments.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SLIP = readFileSync(join(ROOT, 'test', 'fixtures', 'files', 'slip.png'));

let env: TestRuntime | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** Walks the cancel flow to its summary, answering whatever it asks. */
async function fillCancelRequest(chat: ReturnType<typeof terminalConversation>, runtime: TestRuntime, merchantId: string) {
  let said = await chat.say('昨天刷了1280元，参考号123456789012，想撤销');
  for (let i = 0; i < 12; i++) {
    const last = said.at(-1)?.text ?? '';
    if (/请核对/.test(last)) return last;
    if (/商户编号/.test(last)) said = await chat.say(merchantId);
    else if (/终端编号/.test(last)) said = await chat.say('12345678');
    else if (/后4位/.test(last)) said = await chat.say('跳过');
    else if (/原因/.test(last)) said = await chat.say('重复刷卡');
    else if (/手机号/.test(last)) said = await chat.say('13900139000');
    else if (/签购单/.test(last)) {
      const stored = await storeFile(runtime.config.paths.files, SLIP, 'slip.png');
      const from = chat.received.length;
      await chat.adapter.say('', chat.logic, [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(runtime.config.paths.files, stored.file)).href, name: 'slip.png' }]);
      said = chat.received.slice(from).filter((a) => a.type === 'message');
    } else throw new Error(`unexpected prompt: ${last}`);
  }
  throw new Error('the flow did not reach its summary');
}

/** A fresh runtime in which `user` has filed a cancellation request for `merchantId`. */
async function filedBy(user: string, merchantId: string) {
  const runtime = await startRuntime();
  env = runtime;
  const chat = terminalConversation(runtime.runtime, user);
  await chat.start();
  await fillCancelRequest(chat, runtime, merchantId);
  await chat.say('确认');
  const [request] = await runtime.runtime.requests.listByMerchant(merchantId);
  return { env: runtime, chat, request };
}

/** A request filed by `userId` through the terminal channel (from `conversationId`, its own chat by default). */
async function fileRequest(runtime: TestRuntime['runtime'], kind: 'cancel-transaction' | 'suspend-settlement', merchantId: string, userId: string, conversationId = `terminal:${userId}`) {
  const created = await runtime.requests.create({
    kind,
    merchantId,
    dedupeKey: null,
    slots: { merchant_id: merchantId },
    channelId: 'terminal',
    conversationRef: { conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: 'terminal' } },
    userId,
    locale: 'zh-CN',
  });
  if (created.duplicate) throw new Error('unexpectedly a duplicate');
  return created.request;
}

describe('flow actions in the bot', () => {
  it('keeps the merchant’s values when filing fails, and files on the next “确认”', async () => {
    env = await startRuntime();
    const chat = terminalConversation(env.runtime, 'fail-1');
    await chat.start();
    const summary = await fillCancelRequest(chat, env, '898310048160001');
    expect(summary).toContain('898310048160001');

    // The database refuses the insert (the table is gone for a moment).
    await sql`alter table requests rename to requests_away`.execute(env.runtime.store.db);
    const failed = await chat.say('确认');
    expect(failed.map((a) => a.text).join('\n')).toContain('您填写的内容都已保存');
    await sql`alter table requests_away rename to requests`.execute(env.runtime.store.db);

    const filed = await chat.say('确认');
    const text = filed.map((a) => a.text).join('\n');
    expect(text).toMatch(/工单号 CX-\d{8}-\d{4}/);
    const [request] = await env.runtime.requests.listByMerchant('898310048160001');
    expect(request?.slots).toMatchObject({ reference_no: '123456789012', amount: 128000, reason: '重复刷卡', phone: '13900139000' });
    expect(request?.attachments).toHaveLength(1);
  });

  it('a status question in passing is answered from the merchant\'s requests, and the request being filled goes on', async () => {
    const { env, chat, request: filed } = await filedBy('passing-1', '898310048160003');

    await chat.say('我要申请暂停结算');
    await chat.say('资金结算');
    await chat.say('898310048160003');
    const said = (await chat.say('我上次提的申请批了没')).map((a) => a.text ?? '');
    // Its own filing, with its ticket, then the question that was pending (the reason), asked again.
    expect(said[0]).toContain(filed!.ticket);
    expect(said.at(-1)).toContain('原因');
    expect(said.join('\n')).not.toMatch(/没有找到/);
    // The answer to the pending question is still taken.
    const next = (await chat.say('装修')).map((a) => a.text ?? '').join('\n');
    expect(next).toMatch(/说明|开始/);
    expect(await env.runtime.requests.listByMerchant('898310048160003')).toHaveLength(1);
  });

  it('a status check from the chat that filed the request needs no merchant ID; from another chat, or for two merchants, it is asked', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    // Filed from this chat earlier (the conversation itself remembers nothing of it now).
    const fileAs = (userId: string, merchantId: string) => fileRequest(runtime, 'cancel-transaction', merchantId, userId);
    const filed = await fileAs('own-status-1', '898310048160004');
    const chat = terminalConversation(runtime, 'own-status-1');
    await chat.start();

    // Without a ticket: the one merchant this chat filed for.
    const said = (await chat.say('我那个退款批了没')).map((a) => a.text ?? '').join('\n');
    expect(said).toContain(filed.ticket);
    expect(said).toContain('898310048160004');
    expect(said).not.toContain('请提供您的商户编号');

    // With the ticket alone, from a chat that filed it: its merchant.
    const other = await fileAs('own-status-2', '898310048160006');
    const chat2 = terminalConversation(runtime, 'own-status-2');
    await chat2.start();
    const byTicket = (await chat2.say(`${other.ticket} 到哪一步了`)).map((a) => a.text ?? '').join('\n');
    expect(byTicket).toContain(other.ticket);
    expect(byTicket).toContain('已提交');
    expect(byTicket).not.toContain('请提供您的商户编号');

    // Another chat holding the ticket proves nothing: the merchant ID is asked, the status not shown.
    const stranger = terminalConversation(runtime, 'own-status-stranger');
    await stranger.start();
    const asked = (await stranger.say(`${filed.ticket} 到哪一步了`)).map((a) => a.text ?? '').join('\n');
    expect(asked).toContain('请提供您的商户编号');
    expect(asked).not.toContain('已提交');

    // A chat that filed for two merchants is asked which.
    await fileAs('own-status-3', '898310048160007');
    await fileAs('own-status-3', '898310048160008');
    const chat3 = terminalConversation(runtime, 'own-status-3');
    await chat3.start();
    const two = (await chat3.say('我的申请怎么样了')).map((a) => a.text ?? '').join('\n');
    expect(two).toContain('请提供您的商户编号');
  });

  it('"钱退给顾客了吗" from the chat that filed a refund shows its status; from anyone else it is a question for the guide', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    const created = await runtime.requests.create({
      kind: 'cancel-transaction',
      merchantId: '898310048160009',
      dedupeKey: null,
      slots: { merchant_id: '898310048160009' },
      channelId: 'terminal',
      conversationRef: { conversation: { id: 'terminal:done-1', isGroup: false, conversationType: 'personal', name: 'terminal' } },
      userId: 'done-1',
      locale: 'zh-CN',
    });
    if (created.duplicate) throw new Error('unexpectedly a duplicate');
    const chat = terminalConversation(runtime, 'done-1');
    await chat.start();
    const own = (await chat.say('钱退给顾客了吗 顾客一直打电话问我')).map((a) => a.text ?? '').join('\n');
    expect(own).toContain(created.request.ticket);
    expect(own).toContain('已提交');
    for (const text of ['都四天了 还在审？ 能不能快点', 'hi did u guys approve it?', 'hello? nobody replied to my refund thing', '结算停了没有啊 今天怎么还到账了', 'hi, where are we with my refund request']) {
      const again = (await chat.say(text)).map((a) => a.text ?? '').join('\n');
      expect(again, text).toContain(created.request.ticket);
    }

    // Asked for more by the review, "营业执照要怎么发给你们" opens the supplement of that request.
    await runtime.requests.transition(created.request.id, 'in_review', { actor: 'backoffice' });
    await runtime.requests.transition(created.request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充营业执照' });
    const send = (await chat.say('营业执照要怎么发给你们')).map((a) => a.text ?? '').join('\n');
    expect(send).toContain('请发送要补充的照片或 PDF 文件');
    await chat.say('取消');
    await chat.say('是');
    // What the review wants, asked: the status, with the reviewer's note.
    const what = (await chat.say('你们给我发的消息说要补什么 我没看懂')).map((a) => a.text ?? '').join('\n');
    expect(what).toContain(created.request.ticket);
    expect(what).toContain('请补充营业执照');

    const stranger = terminalConversation(runtime, 'done-stranger');
    await stranger.start();
    const general = (await stranger.say('钱退给顾客了吗 顾客一直打电话问我')).map((a) => a.text ?? '').join('\n');
    expect(general).not.toContain(created.request.ticket);
    expect(general).not.toContain('请提供您的商户编号');
    const how = (await stranger.say('营业执照要怎么发给你们')).map((a) => a.text ?? '').join('\n');
    expect(how).not.toContain('请发送要补充的照片或 PDF 文件');
    expect((await stranger.say('你们给我发的消息说要补什么 我没看懂')).map((a) => a.text ?? '').join('\n')).not.toContain(created.request.ticket);
    // …unless they name their merchant ID with it: then it is a status check of their own requests — shown
    // only to a chat verified for that merchant (this one is not: it is told how to verify).
    const named = terminalConversation(runtime, 'done-named');
    await named.start();
    const withId = (await named.say('got a message saying you need more info, what is it? merchant 898310048160009')).map((a) => a.text ?? '').join('\n');
    expect(withId).toContain('Check a request');
    expect(withId).toContain('only a verified account can see');
    expect(withId).not.toContain(created.request.ticket);
    // "短信说我CX-…要补东西 补啥", with no file: the status of that ticket (what the review wants), no supplement asking for files.
    const byTicket = terminalConversation(runtime, 'done-ticket');
    await byTicket.start();
    const asked = (await byTicket.say(`收到个短信 说我${created.request.ticket}要补东西 补啥`)).map((a) => a.text ?? '').join('\n');
    expect(asked).not.toContain('请发送要补充的照片或 PDF 文件');
    expect(asked).toContain('查询申请进度');
  });

  it('of two requests waiting for materials, "停结算那个申请要补营业执照" picks the hold; naming neither asks for the ticket', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    const merchantId = '852048613379541';
    const file = async (kind: 'cancel-transaction' | 'suspend-settlement', user: string) => {
      const created = { request: await fileRequest(runtime, kind, merchantId, user) };
      await runtime.requests.transition(created.request.id, 'in_review', { actor: 'backoffice' });
      await runtime.requests.transition(created.request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充材料' });
      return created.request.ticket;
    };
    const refund = await file('cancel-transaction', 'two-waiting');
    const hold = await file('suspend-settlement', 'two-waiting');
    const chat = terminalConversation(runtime, 'two-waiting');
    await chat.start();
    const named = (await chat.say(`停结算那个申请要补营业执照 我现在发 商户号${merchantId}`)).map((a) => a.text ?? '').join('\n');
    expect(named).toContain(hold);
    expect(named).not.toContain(refund);
    expect(named).toContain('请发送要补充的照片或 PDF 文件');
    await chat.say('取消');
    await chat.say('是');
    const unnamed = (await chat.say(`要补材料 商户号${merchantId}`)).map((a) => a.text ?? '').join('\n');
    expect(unnamed).toContain('工单号');
    expect(unnamed).not.toContain('请发送要补充的照片或 PDF 文件');
  });

  it('a status that shows the one request waiting for materials: the photo sent next is for it; a merchant ID alone is asked what for', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    const merchantId = '818830151142296';
    // Filed from another chat of the same user: no notice of the review reaches this one.
    const created = { request: await fileRequest(runtime, 'cancel-transaction', merchantId, 'retake', 'terminal:retake-elsewhere') };
    const ticket = created.request.ticket;
    await runtime.requests.transition(created.request.id, 'in_review', { actor: 'backoffice' });
    await runtime.requests.transition(created.request.id, 'needs_more_info', { actor: 'backoffice', reason: '签购单照片不清晰，请重新拍摄' });
    const chat = terminalConversation(runtime, 'retake');
    await chat.start();
    const text = async (said: string) => (await chat.say(said)).map((a) => a.text ?? '').join('\n');
    const status = await text('前天提交的那个退货现在啥情况了');
    expect(status).toContain(ticket);
    expect(status).toContain('待补充材料');
    // The merchant's own request is shown: the hint says only the others need the merchant verified.
    expect(status).toContain('这里只列出您在本对话中提交的申请');
    // The merchant ID sent again on its own: kept, and the merchant asked what it is for (no guide miss).
    const alone = await text(merchantId);
    expect(alone).toContain(`商户编号 ${merchantId}`);
    expect(alone).not.toContain('没有找到可靠的答案');
    // A photo with no words: the materials for the request just shown.
    const stored = await storeFile(env.config.paths.files, SLIP, 'retake.png');
    const from = chat.received.length;
    await chat.adapter.say('', chat.logic, [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(env.config.paths.files, stored.file)).href, name: 'retake.png' }]);
    const asked = chat.received.slice(from).filter((a) => a.type === 'message').map((a) => a.text ?? '').join('\n');
    expect(asked).toContain('补充申请材料');
    expect(asked).not.toMatch(/请问这是用于|请提供需要补充材料的工单号/);
    // Asked with the summary whether there is more to say: "没有了" files it.
    expect(asked).toContain(`将为工单 ${ticket} 补充 1 个文件`);
    expect(await text('没有了')).toContain(ticket);
    expect(await runtime.requests.get(created.request.id)).toMatchObject({ status: 'in_review' });
  });

  it('materials for another ticket sent mid-request: the request is set aside, the supplement made, and the request goes on where it stood', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    const merchantId = '819663054471287';
    const waiting = await fileRequest(runtime, 'cancel-transaction', merchantId, 'parked');
    await runtime.requests.transition(waiting.id, 'in_review', { actor: 'backoffice' });
    await runtime.requests.transition(waiting.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充盖章的退货说明书' });
    const chat = terminalConversation(runtime, 'parked');
    await chat.start();
    const text = async (said: string) => (await chat.say(said)).map((a) => a.text ?? '').join('\n');
    expect(await text(`今天中午有笔380的刷错了要撤销 商户号${merchantId}`)).toContain('请提供终端编号');
    const stored = await storeFile(env.config.paths.files, SLIP, 'letter.png');
    const from = chat.received.length;
    await chat.adapter.say(`等下 先弄另一个 ${waiting.ticket} 你们要的盖章退货说明 我拍好了`, chat.logic, [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(env.config.paths.files, stored.file)).href, name: 'letter.png' }]);
    const parked = chat.received.slice(from).filter((a) => a.type === 'message').map((a) => a.text ?? '').join('\n');
    expect(parked).toContain('刚才的「撤销 / 退货申请」已保留');
    expect(parked).toContain('补充申请材料');
    const done = await text('没有要说的');
    expect(done).toContain(waiting.ticket);
    // Back to the request set aside, with what was given: its next question, not the merchant ID.
    expect(done).toContain('接着刚才的「撤销 / 退货申请」办理');
    expect(done).toMatch(/请提供终端编号[^\n]*$/);
    expect(await runtime.requests.get(waiting.id)).toMatchObject({ status: 'in_review' });
    expect(await text('12345678')).not.toContain('请提供您的商户编号');
  });

  it('a question of how long asked beside a request is answered, then the request starts with the rest of the message', async () => {
    env = await startRuntime();
    const chat = terminalConversation(env.runtime, 'beside');
    await chat.start();
    const said = (await chat.say("Hi, how long does a refund take to reach the customer's card? Also I need to refund a customer who paid yesterday, 2,450 RMB. Merchant ID 898310158990912, terminal 31088406.")).map((a) => a.text ?? '');
    const answer = said.findIndex((t) => /working days/.test(t));
    const started = said.findIndex((t) => /Cancel a card transaction/.test(t));
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(answer);
    expect(said[started]).toContain('898310158990912');
    // The question's "customer" is no reason: the reason is still to be asked.
    expect(said.join('\n')).not.toMatch(/reason[^\n]*how long/i);
  });

  it('a status asked with a new request in one message: the status first, then the request with its own facts', async () => {
    env = await startRuntime();
    const runtime = env.runtime;
    const merchantId = '852190046613807';
    const earlier = await fileRequest(runtime, 'cancel-transaction', merchantId, 'both');
    const chat = terminalConversation(runtime, 'both');
    await chat.start();
    const said = (await chat.say(`前几天让你们退的那笔到哪一步了？商户号${merchantId}。还有今天又有个客人要退，昨天刷的540，凭证号001274，顾客说颜色不喜欢`)).map((a) => a.text ?? '');
    const status = said.findIndex((x) => x.includes(earlier.ticket));
    const started = said.findIndex((x) => x.includes('撤销 / 退货申请'));
    expect(status).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(status);
    expect(said[started]).toContain('¥540.00');
    expect(said[started]).toContain('001274');
    // The merchant ID given for the status goes along: the terminal is asked next.
    expect(said.at(-1)).toContain('请提供终端编号');
  });

  it('told to void on the terminal first, "照你说的弄了…显示撤销失败" takes the request up again with what was given', async () => {
    env = await startRuntime();
    const chat = terminalConversation(env.runtime, 'void-first');
    await chat.start();
    const text = async (said: string) => (await chat.say(said)).map((a) => a.text ?? '').join('\n');
    await text('今天上午一笔580刷错了 要撤销 商户号898310048160011 终端12345678 凭证000456');
    await text('跳过');
    await text('没结算');
    expect(await text('没试过')).toContain('消费撤销');
    // Anything else is read as usual: the stopped request is not taken up by a question.
    expect(await text('撤销一般多久到账')).not.toContain('接着刚才的');
    const resumed = await text('照你说的弄了，输完凭证号显示撤销失败');
    expect(resumed).toContain('接着刚才的「撤销 / 退货申请」办理');
    expect(resumed).toContain('请拍照发送签购单');
    // Taken up once: the request goes on as any other.
    expect(await text('那笔是客人刷错卡了')).not.toContain('接着刚才的');
  });

  it('tells decisions made while the merchant was away when the conversation opens, once', async () => {
    const { env, request } = await filedBy('away-1', '898310048160002');
    await env.runtime.requests.transition(request!.id, 'in_review', { actor: 'backoffice' });
    await env.runtime.requests.transition(request!.id, 'needs_more_info', { actor: 'backoffice', reason: '请补拍签购单背面' });

    // The merchant comes back (same user, same conversation): both decisions, in order, then nothing more.
    const again = terminalConversation(env.runtime, 'away-1');
    await again.start();
    expect(await env.runtime.sendPendingNotifications()).toBe(2);
    const notices = again.received.filter((a) => a.type === 'message').map((a) => a.text ?? '');
    expect(notices.some((t) => t.includes('已进入审核'))).toBe(true);
    expect(notices.at(-1)).toContain('请补拍签购单背面');
    expect(await env.runtime.sendPendingNotifications()).toBe(0);

    // Files sent now go to that ticket: merchant ID and ticket are already known.
    const stored = await storeFile(env.config.paths.files, SLIP, 'back.png');
    const from = again.received.length;
    await again.adapter.say('', again.logic, [{ contentType: stored.contentType, contentUrl: pathToFileURL(join(env.config.paths.files, stored.file)).href, name: 'back.png' }]);
    const asked = again.received.slice(from).filter((a) => a.type === 'message').map((a) => a.text ?? '');
    expect(asked.join('\n')).not.toMatch(/请提供您的商户编号|请提供需要补充材料的工单号/);
  });
});
