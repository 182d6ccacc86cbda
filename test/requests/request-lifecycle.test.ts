/**
 * A request's whole life through the real server: a merchant files a cancellation in the web chat
 * (Direct Line, with an uploaded slip photo), the outbox delivers it to a local back-office receiver that
 * fails the first attempts, the server restarts in the middle of the retries, the back office asks for
 * more materials through the API, the merchant hears it in the same conversation and sends a photo, and
 * the supplement arrives too — every message stored by the receiver exactly once, every signature valid.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Activity } from 'botbuilder';
import { afterAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/requests/index.js';
import {
  call,
  getActivities,
  jsonPost,
  makePng,
  openConversation,
  say,
  startTestServer,
  tempDataDir,
  upload,
  uploadForm,
  waitFor,
  type Conversation,
  type TestServer,
} from '../webchat/helpers.js';

const SECRET = 'lifecycle-webhook-secret';
const API_KEY = 'lifecycle-api-key-0123456789abcdef';

interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  stored: Map<string, Record<string, any>>;
  badSignatures: number;
  /** Attempts of each key that fail (503) before one succeeds. */
  failFirst: number;
  close(): Promise<void>;
}

async function startReceiver(failFirst: number): Promise<Receiver> {
  const receiver = { arrivals: new Map<string, number>(), stored: new Map<string, Record<string, any>>(), badSignatures: 0, failFirst } as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!verifySignature(SECRET, body, req.headers['x-posassist-signature'] as string, req.headers['x-posassist-timestamp'] as string)) {
        receiver.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      const seen = (receiver.arrivals.get(key) ?? 0) + 1;
      receiver.arrivals.set(key, seen);
      if (seen <= receiver.failFirst) {
        res.writeHead(503).end('busy');
        return;
      }
      // A real back office stores each key once and answers 2xx to repeats.
      if (!receiver.stored.has(key)) receiver.stored.set(key, JSON.parse(body.toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pos-assist`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** The merchant's side: sends a message or a file and returns the bot's messages that came back. */
function merchant(getServer: () => TestServer, conv: Conversation) {
  let seen = 0;
  const botTexts = (activities: Activity[]) => activities.filter((a) => a.from?.role === 'bot' && a.type === 'message').map((a) => a.text ?? '');
  const settle = async (): Promise<string[]> => {
    let last = -1;
    let stableSince = Date.now();
    const texts = await waitFor(async () => {
      const all = botTexts((await getActivities(getServer(), conv)).activities);
      if (all.length !== last) {
        last = all.length;
        stableSince = Date.now();
        return undefined;
      }
      return all.length > seen && Date.now() - stableSince > 300 ? all : undefined;
    }, 'the bot to answer', 15_000);
    const fresh = texts.slice(seen);
    seen = texts.length;
    return fresh;
  };
  return {
    async send(text: string) {
      await say(getServer(), conv, text);
      return settle();
    },
    async sendFile(bytes: Buffer, name: string) {
      const form = uploadForm({ type: 'message', from: { id: conv.userId }, text: '' }, [{ bytes, name, type: 'image/png' }]);
      const res = await upload(getServer(), conv, form);
      expect(res.status, res.text).toBe(200);
      return settle();
    },
    /** Messages that arrive without the merchant saying anything (notifications). */
    async waitForNotice(containing: string) {
      return waitFor(async () => {
        const all = botTexts((await getActivities(getServer(), conv)).activities);
        const fresh = all.slice(seen);
        if (fresh.some((t) => t.includes(containing))) {
          seen = all.length;
          return fresh;
        }
        return undefined;
      }, `a notice containing "${containing}"`, 15_000);
    },
    greeting: settle,
  };
}

const servers: TestServer[] = [];
const receivers: Receiver[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const r of receivers) await r.close();
});

describe('a request from the web chat to the back office and back', () => {
  it('is filed, delivered exactly once across failures and a restart, decided, notified and supplemented', async () => {
    const receiver = await startReceiver(2);
    receivers.push(receiver);
    const dataDir = tempDataDir();
    const env = {
      DATA_DIR: dataDir,
      BACKOFFICE_WEBHOOK_URL: receiver.url,
      BACKOFFICE_WEBHOOK_SECRET: SECRET,
      BACKOFFICE_API_KEY: API_KEY,
      WEBCHAT_TOKENS_PER_MINUTE: '1000',
    };
    const outbox = { baseDelayMs: 300, maxDelayMs: 1_000, pollIntervalMs: 100 };
    let server = await startTestServer(env, { outbox });
    servers.push(server);

    // ── The merchant files a request in the web chat ──
    const conv = await openConversation(server);
    const chat = merchant(() => server, conv);
    expect((await chat.greeting()).join('\n')).toContain('POS Assist');
    let said = await chat.send('昨天刷了1280元，参考号123456789012，想撤销');
    expect(said.join('\n')).toContain('撤销 / 退货申请');
    const answers: [RegExp, string | 'FILE'][] = [
      [/请核对/, '确认'], // the summary names every slot: it comes first
      [/商户编号/, '898310048161234'],
      [/终端编号/, '12345678'],
      [/后4位/, '跳过'],
      [/原因/, '顾客退货'],
      [/签购单/, 'FILE'],
      [/手机号/, '13800138000'],
    ];
    let ticket: string | undefined;
    for (let turn = 0; turn < 12 && !ticket; turn++) {
      const last = said.at(-1) ?? '';
      const match = /工单号 (CX-\d{8}-\d{4})/.exec(said.join('\n'));
      if (match) {
        ticket = match[1];
        break;
      }
      const answer = answers.find(([prompt]) => prompt.test(last));
      expect(answer, `no answer for the prompt: ${last}`).toBeDefined();
      said = answer![1] === 'FILE' ? await chat.sendFile(makePng([250, 250, 240]), 'slip.png') : await chat.send(answer![1]);
    }
    expect(ticket ?? said.join('\n')).toMatch(/^CX-\d{8}-\d{4}$/);

    // ── Delivery fails at first; the server restarts in the middle of the retries ──
    await waitFor(() => [...receiver.arrivals.values()].some((n) => n >= 1), 'a first delivery attempt');
    await server.stop();
    server = await startTestServer(env, { outbox });
    servers.push(server);
    const created = await waitFor(() => [...receiver.stored.values()].find((b) => b.type === 'request.created'), 'the request at the back office', 20_000);
    expect(created.request.ticket).toBe(ticket);
    expect(created.request.merchantId).toBe('898310048161234');
    expect(created.request.slots).toMatchObject({ reference_no: '123456789012', amount: 128000, request_type: 'refund' });
    expect(created.request.attachments).toHaveLength(1);
    const id = created.request.id as string;

    // ── The back office reads it and asks for more ──
    expect((await call(`${server.url}/api/requests/${id}`)).status).toBe(401);
    const auth = { authorization: `Bearer ${API_KEY}` };
    const details = await call(`${server.url}/api/requests/${id}`, { headers: auth });
    expect(details.status).toBe(200);
    expect(details.body.request.ticket).toBe(ticket);
    const file = details.body.request.attachments[0].file as string;
    const photo = await fetch(`${server.url}/api/requests/${id}/files/${file}`, { headers: auth });
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');

    const review = await call(`${server.url}/api/requests/${id}/status`, jsonPost(undefined, { status: 'in_review' }, auth));
    expect(review.status, review.text).toBe(200);
    expect(review.body.notified).toBe(true);
    await chat.waitForNotice('已进入审核');
    const ask = await call(`${server.url}/api/requests/${id}/status`, jsonPost(undefined, { status: 'needs_more_info', reason: '签购单照片不清楚，请重新拍摄' }, auth));
    expect(ask.status, ask.text).toBe(200);
    const notice = await chat.waitForNotice('需要补充材料');
    expect(notice.join('\n')).toContain('签购单照片不清楚');
    expect(notice.join('\n')).toContain(ticket!);

    // ── The merchant answers with a photo: it goes to that ticket ──
    said = await chat.sendFile(makePng([10, 20, 30]), 'slip-again.png');
    for (let turn = 0; turn < 4 && !said.join('\n').includes('已收到'); turn++) {
      const last = said.at(-1) ?? '';
      expect(last, said.join('\n')).not.toMatch(/商户编号|工单号（例如/); // both known already
      said = await chat.send(/说明|跳过/.test(last) && !/请核对|确认提交/.test(last) ? '跳过' : '确认');
    }
    expect(said.join('\n')).toContain(`已收到您为工单 ${ticket} 补充的材料`);
    const supplemented = await waitFor(() => [...receiver.stored.values()].find((b) => b.type === 'request.supplemented'), 'the supplement at the back office', 20_000);
    expect(supplemented.request.ticket).toBe(ticket);
    expect(supplemented.supplement.files).toHaveLength(1);

    // ── Approved ──
    const approve = await call(`${server.url}/api/requests/${id}/status`, jsonPost(undefined, { status: 'approved' }, auth));
    expect(approve.status, approve.text).toBe(200);
    expect((await chat.waitForNotice('审核通过')).join('\n')).toContain('3 到 5 个工作日');

    // Exactly once per key, retries included; every request signed.
    expect(receiver.badSignatures).toBe(0);
    expect([...receiver.stored.keys()].sort()).toEqual([...receiver.arrivals.keys()].sort());
    expect(receiver.stored.size).toBe(2);
    for (const n of receiver.arrivals.values()) expect(n).toBeGreaterThanOrEqual(3); // two refusals, then stored
  }, 90_000);
});
