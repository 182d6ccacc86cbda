/**
 * The phone check (optional third way to verify): "短信验证" asks the back office — a real HTTP server on
 * 127.0.0.1 that checks the signature — to text a one-time code to the phone it has on file; the same
 * channel user sends the code back and is bound with method "phone". Through a real runtime and terminal
 * chats; the back office's 404, failure and silence, the rate limits, and the bot without the setting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCheck, maskPhone } from '../../src/identity/phone-check.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/requests/backoffice-client.js';
import { terminalRequest } from '../requests/helpers.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

const SECRET = 'phone-check-secret-0123456789';
const WITH_PHONE = '898310048160501';
const NO_PHONE = '898310048160502';
const FAILING = '898310048160503';
const DROPPING = '898310048160504';
const UNMASKED = '898310048160505';

interface Texted {
  merchantId: string;
  code: string;
  channel: string;
  userId: string;
  signed: boolean;
}

let backOffice: Server;
let url: string;
const texted: Texted[] = [];
let env: TestRuntime;

const texts = (activities: { text?: string }[]) => activities.map((a) => a.text ?? '').join('\n');

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const signed = verifySignature(SECRET, raw, req.headers[SIGNATURE_HEADER] as string, req.headers[TIMESTAMP_HEADER] as string);
    const body = JSON.parse(raw.toString('utf8')) as Texted & { path?: string };
    if (req.url === '/hang') return; // never answers
    if (!signed) return void res.writeHead(401).end();
    if (body.merchantId === DROPPING) return void req.socket.destroy();
    if (body.merchantId === FAILING) return void res.writeHead(503).end('busy');
    if (body.merchantId === NO_PHONE) return void res.writeHead(404).end();
    texted.push({ ...body, signed });
    const phone = body.merchantId === UNMASKED ? '13800001234' : '138****0000';
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ phone }));
  });
}

beforeAll(async () => {
  backOffice = createServer(handle);
  await new Promise<void>((resolve) => backOffice.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(backOffice.address() as AddressInfo).port}`;
  env = await startRuntime({ BACKOFFICE_PHONE_CODE_URL: `${url}/text`, BACKOFFICE_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await env?.cleanup();
  backOffice?.closeAllConnections();
  await new Promise((resolve) => backOffice?.close(resolve));
});

describe('短信验证', () => {
  it('texts a code to the phone on file; the same user sends it back and is bound (method phone) and sees the requests', async () => {
    const created = await env.runtime.requests.create({ ...terminalRequest('shop-owner', '400000000001'), merchantId: WITH_PHONE, dedupeKey: null });
    if (created.duplicate) throw new Error('a fresh request');
    const chat = terminalConversation(env.runtime, 'phone-user');
    const status = async () => {
      await chat.say('查询申请状态');
      await chat.say(WITH_PHONE);
      return texts(await chat.say(created.request.ticket));
    };
    const before = await status();
    expect(before).toMatch(/没有找到/);
    expect(before).toContain('短信验证');

    const sent = texts(await chat.say(`短信验证 ${WITH_PHONE}`));
    expect(sent).toBe('验证码已发送到商户预留手机 138****0000，请在 10 分钟内回复 8 位验证码。');
    const message = texted.at(-1)!;
    expect(message).toMatchObject({ merchantId: WITH_PHONE, channel: 'terminal', userId: 'phone-user', signed: true });
    expect(message.code).toMatch(/^\d{8}$/);

    expect(texts(await chat.say(message.code))).toContain('验证成功');
    expect(await env.runtime.identities.binding({ channelId: 'terminal', userId: 'phone-user' }, WITH_PHONE)).toMatchObject({ method: 'phone' });
    const after = await status();
    expect(after).toContain(created.request.ticket);
    expect(after).not.toMatch(/没有找到/);
  });

  it('the merchant remembered in the conversation is used when none is given; the code works only for whoever asked', async () => {
    const asker = terminalConversation(env.runtime, 'asker');
    await asker.say('查询申请状态');
    await asker.say(WITH_PHONE);
    await asker.say('不用了');
    expect(texts(await asker.say('短信验证'))).toContain('验证码已发送');
    const { code, userId } = texted.at(-1)!;
    expect(userId).toBe('asker');
    // Someone else who learned the code (looking over a shoulder) is not bound by it.
    expect(texts(await terminalConversation(env.runtime, 'onlooker').say(`绑定 ${code}`))).toContain('绑定码不正确或已失效');
    expect(await env.runtime.identities.binding({ channelId: 'terminal', userId: 'onlooker' }, WITH_PHONE)).toBeUndefined();
    expect(texts(await asker.say(`绑定 ${code}`))).toContain('验证成功');
  });

  it('without a merchant ID, asks for it; never takes a phone number', async () => {
    const chat = terminalConversation(env.runtime, 'no-merchant');
    expect(texts(await chat.say('短信验证'))).toContain('短信验证 + 15 位商户编号');
    const count = texted.length;
    expect(texts(await chat.say('短信验证 13800001111'))).not.toContain('验证码已发送');
    expect(texted.length).toBe(count);
  });

  it('says so when the back office has no phone on file, fails, or drops the connection', async () => {
    expect(texts(await terminalConversation(env.runtime, 'u-404').say(`短信验证 ${NO_PHONE}`))).toContain('无法向该商户的预留手机发送验证码');
    expect(texts(await terminalConversation(env.runtime, 'u-503').say(`短信验证 ${FAILING}`))).toContain('验证短信暂时发不出去');
    expect(texts(await terminalConversation(env.runtime, 'u-drop').say(`验证 ${DROPPING}`))).toContain('验证短信暂时发不出去');
  });

  it('one text a minute per user, five an hour per merchant', async () => {
    const chat = terminalConversation(env.runtime, 'impatient');
    // The back office sent the number whole: it is shown masked.
    expect(texts(await chat.say(`/verify ${UNMASKED}`))).toContain('商户预留手机 138****1234');
    expect(texts(await chat.say(`/verify ${UNMASKED}`))).toBe('尝试次数过多，请 1 分钟后再试。');
    for (let i = 1; i <= 4; i++) await terminalConversation(env.runtime, `other-${i}`).say(`短信验证 ${UNMASKED}`);
    expect(texts(await terminalConversation(env.runtime, 'other-5').say(`短信验证 ${UNMASKED}`))).toMatch(/尝试次数过多，请 \d+ 分钟后再试/);
  });

  it('shows the phone masked even when the back office sends it whole', () => {
    expect(maskPhone('13800001234')).toBe('138****1234');
    expect(maskPhone('138****1234')).toBe('138****1234');
  });
});

describe('PhoneCheck', () => {
  it('gives up on a back office that does not answer within the timeout', async () => {
    const check = new PhoneCheck({ url: `${url}/hang`, secret: SECRET, identities: env.runtime.identities, timeoutMs: 200 });
    const started = Date.now();
    expect(await check.send({ channelId: 'terminal', userId: 'slow' }, WITH_PHONE)).toEqual({ ok: false, reason: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('without BACKOFFICE_PHONE_CODE_URL', () => {
  it('"短信验证" is not a command, and the hint names only the binding code', async () => {
    const plain = await startRuntime();
    try {
      const chat = terminalConversation(plain.runtime, 'plain');
      expect(texts(await chat.say(`短信验证 ${WITH_PHONE}`))).not.toContain('验证码已发送');
      await chat.say('查询申请状态');
      await chat.say(WITH_PHONE);
      const reply = texts(await chat.say('CX-20260101-0001'));
      expect(reply).toContain('绑定');
      expect(reply).not.toContain('短信验证');
    } finally {
      await plain.cleanup();
    }
  });
});
