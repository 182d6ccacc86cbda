/**
 * A merchant ID is printed on every slip: holding one must not be enough (issue 15). Through a real
 * runtime and terminal chats: a stranger who types the merchant's ID learns nothing of its requests and
 * cannot supplement them; the identity that filed a request, and one bound with a binding code, can.
 * Filing by a stranger is allowed, marked unverified, and does not block the merchant's own filing.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFile } from '../../src/channels/attachments.js';
import { makePng } from '../webchat/helpers.js';
import type { RequestRecord } from '../../src/requests/index.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';
import { cancelRequest, terminalRequest } from '../requests/helpers.js';

const MERCHANT = '898310048160777';
const NOT_FOUND = /没有找到|未找到|not found|找不到/i;

let env: TestRuntime;
let request: RequestRecord;

const texts = (activities: { text?: string }[]) => activities.map((a) => a.text ?? '').join('\n');

beforeAll(async () => {
  env = await startRuntime();
  // Filed earlier from the terminal chat of "owner".
  const filed = terminalRequest('owner', '300000000001');
  const created = await env.runtime.requests.create({ ...filed, merchantId: MERCHANT, dedupeKey: `cancel-transaction|${MERCHANT}|ref:300000000001` });
  if (created.duplicate) throw new Error('a fresh database has no duplicate');
  request = created.request;
  await env.runtime.requests.transition(request.id, 'needs_more_info', { actor: 'backoffice', reason: '请补充签购单照片' });
});
afterAll(async () => {
  await env?.cleanup();
});

async function statusOf(user: string, ticket?: string): Promise<string> {
  const chat = terminalConversation(env.runtime, user);
  // A bound identity is answered at once (its merchant is known); others are asked for the merchant ID.
  const first = texts(await chat.say(ticket ? `查一下工单 ${ticket} 的进度` : '查一下工单进度'));
  return /商户编号/.test(first.split('\n').at(-1) ?? '') ? texts(await chat.say(MERCHANT)) : first;
}

describe('request status', () => {
  it('a stranger with the merchant ID gets "not found" for its ticket, and how to verify', async () => {
    const reply = await statusOf('stranger-1', request.ticket);
    expect(reply).toMatch(NOT_FOUND);
    expect(reply).not.toContain('请补充签购单照片');
    expect(reply).toContain('绑定');
  });

  it('the identity that filed it sees it', async () => {
    const reply = await statusOf('owner', request.ticket);
    expect(reply).toContain(request.ticket);
    expect(reply).toContain('请补充签购单照片');
  });

  it('another identity of the merchant sees it once bound with a binding code from the back office', async () => {
    const chat = terminalConversation(env.runtime, 'colleague');
    const { code } = await env.runtime.identities.issueCode(MERCHANT);
    expect(texts(await chat.say(`绑定 ${code}`))).toContain(`已绑定商户 ${MERCHANT}`);
    const reply = await statusOf('colleague', request.ticket);
    expect(reply).toContain('请补充签购单照片');
    // The code was used up (and a command is no change of language).
    expect(texts(await terminalConversation(env.runtime, 'stranger-2').say(`/bind ${code}`))).toContain('绑定码不正确或已失效');
  });

  it('"绑定" alone asks for the code, and the next 8 digits are taken as it', async () => {
    const chat = terminalConversation(env.runtime, 'colleague-2');
    expect(texts(await chat.say('绑定'))).toContain('8 位绑定码');
    const { code } = await env.runtime.identities.issueCode(MERCHANT);
    expect(texts(await chat.say(code))).toContain('验证成功');
  });
});

describe('supplements', () => {
  it('a stranger cannot add materials to the merchant’s ticket', async () => {
    const chat = terminalConversation(env.runtime, 'stranger-3');
    await chat.say('补充材料');
    await chat.say(MERCHANT);
    const reply = texts(await chat.say(request.ticket));
    expect(reply).toMatch(NOT_FOUND);
    const supplements = (await env.runtime.requests.details(request.id))!.supplements;
    expect(supplements).toEqual([]);
  });

  it('the filer is not asked for the ticket of its only request waiting for materials; a stranger still is', async () => {
    const owner = terminalConversation(env.runtime, 'owner');
    const reply = texts(await owner.say(`补充材料，商户号${MERCHANT}`));
    expect(reply).toContain(`您的工单 ${request.ticket} 正在等待补充材料`);
    expect(reply.split('\n').at(-1)).not.toMatch(/工单号/);
    const stranger = terminalConversation(env.runtime, 'stranger-4');
    await stranger.say('补充材料');
    const asked = texts(await stranger.say(MERCHANT));
    expect(asked).not.toContain(request.ticket);
    expect(asked).toMatch(/工单号/);
  });
});

describe('filing', () => {
  it('a stranger may file (unverified, said so to the back office) without blocking the merchant’s own filing', async () => {
    const stranger = await env.runtime.requests.create({
      ...cancelRequest({ merchantId: MERCHANT, referenceNo: '300000000002' }),
      dedupeKey: `cancel-transaction|${MERCHANT}|ref:300000000002|unverified:webchat:dl_x`,
      identity: { verified: false, method: null, channel: 'webchat', userId: 'dl_x' },
    });
    expect(stranger.duplicate).toBe(false);
    const merchant = await env.runtime.requests.create({
      ...cancelRequest({ merchantId: MERCHANT, referenceNo: '300000000002' }),
      identity: { verified: true, method: 'binding_code', channel: 'telegram', userId: '42' },
    });
    expect(merchant.duplicate).toBe(false);
    const outbox = await env.runtime.store.db.selectFrom('outbox').select('payload_json').where('kind', '=', 'request.created').execute();
    const identities = outbox.map((o) => (JSON.parse(o.payload_json) as { request: { identity: unknown } }).request.identity);
    expect(identities).toContainEqual({ verified: false, method: null, channel: 'webchat', userId: 'dl_x' });
    expect(identities).toContainEqual({ verified: true, method: 'binding_code', channel: 'telegram', userId: '42' });
  });

  it('a filing through the conversation carries whether its identity was verified', async () => {
    const chat = terminalConversation(env.runtime, 'colleague');
    // Whatever the flow asks next, answered as a merchant would.
    const answers: [RegExp, string][] = [
      [/确认提交吗/, '确认'],
      [/后4位/, '跳过'],
      [/原因/, '顾客退货'],
      [/电话|手机|联系/, '13800138000'],
      [/照片|签购单|材料/, 'PHOTO'],
    ];
    const replies = [texts(await chat.say(`我要撤销一笔交易，商户号${MERCHANT}，终端号10203040，昨天的，128元，参考号300000000009`))];
    for (let i = 0; i < 10 && !/CX-\d{8}-\d{4}/.test(replies.at(-1)!); i++) {
      const asked = replies.at(-1)!.split('\n').at(-1)!;
      const answer = answers.find(([q]) => q.test(asked))?.[1];
      if (!answer) break;
      if (answer === 'PHOTO') {
        // A photo of the slip, stored as the terminal channel stores files (a plain image: nothing to read).
        const stored = await storeFile(env.runtime.config.paths.files, makePng([200, 200, 200], 2000), 'slip.png');
        const attachment = { contentType: stored.contentType, contentUrl: pathToFileURL(join(env.runtime.config.paths.files, stored.file)).href, name: 'slip.png' };
        const from = chat.received.length;
        await chat.adapter.say('', chat.logic, [attachment]);
        replies.push(texts(chat.received.slice(from).filter((a) => a.type === 'message')));
      } else replies.push(texts(await chat.say(answer)));
    }
    const ticket = /CX-\d{8}-\d{4}/.exec(replies.join('\n'))?.[0];
    expect(ticket, replies.join('\n---\n')).toBeDefined();
    const filed = (await env.runtime.requests.listByMerchant(MERCHANT, { limit: 10 })).find((r) => r.ticket === ticket)!;
    expect(filed.identity).toEqual({ verified: true, method: 'binding_code', channel: 'terminal', userId: 'colleague' });
  });
});
